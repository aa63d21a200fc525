// The store's contract: everything above src/store talks to persistence through these interfaces
// and never writes SQL, so a second database is a second implementation, not a change to routes.
import type { ItemPhone, ItemPhoneSettable } from '../profile/phones/schema.ts';
import type { IdentitySet } from '../profile/itemFacet.ts';

/** Whose profile a row belongs to. Every read and write is scoped by both parts. */
export interface ProfileOwner {
  readonly tenantId: string;
  readonly userId: string;
}

export interface DirectoryUser {
  readonly tenantId: string;
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
}

export interface UserStore {
  /** Creates the user, or brings its UPN and display name up to date. */
  upsert(user: DirectoryUser): Promise<void>;
  findById(tenantId: string, id: string): Promise<DirectoryUser | undefined>;
  /** Case-insensitive, as Entra treats userPrincipalName. */
  findByUpn(tenantId: string, userPrincipalName: string): Promise<DirectoryUser | undefined>;
}

export interface Modification {
  readonly at: string;
  readonly by: IdentitySet;
}

export interface PhoneStore {
  /** The owner's phones, oldest first (createdDateTime, then id). */
  list(owner: ProfileOwner): Promise<ItemPhone[]>;
  get(owner: ProfileOwner, id: string): Promise<ItemPhone | undefined>;
  insert(owner: ProfileOwner, phone: ItemPhone): Promise<void>;
  /** Applies the changes; undefined when the owner has no such phone. */
  update(
    owner: ProfileOwner,
    id: string,
    changes: Partial<ItemPhoneSettable>,
    modification: Modification,
  ): Promise<ItemPhone | undefined>;
  /** false when the owner has no such phone. */
  delete(owner: ProfileOwner, id: string): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite';
  /** Where the data lives, for /health and the start-up log (a path, never a secret). */
  readonly location: string;
  readonly users: UserStore;
  readonly phones: PhoneStore;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
