import assert from 'assert';
import { BurstCoalescer, DuplicateCache, RateLimitedLog } from '../../src/radius/dedup';

describe('radius duplicate cache, rate-limited log, burst coalescer', () => {
  it('DuplicateCache: pending, answered, forgotten and expired entries (injected clock)', () => {
    let t = 0;
    const c = new DuplicateCache(30_000, () => t);
    const k = DuplicateCache.key('192.0.2.1', 1645, 7, Buffer.alloc(16, 1));
    assert.strictEqual(c.get(k), undefined);
    c.begin(k);
    assert.deepStrictEqual(c.get(k), { state: 'pending' });
    c.answer(k, Buffer.from('reply'));
    t += 29_999;
    assert.deepStrictEqual(c.get(k), { state: 'answered', reply: Buffer.from('reply') });
    t += 1;
    assert.strictEqual(c.get(k), undefined, 'expired after the window');
    c.begin(k);
    c.forget(k);
    assert.strictEqual(c.get(k), undefined);
    assert.notStrictEqual(DuplicateCache.key('192.0.2.1', 1645, 7, Buffer.alloc(16, 2)), k, 'the authenticator is part of the key');
  });

  it('DuplicateCache sweeps expired entries and stays bounded', () => {
    let t = 0;
    const c = new DuplicateCache(10, () => t, 100);
    for (let i = 0; i < 50; i++) { c.begin(`a${i}`); c.answer(`a${i}`, Buffer.alloc(1)); }
    t = 11;
    c.begin('b');
    assert.strictEqual(c.size, 1);
    for (let i = 0; i < 300; i++) { c.begin(`c${i}`); c.answer(`c${i}`, Buffer.alloc(1)); }
    assert.ok(c.size <= 101, `size ${c.size}`);
  });

  it('RateLimitedLog: burst per interval, then reports what it suppressed', () => {
    let t = 0;
    const r = new RateLimitedLog(() => t, 1000, 2);
    assert.deepStrictEqual([r.allow('k'), r.allow('k'), r.allow('k'), r.allow('k'), r.allow('other')], [0, 0, undefined, undefined, 0]);
    t = 1000;
    assert.strictEqual(r.allow('k'), 2);
  });

  it('BurstCoalescer: releases a lone item on the next check, holds while the queue grows, caps at maxBatch', () => {
    const pending: (() => void)[] = [];
    const released: number[][] = [];
    const b = new BurstCoalescer<number>((items) => released.push(items), 5, (fn) => pending.push(fn));
    const turn = (): void => { const fns = pending.splice(0); for (const f of fns) f(); };
    b.push(1);
    turn();
    assert.deepStrictEqual(released, [[1]]);
    b.push(2); b.push(3);
    turn(); // 3 arrived after the check was scheduled: held
    b.push(4);
    turn();
    turn();
    assert.deepStrictEqual(released, [[1], [2, 3, 4]]);
    for (let i = 10; i < 17; i++) b.push(i);
    assert.deepStrictEqual(released.at(-1), [10, 11, 12, 13, 14], 'released at maxBatch without waiting');
    turn(); turn();
    assert.deepStrictEqual(released.at(-1), [15, 16]);
    assert.strictEqual(pending.length, 0);
  });
});
