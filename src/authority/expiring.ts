// A bounded map whose entries expire: the sign-in service's codes, refresh tokens, device codes, sessions and flows.
// Expired entries are dropped when met and swept when the map is full, so memory stays bounded under any load.

export class ExpiringMap<V extends { readonly expires: number }> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  /** The live entry, or undefined (an expired one is dropped). */
  get(key: string, now = Date.now()): V | undefined {
    const v = this.entries.get(key);
    if (v && v.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return v;
  }

  /** The entry even when it has expired (to say "expired" rather than "unknown"); it is dropped when met. */
  getEvenExpired(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.max) this.sweep();
    // Still full of live entries: the oldest goes (a Map iterates in insertion order).
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  private sweep(now = Date.now()): void {
    for (const [key, v] of this.entries) if (v.expires <= now) this.entries.delete(key);
  }
}
