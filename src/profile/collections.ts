// The profile collections this service serves. The app, the store (which migrates their tables) and the
// commands (token, migrate, export, import) all take them from here.
import type { ProfileCollection } from './collection.ts';
import { phones } from './phones/collection.ts';

export const PROFILE_COLLECTIONS: readonly ProfileCollection<any>[] = [phones];

/** Their tables, as the store is opened with them. */
export const PROFILE_TABLES = PROFILE_COLLECTIONS.map((c) => c.table);
