// Whose profile an item belongs to: the scope of every read and write, from the route down to the store.

/** Whose profile a row belongs to. Every read and write is scoped by both parts. */
export interface ProfileOwner {
  readonly tenantId: string;
  readonly userId: string;
}
