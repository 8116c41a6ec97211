/**
 * Store factory: the embedded SQLite store by default, MongoDB when
 * configured. Callers depend on the Store interface (./types) only.
 */
import type { Store } from './types';
import type { Override, PortKey } from '../policy/types';
import { SqliteStore, type SqliteStoreOptions } from './sqlite';
import type { MongoStoreOptions } from './mongo';

export type StoreConfig =
  /** SQLite file `op25b.sqlite` under the data directory `path` (created if missing). */
  | { kind: 'embedded'; path: string }
  /** MongoDB at `uri`, database `database` (default 'op25b'). */
  | { kind: 'mongodb'; uri: string; database?: string };

/** What openStore returns: a Store whose expiredOverrides is always there. */
export type OpenedStore = Store & { expiredOverrides(now: number): Promise<{ key: PortKey; override: Override }[]> };

/**
 * Open the configured store. The MongoDB driver is loaded only when it is
 * configured. With MongoDB unreachable this waits, retrying with backoff and
 * logging each retry, until it connects.
 */
export async function openStore(cfg: StoreConfig, opts: SqliteStoreOptions & MongoStoreOptions = {}): Promise<OpenedStore> {
  switch (cfg.kind) {
    case 'embedded':
      return new SqliteStore(cfg.path, opts);
    case 'mongodb': {
      const { MongoStore } = await import('./mongo');
      return MongoStore.open(cfg.uri, cfg.database ?? 'op25b', opts);
    }
  }
}

export type { Store, ApplyResult, AuditEntry, AuditInput, AuditQuery, SessionRecord } from './types';
export type { StoreOptions } from './common';
export type { MongoStoreOptions } from './mongo';
export type { SqliteStoreOptions } from './sqlite';
export { SqliteStore } from './sqlite';
// MongoStore: import from './mongo' (kept out of here so the driver loads only when configured).
