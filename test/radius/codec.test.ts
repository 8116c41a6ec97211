import assert from 'assert';
import { createHash, createHmac } from 'crypto';
import { decodePacket, encodePacket, formatIPv6, getAgentCircuitId, getNumber, getString, parseIPv6, verifyRequest, verifyResponse } from '../../src/radius/codec';
import { CODE } from '../../src/radius/dictionary';
import { RadiusError, type RadiusErrorCode } from '../../src/radius/errors';

const SECRET = 'testing123';

/** Build an Accounting-Request byte by byte (independent of the encoder): header, attributes, RFC 2866 authenticator. */
function acctRequest(attrs: Buffer[], opts: { id?: number; secret?: string; lengthDelta?: number; padding?: Buffer } = {}): Buffer {
  const body = Buffer.concat(attrs);
  const len = 20 + body.length;
  const head = Buffer.alloc(20);
  head[0] = 4;
  head[1] = opts.id ?? 7;
  head.writeUInt16BE(len + (opts.lengthDelta ?? 0), 2);
  const auth = createHash('md5').update(head.subarray(0, 4)).update(Buffer.alloc(16)).update(body).update(opts.secret ?? SECRET).digest();
  auth.copy(head, 4);
  return Buffer.concat([head, body, opts.padding ?? Buffer.alloc(0)]);
}

function attr(type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from([type, v.length + 2]), v]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function expectError(buf: Buffer, code: RadiusErrorCode, check?: (e: RadiusError) => void): void {
  assert.throws(() => decodePacket(buf), (e: unknown) => {
    assert.ok(e instanceof RadiusError, `expected RadiusError, got ${String(e)}`);
    assert.strictEqual(e.code, code, e.message);
    check?.(e);
    return true;
  });
}

const start = [attr(40, u32(1)), attr(44, 'sess-1'), attr(4, Buffer.from([192, 0, 2, 1])), attr(5, u32(3))];

describe('radius codec: decoding', () => {
  it('decodes a hand-built Accounting-Request and verifies its Request Authenticator', () => {
    const buf = acctRequest(start);
    const p = decodePacket(buf);
    assert.strictEqual(p.code, CODE.ACCOUNTING_REQUEST);
    assert.strictEqual(p.identifier, 7);
    assert.strictEqual(getNumber(p, 'Acct-Status-Type'), 1);
    assert.strictEqual(getString(p, 'Acct-Session-Id'), 'sess-1');
    assert.strictEqual(getString(p, 'NAS-IP-Address'), '192.0.2.1');
    assert.strictEqual(getNumber(p, 'NAS-Port'), 3);
    verifyRequest(p, SECRET);
  });

  it('rejects a wrong secret with RADIUS_ERR_BAD_AUTHENTICATOR', () => {
    const p = decodePacket(acctRequest(start, { secret: 'other' }));
    assert.throws(() => verifyRequest(p, SECRET), (e: unknown) => e instanceof RadiusError && e.code === 'RADIUS_ERR_BAD_AUTHENTICATOR');
  });

  it('ignores octets past Length, also in the authenticator check', () => {
    const buf = acctRequest(start, { padding: Buffer.from('garbage-padding!') });
    const p = decodePacket(buf);
    assert.strictEqual(p.raw.length, p.length);
    assert.strictEqual(p.attributes.length, 4);
    verifyRequest(p, SECRET);
  });

  it('datagram shorter than the header -> RADIUS_ERR_SHORT', () => {
    expectError(Buffer.alloc(19), 'RADIUS_ERR_SHORT');
    expectError(Buffer.alloc(0), 'RADIUS_ERR_SHORT');
  });

  it('Length below 20 -> RADIUS_ERR_BAD_LENGTH', () => {
    const b = acctRequest([]);
    b.writeUInt16BE(19, 2);
    expectError(b, 'RADIUS_ERR_BAD_LENGTH', (e) => assert.strictEqual(e.offset, 2));
    b.writeUInt16BE(0, 2);
    expectError(b, 'RADIUS_ERR_BAD_LENGTH');
  });

  it('Length above 4096 -> RADIUS_ERR_BAD_LENGTH (even when the datagram is that long)', () => {
    const b = Buffer.alloc(5000);
    b[0] = 4;
    b.writeUInt16BE(4097, 2);
    expectError(b, 'RADIUS_ERR_BAD_LENGTH');
  });

  it('datagram shorter than its Length -> RADIUS_ERR_SHORT', () => {
    expectError(acctRequest(start, { lengthDelta: 1 }), 'RADIUS_ERR_SHORT');
  });

  it('attribute Length below 2 -> RADIUS_ERR_BAD_ATTRIBUTE', () => {
    expectError(acctRequest([...start, Buffer.from([44, 1])]), 'RADIUS_ERR_BAD_ATTRIBUTE');
    expectError(acctRequest([Buffer.from([44, 0]), ...start]), 'RADIUS_ERR_BAD_ATTRIBUTE', (e) => assert.strictEqual(e.offset, 21));
  });

  it('attribute running past Length -> RADIUS_ERR_BAD_ATTRIBUTE (even if the datagram has the octets)', () => {
    const b = acctRequest([...start, Buffer.from([44, 10, 0x41, 0x42])]);
    expectError(b, 'RADIUS_ERR_BAD_ATTRIBUTE');
    // Declared Length cuts the last attribute; bytes after Length are padding and must not complete it.
    const whole = acctRequest([...start, attr(44, 'abcdef')]);
    whole.writeUInt16BE(whole.length - 3, 2);
    expectError(whole, 'RADIUS_ERR_BAD_ATTRIBUTE');
    // A lone type octet at the end.
    expectError(acctRequest([...start, Buffer.from([44])]), 'RADIUS_ERR_BAD_ATTRIBUTE');
  });

  for (const [name, type, size] of [['NAS-Port (integer)', 5, 3], ['NAS-Port (integer)', 5, 5], ['Acct-Status-Type', 40, 2], ['Event-Timestamp (date)', 55, 8],
    ['NAS-IP-Address (ipaddr)', 4, 3], ['Framed-IP-Address (ipaddr)', 8, 16], ['NAS-IPv6-Address', 95, 4], ['Framed-Interface-Id', 96, 7],
    ['Message-Authenticator', 80, 15]] as const) {
    it(`wrong-size ${name} of ${size} octets -> RADIUS_ERR_BAD_ATTRIBUTE`, () => {
      expectError(acctRequest([...start, attr(type, Buffer.alloc(size))]), 'RADIUS_ERR_BAD_ATTRIBUTE', (e) => assert.strictEqual(e.attribute, type));
    });
  }

  describe('IPv6 prefixes (RFC 3162 / RFC 4818)', () => {
    const prefix = (type: number, bytes: number[]): Buffer => acctRequest([...start, attr(type, Buffer.from(bytes))]);
    it('decodes a full 16-octet encoding', () => {
      const p = decodePacket(prefix(97, [0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]));
      assert.strictEqual(getString(p, 'Framed-IPv6-Prefix'), '2001:db8:1:2::/64');
    });
    it('decodes short encodings (only the prefix octets)', () => {
      assert.strictEqual(getString(decodePacket(prefix(123, [0, 56, 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0x01])), 'Delegated-IPv6-Prefix'), '2001:db8:2:100::/56');
      assert.strictEqual(getString(decodePacket(prefix(97, [0, 0])), 'Framed-IPv6-Prefix'), '::/0');
      assert.strictEqual(getString(decodePacket(prefix(97, [0, 128, ...Array<number>(15).fill(0), 1])), 'Framed-IPv6-Prefix'), '::1/128');
    });
    it('clears bits past the prefix length', () => {
      assert.strictEqual(getString(decodePacket(prefix(97, [0, 36, 0x20, 0x01, 0x0d, 0xb8, 0xff])), 'Framed-IPv6-Prefix'), '2001:db8:f000::/36');
    });
    it('rejects Reserved != 0', () => expectError(prefix(97, [1, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0]), 'RADIUS_ERR_BAD_ATTRIBUTE'));
    it('rejects a prefix length above 128', () => expectError(prefix(123, [0, 129, ...Array<number>(16).fill(0)]), 'RADIUS_ERR_BAD_ATTRIBUTE'));
    it('rejects fewer prefix octets than the length needs', () => expectError(prefix(97, [0, 64, 0x20, 0x01, 0x0d, 0xb8]), 'RADIUS_ERR_BAD_ATTRIBUTE'));
    it('rejects a value shorter than 2 or longer than 18 octets', () => {
      expectError(prefix(97, [0]), 'RADIUS_ERR_BAD_ATTRIBUTE');
      expectError(prefix(97, [0, 64, ...Array<number>(17).fill(0)]), 'RADIUS_ERR_BAD_ATTRIBUTE');
    });
  });

  it('keeps unknown attributes and other vendors opaque, decodes ADSL-Agent-Circuit-Id (3561/1)', () => {
    const vsa = Buffer.concat([u32(3561), attr(1, 'olt1 eth 1/1/3:101'), attr(2, 'remote')]);
    const cisco = Buffer.concat([u32(9), attr(1, 'cisco-avpair')]);
    const p = decodePacket(acctRequest([...start, attr(26, cisco), attr(26, vsa), attr(240, 'opaque')]));
    assert.strictEqual(getAgentCircuitId(p), 'olt1 eth 1/1/3:101');
    const unknown = p.attributes.find((a) => a.type === 240)!;
    assert.strictEqual(unknown.name, 'Attr-240');
    assert.deepStrictEqual(unknown.value, Buffer.from('opaque'));
    const c = p.attributes.find((a) => a.type === 26)!;
    assert.deepStrictEqual(c.value, { vendorId: 9, data: attr(1, 'cisco-avpair') });
  });

  it('rejects a malformed Vendor-Specific', () => {
    expectError(acctRequest([...start, attr(26, u32(9))]), 'RADIUS_ERR_BAD_ATTRIBUTE');
    expectError(acctRequest([...start, attr(26, Buffer.concat([u32(3561), Buffer.from([1, 9, 0x41])]))]), 'RADIUS_ERR_BAD_ATTRIBUTE');
    expectError(acctRequest([...start, attr(26, Buffer.concat([u32(3561), Buffer.from([1, 1])]))]), 'RADIUS_ERR_BAD_ATTRIBUTE');
  });
});

describe('radius codec: encoding and authenticators', () => {
  it('encodes an Accounting-Request byte-equal to the hand-built one', () => {
    const ours = encodePacket({ code: 4, identifier: 7, attributes: [['Acct-Status-Type', 1], ['Acct-Session-Id', 'sess-1'], ['NAS-IP-Address', '192.0.2.1'], ['NAS-Port', 3]] }, SECRET);
    assert.deepStrictEqual(ours, acctRequest(start));
  });

  it('round-trips every attribute type', () => {
    const buf = encodePacket({
      code: 4, identifier: 200, attributes: [
        ['Acct-Status-Type', 3], ['Acct-Session-Id', 'x'], ['NAS-Identifier', 'bng-1'], ['Framed-IP-Address', '100.64.1.2'],
        ['NAS-IPv6-Address', '2001:db8::1'], ['Framed-IPv6-Prefix', '2001:db8:1::/48'], ['Delegated-IPv6-Prefix', '2001:db8:2:100::/56'],
        ['Framed-Interface-Id', '0011:2233:4455:6677'], ['Event-Timestamp', 1700000000], ['Class', Buffer.from([1, 2, 3])],
        ['Vendor-Specific', { vendorId: 3561, sub: [{ type: 1, value: 'circuit' }] }],
      ],
    }, SECRET);
    const p = decodePacket(buf);
    verifyRequest(p, SECRET);
    assert.deepStrictEqual(
      Object.fromEntries(p.attributes.filter((a) => a.type !== 26).map((a) => [a.name, a.value])),
      {
        'Acct-Status-Type': 3, 'Acct-Session-Id': 'x', 'NAS-Identifier': 'bng-1', 'Framed-IP-Address': '100.64.1.2', 'NAS-IPv6-Address': '2001:db8::1',
        'Framed-IPv6-Prefix': '2001:db8:1::/48', 'Delegated-IPv6-Prefix': '2001:db8:2:100::/56', 'Framed-Interface-Id': '0011:2233:4455:6677',
        'Event-Timestamp': 1700000000, Class: Buffer.from([1, 2, 3]),
      },
    );
    assert.strictEqual(getAgentCircuitId(p), 'circuit');
    // Short encoding on the wire: /56 takes 7 prefix octets.
    const dp = buf.indexOf(Buffer.from([123, 11, 0, 56]));
    assert.ok(dp > 0, 'Delegated-IPv6-Prefix is 11 octets long (short encoding)');
  });

  it('computes the Response Authenticator as MD5(Code+Id+Length+RequestAuth+Attributes+Secret)', () => {
    const req = decodePacket(acctRequest(start));
    const resp = encodePacket({ code: CODE.ACCOUNTING_RESPONSE, identifier: req.identifier, requestAuthenticator: req.authenticator, attributes: [] }, SECRET);
    const expect = createHash('md5').update(Buffer.from([5, 7, 0, 20])).update(req.authenticator).update(SECRET).digest();
    assert.deepStrictEqual(resp.subarray(4, 20), expect);
    verifyResponse(decodePacket(resp), req.authenticator, SECRET);
  });

  it('Status-Server: Message-Authenticator is HMAC-MD5 over the packet with the MA zeroed; required', () => {
    const buf = encodePacket({ code: CODE.STATUS_SERVER, identifier: 1, attributes: [['NAS-Identifier', 'probe']], messageAuthenticator: true }, SECRET);
    const p = decodePacket(buf);
    verifyRequest(p, SECRET);
    const zeroed = Buffer.from(buf);
    const off = zeroed.length - 16;
    zeroed.fill(0, off);
    assert.deepStrictEqual(buf.subarray(off), createHmac('md5', SECRET).update(zeroed).digest());
    assert.throws(() => verifyRequest(p, 'wrong'), (e: unknown) => e instanceof RadiusError && e.code === 'RADIUS_ERR_BAD_AUTHENTICATOR');
    const noMa = decodePacket(encodePacket({ code: CODE.STATUS_SERVER, identifier: 1, attributes: [['NAS-Identifier', 'probe']] }, SECRET));
    assert.throws(() => verifyRequest(noMa, SECRET), (e: unknown) => e instanceof RadiusError && e.code === 'RADIUS_ERR_MISSING_AUTHENTICATOR');
  });

  it('checks a Message-Authenticator inside an Accounting-Request', () => {
    const buf = encodePacket({ code: 4, identifier: 3, attributes: [['Acct-Status-Type', 1], ['Acct-Session-Id', 'a']], messageAuthenticator: true }, SECRET);
    verifyRequest(decodePacket(buf), SECRET);
    // Flip a bit of the MA and re-sign the Request Authenticator so only the MA is wrong.
    const bad = Buffer.from(buf);
    bad[bad.length - 1]! ^= 1;
    bad.fill(0, 4, 20);
    createHash('md5').update(bad).update(SECRET).digest().copy(bad, 4);
    assert.throws(() => verifyRequest(decodePacket(bad), SECRET), (e: unknown) => e instanceof RadiusError && e.code === 'RADIUS_ERR_BAD_AUTHENTICATOR' && /Message-Authenticator/.test(e.message));
  });

  it('refuses to encode values that do not fit', () => {
    assert.throws(() => encodePacket({ code: 4, identifier: 1, attributes: [['NAS-Port', -1]] }, SECRET), (e: unknown) => e instanceof RadiusError && e.code === 'RADIUS_ERR_ENCODE');
    assert.throws(() => encodePacket({ code: 4, identifier: 1, attributes: [['User-Name', 'x'.repeat(254)]] }, SECRET), (e: unknown) => e instanceof RadiusError && e.code === 'RADIUS_ERR_ENCODE');
    assert.throws(() => encodePacket({ code: 4, identifier: 1, attributes: [['Framed-IPv6-Prefix', '2001:db8::/129']] }, SECRET), (e: unknown) => e instanceof RadiusError);
    assert.throws(() => encodePacket({ code: 5, identifier: 1, attributes: [] }, SECRET), (e: unknown) => e instanceof RadiusError);
  });

  it('formats IPv6 per RFC 5952 and parses what it formats', () => {
    for (const [s, canon] of [['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], ['::', '::'], ['1::', '1::'], ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::ffff:192.0.2.1', '::ffff:c000:201'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8']] as const) {
      const b = parseIPv6(s);
      assert.ok(b, s);
      assert.strictEqual(formatIPv6(b), canon);
    }
    for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', 'g::', '12345::', '1:2:3:4:5:6:7']) assert.strictEqual(parseIPv6(bad), undefined, bad);
  });
});
