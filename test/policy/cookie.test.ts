import { strict as assert } from 'assert';
import {
  ATTACHMENT_COOKIE_MASK, COOKIE_KIND, OP25B_COOKIE, OP25B_COOKIE_MASK, PORT_COOKIE_MASK, attachmentCookieFilter,
  cookieFor, cookiePortKey, decodeCookie, describeCookie, isOp25bCookie, portCookieFilter,
} from '../../src/policy/cookie';
import type { RuleKind } from '../../src/policy/types';

describe('policy/cookie: the OP25B cookie namespace', () => {
  it('lays out tag 0x0B25 | kind | VLAN | port', () => {
    assert.equal(cookieFor('block', { port: 3 }), 0x0b25_3_000_00000003n);
    assert.equal(cookieFor('mta-allow', { port: 0xfffffeff, vlan: 4094 }), 0x0b25_2_ffe_fffffeffn);
    assert.equal(cookieFor('safety-net'), 0x0b25_5_000_00000000n);
    assert.equal(OP25B_COOKIE, 0x0b25_0000_0000_0000n);
    assert.equal(OP25B_COOKIE_MASK, 0xffff_0000_0000_0000n);
  });

  it('decodes every kind, port and VLAN it encodes', () => {
    const kinds = Object.keys(COOKIE_KIND) as RuleKind[];
    assert.equal(new Set(Object.values(COOKIE_KIND)).size, kinds.length, 'kind codes unique');
    for (const kind of kinds) {
      for (const key of [undefined, { port: 1 }, { port: 48, vlan: 101 }, { port: 0xffffff00, vlan: 1 }]) {
        const c = cookieFor(kind, key);
        assert.ok(isOp25bCookie(c));
        const d = decodeCookie(c);
        assert.equal(d?.kind, kind);
        assert.equal(d?.port, key?.port ?? 0);
        assert.equal(d?.vlan, key?.vlan);
      }
    }
    assert.deepEqual(cookiePortKey(7n, cookieFor('block', { port: 9, vlan: 5 })), { dpid: 7n, port: 9, vlan: 5 });
    assert.equal(cookiePortKey(7n, cookieFor('table-miss')), undefined);
    assert.match(describeCookie(cookieFor('quarantine', { port: 3, vlan: 101 })), /quarantine:3\.101/);
  });

  it('rejects cookies outside the namespace and out-of-range keys', () => {
    assert.equal(decodeCookie(0n), undefined);
    assert.equal(decodeCookie(0x1234_3_000_00000003n), undefined);
    assert.equal(decodeCookie(0x0b25_0_000_00000003n), undefined, 'kind 0 unused');
    assert.equal(decodeCookie(0x0b25_f_000_00000003n), undefined, 'unknown kind');
    assert.throws(() => cookieFor('block', { port: 2 ** 32 }), RangeError);
    assert.throws(() => cookieFor('block', { port: 1, vlan: 4096 }), RangeError);
  });

  it('masks select all OP25B flows, one port, or one attachment point', () => {
    const sel = (f: { cookie: bigint; cookie_mask: bigint }, c: bigint) => (c & f.cookie_mask) === (f.cookie & f.cookie_mask);
    const p3 = cookieFor('block', { port: 3 });
    const p3v = cookieFor('exempt-allow', { port: 3, vlan: 101 });
    const p4 = cookieFor('block', { port: 4 });
    const other = 0xdead_beef_0000_0003n;
    const port3 = portCookieFilter(3);
    assert.equal(port3.cookie_mask, PORT_COOKIE_MASK);
    assert.deepEqual([p3, p3v, p4, other].map((c) => sel(port3, c)), [true, true, false, false]);
    const ap = attachmentCookieFilter({ port: 3, vlan: 101 });
    assert.equal(ap.cookie_mask, ATTACHMENT_COOKIE_MASK);
    assert.deepEqual([p3, p3v, p4, other].map((c) => sel(ap, c)), [false, true, false, false]);
    assert.deepEqual([p3, p3v, p4, other].map((c) => sel(attachmentCookieFilter({ port: 3 }), c)), [true, false, false, false]);
    const all = { cookie: OP25B_COOKIE, cookie_mask: OP25B_COOKIE_MASK };
    assert.deepEqual([p3, p3v, p4, other].map((c) => sel(all, c)), [true, true, true, false]);
  });
});
