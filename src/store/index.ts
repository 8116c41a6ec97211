/**
 * Store factory: the embedded SQLite store by default, MongoDB when
 * configured. Callers depend on the Store interface (./types) only.
 */
import type { Store } from './types';
import type { StoreOptions } from './common';
import { SqliteStore } from './sqlite';

export type StoreConfig =
  /** SQLite file `op25b.sqlite` under the data directory `path` (created if missing). */
  | { kind: 'embedded'; path: string }
  /** MongoDB at `uri`, database `database` (default 'op25b'). */
  | { kind: 'mongodb'; uri: string; database?: string };

export async function openStore(cfg: StoreConfig, opts: StoreOptions = {}): Promise<Store> {
  switch (cfg.kind) {
    case 'embedded':
      return new SqliteStore(cfg.path, opts);
    case 'mongodb':
      throw new Error('store: the MongoDB adapter is not built yet');
  }
}

export type { Store, ApplyResult, AuditEntry, AuditInput, AuditQuery, SessionRecord } from './types';
export type { StoreOptions } from './common';
export { SqliteStore } from './sqlite';
