/**
 * An in-memory stand-in for the part of the MongoDB driver's Db/Collection
 * API that MongoStore uses, with MongoDB's semantics for what it supports:
 * equality (null matches a missing field; a scalar matches inside an array
 * field), $lte/$lt/$gte/$gt/$in/$or, multi-key sort, limit, replace/delete/
 * findOneAndX, updateOne with $set/$max and upsert, updateMany, unique _id
 * (E11000). No server can run on these machines; this lets the adapter's own
 * logic (ordering, compare-and-set, retry) run the full contract. It does not
 * replace the contract run against a real server (test/store/mongo.test.ts).
 *
 * `failNext(n)` makes the next n operations throw a MongoNetworkError-named
 * error, as a lost connection does.
 */
import { ObjectId } from 'mongodb';

type Doc = Record<string, unknown>;
type Filter = Record<string, unknown>;

function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v !== null && typeof v === 'object' && !(v instanceof ObjectId) && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Doc = {};
    for (const [k, x] of Object.entries(v as Doc)) if (x !== undefined) o[k] = clone(x);
    return o as T;
  }
  return v;
}

function norm(v: unknown): unknown {
  return v instanceof ObjectId ? v.toHexString() : v;
}

function eq(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null) && b === null) return true;
  return norm(a) === norm(b);
}

function cmp(a: unknown, b: unknown): number {
  const x = norm(a);
  const y = norm(b);
  if (x === y) return 0;
  if (x === undefined || x === null) return -1;
  if (y === undefined || y === null) return 1;
  return (x as number | string) < (y as number | string) ? -1 : 1;
}

function isOperatorObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ObjectId)
    && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));
}

function matchValue(field: unknown, cond: unknown): boolean {
  const candidates = Array.isArray(field) ? field : [field];
  if (!isOperatorObject(cond)) return candidates.some((c) => eq(c, cond)) || eq(field, cond);
  return Object.entries(cond).every(([op, arg]) => {
    switch (op) {
      case '$eq': return candidates.some((c) => eq(c, arg));
      case '$ne': return !candidates.some((c) => eq(c, arg));
      case '$in': return (arg as unknown[]).some((a) => candidates.some((c) => eq(c, a)));
      case '$lte': return field !== undefined && field !== null && cmp(field, arg) <= 0;
      case '$lt': return field !== undefined && field !== null && cmp(field, arg) < 0;
      case '$gte': return field !== undefined && field !== null && cmp(field, arg) >= 0;
      case '$gt': return field !== undefined && field !== null && cmp(field, arg) > 0;
      default: throw new Error(`fake-mongo: unsupported operator ${op}`);
    }
  });
}

export function matches(doc: Doc, filter: Filter): boolean {
  return Object.entries(filter).every(([k, cond]) => {
    if (k === '$or') return (cond as Filter[]).some((f) => matches(doc, f));
    if (k.startsWith('$')) throw new Error(`fake-mongo: unsupported top-level ${k}`);
    return matchValue(doc[k], cond);
  });
}

function duplicateKey(id: unknown): Error {
  const e = new Error(`E11000 duplicate key error collection dup key: { _id: ${JSON.stringify(norm(id))} }`) as Error & { code: number };
  e.name = 'MongoServerError';
  e.code = 11000;
  return e;
}

export class FakeCursor {
  private sortSpec: [string, number][] = [];
  private max = 0;
  constructor(private readonly docs: Doc[]) {}
  sort(spec: Record<string, number>): this {
    this.sortSpec = Object.entries(spec);
    return this;
  }
  limit(n: number): this {
    this.max = n;
    return this;
  }
  async toArray(): Promise<Doc[]> {
    await Promise.resolve();
    const out = [...this.docs].sort((a, b) => {
      for (const [k, dir] of this.sortSpec) {
        const c = cmp(a[k], b[k]);
        if (c !== 0) return c * dir;
      }
      return 0;
    });
    return (this.max > 0 ? out.slice(0, this.max) : out).map(clone);
  }
  async next(): Promise<Doc | null> {
    return (await this.toArray())[0] ?? null;
  }
}

export class FakeCollection {
  readonly docs = new Map<string, Doc>();
  constructor(private readonly db: FakeDb) {}

  private async op(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.db.maybeFail();
  }
  private all(filter: Filter): Doc[] {
    return [...this.docs.values()].filter((d) => matches(d, filter));
  }
  private idOf(d: Doc): string {
    return String(norm(d._id));
  }

  async createIndex(): Promise<string> { await this.op(); return 'ok'; }
  find(filter: Filter = {}): FakeCursor {
    this.db.maybeFail();
    return new FakeCursor(this.all(filter));
  }
  async findOne(filter: Filter): Promise<Doc | null> {
    await this.op();
    const d = this.all(filter)[0];
    return d ? clone(d) : null;
  }
  async insertOne(doc: Doc): Promise<{ acknowledged: true; insertedId: unknown }> {
    await this.op();
    const d = clone(doc);
    if (d._id === undefined) d._id = new ObjectId();
    if (this.docs.has(this.idOf(d))) throw duplicateKey(d._id);
    this.docs.set(this.idOf(d), d);
    return { acknowledged: true, insertedId: d._id };
  }
  async replaceOne(filter: Filter, doc: Doc, opts: { upsert?: boolean } = {}): Promise<{ matchedCount: number; upsertedCount: number }> {
    await this.op();
    const found = this.all(filter)[0];
    if (found) {
      this.docs.set(this.idOf(found), { ...clone(doc), _id: found._id });
      return { matchedCount: 1, upsertedCount: 0 };
    }
    if (!opts.upsert) return { matchedCount: 0, upsertedCount: 0 };
    const d = clone(doc);
    if (d._id === undefined && filter._id !== undefined) d._id = filter._id;
    if (this.docs.has(this.idOf(d))) throw duplicateKey(d._id);
    this.docs.set(this.idOf(d), d);
    return { matchedCount: 0, upsertedCount: 1 };
  }
  async deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    await this.op();
    const found = this.all(filter)[0];
    if (!found) return { deletedCount: 0 };
    this.docs.delete(this.idOf(found));
    return { deletedCount: 1 };
  }
  async findOneAndDelete(filter: Filter): Promise<Doc | null> {
    await this.op();
    const found = this.all(filter)[0];
    if (!found) return null;
    this.docs.delete(this.idOf(found));
    return clone(found);
  }
  async findOneAndReplace(filter: Filter, doc: Doc, opts: { upsert?: boolean } = {}): Promise<Doc | null> {
    await this.op();
    const found = this.all(filter)[0];
    if (found) {
      this.docs.set(this.idOf(found), { ...clone(doc), _id: found._id });
      return clone(found);
    }
    if (opts.upsert) {
      const d = clone(doc);
      if (d._id === undefined) d._id = filter._id;
      this.docs.set(this.idOf(d), d);
    }
    return null;
  }
  private applyUpdate(d: Doc, update: Record<string, Record<string, unknown>>): void {
    for (const [op, fields] of Object.entries(update)) {
      for (const [k, v] of Object.entries(fields)) {
        if (op === '$set') d[k] = clone(v);
        else if (op === '$max') d[k] = d[k] === undefined || cmp(v, d[k]) > 0 ? v : d[k];
        else throw new Error(`fake-mongo: unsupported update ${op}`);
      }
    }
  }
  async updateOne(filter: Filter, update: Record<string, Record<string, unknown>>, opts: { upsert?: boolean } = {}): Promise<{ matchedCount: number }> {
    await this.op();
    const found = this.all(filter)[0];
    if (found) {
      this.applyUpdate(found, update);
      return { matchedCount: 1 };
    }
    if (opts.upsert) {
      const d: Doc = {};
      for (const [k, v] of Object.entries(filter)) if (!k.startsWith('$') && !isOperatorObject(v)) d[k] = clone(v);
      this.applyUpdate(d, update);
      this.docs.set(this.idOf(d), d);
    }
    return { matchedCount: 0 };
  }
  async updateMany(filter: Filter, update: Record<string, Record<string, unknown>>): Promise<{ matchedCount: number }> {
    await this.op();
    const found = this.all(filter);
    for (const d of found) this.applyUpdate(d, update);
    return { matchedCount: found.length };
  }
}

export class FakeDb {
  private readonly colls = new Map<string, FakeCollection>();
  private failures = 0;
  /** Operations that failed because of failNext. */
  failed = 0;
  collection(name: string): FakeCollection {
    let c = this.colls.get(name);
    if (!c) { c = new FakeCollection(this); this.colls.set(name, c); }
    return c;
  }
  failNext(n: number): void {
    this.failures = n;
  }
  maybeFail(): void {
    if (this.failures <= 0) return;
    this.failures--;
    this.failed++;
    const e = new Error('connection 1 to 127.0.0.1:27017 closed');
    e.name = 'MongoNetworkError';
    throw e;
  }
}
