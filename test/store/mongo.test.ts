/**
 * The Store contract on MongoDB. Runs when MONGODB_URI is set (a database
 * op25b_test_<random> is created and dropped per test), or when a `mongod`
 * binary is on PATH (started on a temp dir and an ephemeral port); otherwise
 * skipped, saying so.
 *
 *   MONGODB_URI=mongodb://127.0.0.1:27017 OP25B_TEST=1 npx mocha test/store/mongo.test.ts
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { randomBytes } from 'crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/store/mongo';
import type { Store } from '../../src/store/types';
import { storeContract } from './contract';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('MongoStore against a MongoDB server', function () {
  this.timeout(60_000);
  let uri = process.env.MONGODB_URI;
  let mongod: ChildProcess | undefined;
  let dbdir: string | undefined;
  let admin: MongoClient | undefined;
  const dbNames = new Map<Store, string>();

  before(async function () {
    if (!uri) {
      if (spawnSync('sh', ['-c', 'command -v mongod']).status !== 0) {
        console.log('  skipped: no MongoDB (set MONGODB_URI or install mongod)');
        this.skip();
      }
      const port = await freePort();
      dbdir = mkdtempSync(join(tmpdir(), 'op25b-mongod-'));
      mongod = spawn('mongod', ['--dbpath', dbdir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'], { stdio: 'ignore' });
      uri = `mongodb://127.0.0.1:${port}/`;
    }
    admin = new MongoClient(uri, { serverSelectionTimeoutMS: 30_000 });
    await admin.connect();
    await admin.db('admin').command({ ping: 1 });
  });

  after(async () => {
    await admin?.close();
    if (mongod) {
      mongod.kill('SIGTERM');
      await new Promise((r) => mongod?.once('exit', r));
    }
    if (dbdir) rmSync(dbdir, { recursive: true, force: true });
  });

  async function open(name: string): Promise<Store> {
    if (!uri) throw new Error('no MongoDB');
    const s = await MongoStore.open(uri, name, { readAttempts: 1 });
    dbNames.set(s, name);
    return s;
  }

  storeContract('MongoDB', () => open(`op25b_test_${randomBytes(6).toString('hex')}`), async (s) => {
    const name = dbNames.get(s);
    dbNames.delete(s);
    if (name && admin) await admin.db(name).dropDatabase();
  }, {
    reopen: async (closed) => {
      const name = dbNames.get(closed);
      if (!name) throw new Error('unknown store');
      dbNames.delete(closed);
      return open(name);
    },
  });
});
