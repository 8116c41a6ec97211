/**
 * The MongoDB adapter's own logic (ordering, compare-and-set, retry) through
 * the full Store contract, over an in-memory fake of the driver's collection
 * API (test/store/fake-mongo.ts), plus its pure query building. The run
 * against a real server is test/store/mongo.test.ts.
 */
import { strict as assert } from 'assert';
import type { Db } from 'mongodb';
import { MongoStore } from '../../src/store/mongo';
import {
  auditDocBody, auditFilter, auditFromDoc, backoffMs, eventDoc, eventDocId, historyDoc, historyEnd, isDuplicateKey,
  isTransientMongoError, overrideDoc, overrideFromDoc, recordFromHistoryDoc, sessionDoc, sessionFromDoc, whoisFilter,
} from '../../src/store/mongo-query';
import type { Store } from '../../src/store/types';
import type { Session } from '../../src/policy/types';
import { storeContract } from './contract';
import { FakeDb, matches } from './fake-mongo';

const dbs = new Map<Store, FakeDb>();
const asDb = (f: FakeDb): Db => f as unknown as Db;

async function open(fake: FakeDb): Promise<Store> {
  const s = await MongoStore.fromDb(asDb(fake), { maxBackoffMs: 5 });
  dbs.set(s, fake);
  return s;
}

storeContract('MongoDB adapter over an in-memory driver fake', () => open(new FakeDb()), async (s) => { dbs.delete(s); }, {
  reopen: async (closed) => {
    const fake = dbs.get(closed);
    assert.ok(fake);
    return open(fake);
  },
});

describe('MongoStore: lost connection', () => {
  it('retries with backoff until the server answers, and the event is applied once', async () => {
    const fake = new FakeDb();
    const s = await MongoStore.fromDb(asDb(fake), { maxBackoffMs: 2 });
    fake.failNext(5);
    const r = await s.recordEvent({ kind: 'start', nas: 'n', sessionId: 'A', key: { dpid: 1n, port: 1 }, profile: 'default', eventTime: 1, receivedAt: 1 });
    assert.equal(fake.failed, 5);
    assert.equal(r.applied, true);
    assert.deepEqual((await s.sessions()).map((x) => x.sessionId), ['A']);
    assert.equal((await s.queryAudit({})).filter((a) => a.action === 'session-start').length, 1);
    await s.close();
  });
  it('reads give up after readAttempts', async () => {
    const fake = new FakeDb();
    const s = await MongoStore.fromDb(asDb(fake), { maxBackoffMs: 1, readAttempts: 2 });
    fake.failNext(2);
    await assert.rejects(s.sessions(), { name: 'MongoNetworkError' });
    assert.deepEqual(await s.sessions(), []);
    await s.close();
  });
  it('writes to a closed store reject', async () => {
    const s = await MongoStore.fromDb(asDb(new FakeDb()));
    await s.close();
    await assert.rejects(s.appendAudit({ actor: 'x', action: 'y', at: 1 }), /closed/);
  });
});

describe('MongoStore: two writers on one database (compare-and-set on the port\'s rev)', () => {
  it('concurrent Starts from two controllers: the newer session wins whichever commits first', async () => {
    for (const order of [[100, 200], [200, 100]]) {
      const fake = new FakeDb();
      const [s1, s2] = [await MongoStore.fromDb(asDb(fake)), await MongoStore.fromDb(asDb(fake))];
      const key = { dpid: 1n, port: 1 };
      const ev = (sessionId: string, t: number) => ({ kind: 'start' as const, nas: 'n', sessionId, key, profile: 'default' as const, eventTime: t, receivedAt: t });
      await Promise.all([s1.recordEvent(ev(`S${order[0]}`, order[0] ?? 0)), s2.recordEvent(ev(`S${order[1]}`, order[1] ?? 0))]);
      assert.deepEqual((await s1.sessions()).map((x) => x.sessionId), ['S200'], `order ${order.join(',')}`);
      await s1.close();
      await s2.close();
    }
  });
  it('a Stop and a newer Start racing from two controllers leave the newer session', async () => {
    const fake = new FakeDb();
    const [s1, s2] = [await MongoStore.fromDb(asDb(fake)), await MongoStore.fromDb(asDb(fake))];
    const key = { dpid: 1n, port: 1 };
    const base = { nas: 'n', key, profile: 'default' as const };
    await s1.recordEvent({ ...base, kind: 'start', sessionId: 'A', eventTime: 100, receivedAt: 100 });
    await Promise.all([
      s1.recordEvent({ ...base, kind: 'stop', sessionId: 'A', eventTime: 150, receivedAt: 150 }),
      s2.recordEvent({ ...base, kind: 'start', sessionId: 'B', eventTime: 200, receivedAt: 200 }),
    ]);
    assert.deepEqual((await s2.sessions()).map((x) => x.sessionId), ['B']);
    await s1.close();
    await s2.close();
  });
});

describe('MongoStore: pure query building', () => {
  const S: Session = { nas: 'n', sessionId: 'A', key: { dpid: 0xfedcba9876543210n, port: 3, vlan: 7 }, profile: 'exempt', startedAt: 1, updatedAt: 2, framedIp: '100.64.0.1' };

  it('session documents round-trip (64-bit dpid, VLAN) and carry rev', () => {
    const d = sessionDoc(S, 4);
    assert.equal(d._id, 'fedcba9876543210:3.7');
    assert.equal(d.rev, 4);
    assert.deepEqual(sessionFromDoc(d), S);
  });
  it('history documents index every address/prefix and round-trip', () => {
    const d = historyDoc({ nas: 'n', sessionId: 'A', key: S.key, profile: 'default', from: 10, framedIp: '100.64.0.1', delegatedIpv6Prefix: '2001:db8:100::/56' });
    assert.equal(d.to, null);
    assert.deepEqual(d.addrKeys.sort(), ['4:64400001/32', '6:20010db8010000000000000000000000/56']);
    assert.equal(d._id, JSON.stringify(['n', 'A', 10]));
    assert.deepEqual(recordFromHistoryDoc(d), { nas: 'n', sessionId: 'A', key: S.key, profile: 'default', from: 10, framedIp: '100.64.0.1', delegatedIpv6Prefix: '2001:db8:100::/56' });
    assert.equal(recordFromHistoryDoc({ ...d, to: 20 }).to, 20);
  });
  it('whois filter: any truncation of the address, window [from, to)', () => {
    const f = whoisFilter('2001:db8:100:ff::1', 15);
    assert.ok(f);
    const keys = (f.addrKeys as { $in: string[] }).$in;
    assert.equal(keys.length, 129);
    assert.ok(keys.includes('6:20010db8010000000000000000000000/56'));
    const row = historyDoc({ nas: 'n', sessionId: 'A', key: S.key, profile: 'default', from: 10, delegatedIpv6Prefix: '2001:db8:100::/56' });
    assert.equal(matches({ ...row }, f), true);
    assert.equal(matches({ ...row, to: 15 }, f), false, 'to is exclusive');
    assert.equal(matches({ ...row, from: 16 }, f), false);
    assert.equal(matches({ ...row, to: 16 }, f), true);
    assert.equal(whoisFilter('nope', 1), undefined);
  });
  it('history end: only rows of that session begun by then, never extending an end', () => {
    const { filter, update } = historyEnd({ op: 'end', nas: 'n', sessionId: 'A', at: 50 });
    assert.deepEqual(update, { $set: { to: 50 } });
    const row = { nas: 'n', sessionId: 'A', from: 10, to: null };
    assert.equal(matches(row, filter), true);
    assert.equal(matches({ ...row, to: 60 }, filter), true);
    assert.equal(matches({ ...row, to: 40 }, filter), false);
    assert.equal(matches({ ...row, from: 51 }, filter), false);
    assert.equal(matches({ ...row, sessionId: 'B' }, filter), false);
  });
  it('audit filter and documents', () => {
    assert.deepEqual(auditFilter({}), {});
    assert.deepEqual(auditFilter({ key: { dpid: 1n, port: 2 }, subscriber: 'u', from: 5, to: 9 }), { key: '0000000000000001:2', subscriber: 'u', at: { $gte: 5, $lte: 9 } });
    assert.deepEqual(auditFilter({ to: 9 }), { at: { $lte: 9 } });
    const body = auditDocBody({ actor: 'radius', action: 'session-start', key: S.key, at: 3, after: { dpid: 5n, nested: { x: undefined, y: 1 } } });
    assert.deepEqual(body.after, { dpid: '5', nested: { y: 1 } }, 'BSON-safe: bigint as string, undefined dropped');
    assert.equal(body.key, 'fedcba9876543210:3.7');
    assert.deepEqual(auditFromDoc('abc', body), { id: 'abc', actor: 'radius', action: 'session-start', key: S.key, at: 3, after: { dpid: '5', nested: { y: 1 } } });
  });
  it('event and override documents', () => {
    const ev = { kind: 'stop' as const, nas: 'n', sessionId: 'A', key: S.key, profile: 'default' as const, eventTime: 7, receivedAt: 8 };
    const d = eventDoc(ev, 'close');
    assert.equal(d._id, eventDocId(ev));
    assert.equal(d.key, 'fedcba9876543210:3.7');
    assert.equal((d.body as { key: { dpid: string } }).key.dpid, String(0xfedcba9876543210n));
    assert.notEqual(eventDocId(ev), eventDocId({ ...ev, eventTime: 8 }));
    const o = { kind: 'quarantine-all' as const, actor: 'noc:a', reason: 'r', createdAt: 1, expiresAt: 9 };
    assert.deepEqual(overrideFromDoc(overrideDoc('k', o)), o);
    assert.throws(() => overrideFromDoc({ ...overrideDoc('k', o), kind: 'bogus' }), /unknown override kind/);
  });
  it('backoff doubles from 100 ms to the cap, jittered +-20%', () => {
    assert.equal(backoffMs(0, 5000, 0.5), 100);
    assert.equal(backoffMs(3, 5000, 0.5), 800);
    assert.equal(backoffMs(30, 5000, 0.5), 5000);
    assert.equal(backoffMs(0, 5000, 0), 80);
    assert.equal(backoffMs(0, 5000, 1), 120);
  });
  it('classifies transient and duplicate-key errors', () => {
    const named = (n: string): Error => Object.assign(new Error('x'), { name: n });
    assert.equal(isTransientMongoError(named('MongoNetworkError')), true);
    assert.equal(isTransientMongoError(named('MongoServerSelectionError')), true);
    assert.equal(isTransientMongoError(Object.assign(new Error('x'), { code: 11600 })), true);
    assert.equal(isTransientMongoError(Object.assign(new Error('x'), { hasErrorLabel: (l: string) => l === 'RetryableWriteError' })), true);
    assert.equal(isTransientMongoError(Object.assign(new Error('dup'), { code: 11000 })), false);
    assert.equal(isTransientMongoError(new TypeError('bug')), false);
    assert.equal(isTransientMongoError('string'), false);
    assert.equal(isDuplicateKey({ code: 11000 }), true);
    assert.equal(isDuplicateKey(new Error('x')), false);
  });
});
