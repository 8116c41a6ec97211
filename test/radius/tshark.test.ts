/**
 * Our RADIUS encoder checked by an independent decoder: Wireshark's RADIUS
 * dissector, run once as tshark over a pcap of request/reply exchanges built
 * with src/radius's encodePacket, the way the accounting and CoA servers
 * build their replies (Proxy-State echoed, Error-Cause on a NAK,
 * Message-Authenticator on the Status-Server answer).
 *
 * For each packet tshark must agree on code, identifier and length, read every
 * attribute we put in (type, and the value in its own formatting: text,
 * integer, date, IPv4, IPv6 prefix, octets, the ADSL-Forum circuit id VSA),
 * and report no malformed packet and no expert warning or error.
 *
 * Authenticators: given the shared secret (`-o radius.shared_secret:...` and
 * `-o radius.validate_authenticator:TRUE`), tshark 4.0 checks the Response
 * Authenticator of each reply against the request it pairs it with
 * (`radius.authenticator.valid`). It does not check Request Authenticators or
 * Message-Authenticator, and pairs no reply with a Status-Server, so those are recomputed here from the RFC formulas
 * over the octets tshark reports (RFC 2866 section 3, RFC 5176 section 3.5,
 * RFC 3579 section 3.2), independently of src/radius. A reply with one flipped
 * authenticator bit is the negative control: tshark must call it invalid.
 */
import { strict as assert } from 'assert';
import { createHash, createHmac } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { decodePacket, encodePacket, type AttributeInputValue } from '../../src/radius/codec';
import { ATTRIBUTES_BY_NAME, CODE, ERROR_CAUSE } from '../../src/radius/dictionary';
import { pcapFile, udpFrame } from '../support/pcap';
import { experts, list, PI_WARN, tsharkFrames, tsharkVersion, type Json } from '../support/tshark';

type AttrIn = [string, AttributeInputValue];

const SECRET = 'op25b-tshark-s3cret';
const NAS = { ip: '192.0.2.10', port: 50123 };
const COA_CLIENT = { ip: '192.0.2.20', port: 50456 };
const SERVER = { ip: '192.0.2.2' };

interface Pkt {
  name: string;
  code: number;
  identifier: number;
  attributes: AttrIn[];
  bytes: Buffer;
  /** Index of the request this replies to. */
  replyTo?: number;
  /** The negative control: authenticator deliberately wrong. */
  corrupt?: boolean;
  toServer: boolean;
  serverPort: number;
  client: { ip: string; port: number };
}

function build(): Pkt[] {
  const out: Pkt[] = [];
  const request = (name: string, code: number, identifier: number, attributes: AttrIn[], serverPort: number, client: { ip: string; port: number }, messageAuthenticator = false): number => {
    const bytes = encodePacket({ code, identifier, attributes, messageAuthenticator }, SECRET);
    const withMa: AttrIn[] = messageAuthenticator ? [...attributes, ['Message-Authenticator', Buffer.alloc(16)]] : attributes;
    out.push({ name, code, identifier, attributes: withMa, bytes, toServer: true, serverPort, client });
    return out.length - 1;
  };
  const reply = (name: string, code: number, req: number, attributes: AttrIn[], opts: { messageAuthenticator?: boolean; corrupt?: boolean } = {}): void => {
    const r = out[req]!;
    const bytes = encodePacket({ code, identifier: r.identifier, requestAuthenticator: r.bytes.subarray(4, 20), attributes, messageAuthenticator: opts.messageAuthenticator ?? false }, SECRET);
    if (opts.corrupt) bytes[4] = bytes[4]! ^ 0x01;
    const withMa: AttrIn[] = opts.messageAuthenticator ? [...attributes, ['Message-Authenticator', Buffer.alloc(16)]] : attributes;
    out.push({ name, code, identifier: r.identifier, attributes: withMa, bytes, replyTo: req, toServer: false, serverPort: r.serverPort, client: r.client, corrupt: opts.corrupt ?? false });
  };
  const proxyState: AttrIn = ['Proxy-State', Buffer.from('0102abcdef', 'hex')];

  const start = request('Accounting-Request Start', CODE.ACCOUNTING_REQUEST, 7, [
    ['Acct-Status-Type', 1],
    ['User-Name', 'alice@example.net'],
    ['Acct-Session-Id', 'sess-0001'],
    ['NAS-IP-Address', NAS.ip],
    ['NAS-Identifier', 'bng1.example.net'],
    ['NAS-Port-Id', 'ge-0/0/1.100'],
    ['Framed-IP-Address', '198.51.100.7'],
    ['Framed-IPv6-Prefix', '2001:db8:1:2::/64'],
    ['Delegated-IPv6-Prefix', '2001:db8:ff00::/56'],
    ['Filter-Id', 'op25b-exempt'],
    ['Event-Timestamp', 1_700_000_000],
    ['Calling-Station-Id', '02:00:00:00:00:07'],
    ['Vendor-Specific', { vendorId: 3561, sub: [{ type: 1, value: 'olt1 eth 1/1/3:100' }] }],
    proxyState,
  ], 1813, NAS);
  reply('Accounting-Response to Start', CODE.ACCOUNTING_RESPONSE, start, [proxyState]);

  const stop = request('Accounting-Request Stop (Message-Authenticator)', CODE.ACCOUNTING_REQUEST, 8, [
    ['Acct-Status-Type', 2],
    ['User-Name', 'alice@example.net'],
    ['Acct-Session-Id', 'sess-0001'],
    ['NAS-Port-Id', 'ge-0/0/1.100'],
    ['Framed-IP-Address', '198.51.100.7'],
    ['Delegated-IPv6-Prefix', '2001:db8:ff00:100::/60'],
    ['Acct-Session-Time', 3600],
    ['Acct-Terminate-Cause', 1],
    ['Event-Timestamp', 1_700_003_600],
  ], 1813, NAS, true);
  reply('Accounting-Response to Stop', CODE.ACCOUNTING_RESPONSE, stop, []);

  const status = request('Status-Server', CODE.STATUS_SERVER, 9, [['NAS-Identifier', 'relay1']], 1813, NAS, true);
  reply('Accounting-Response to Status-Server (Message-Authenticator)', CODE.ACCOUNTING_RESPONSE, status, [], { messageAuthenticator: true });

  const coa = request('CoA-Request quarantine', CODE.COA_REQUEST, 20, [
    ['NAS-IP-Address', NAS.ip],
    ['NAS-Port-Id', 'ge-0/0/1.100'],
    ['Acct-Session-Id', 'sess-0001'],
    ['Filter-Id', 'op25b-quarantine'],
    proxyState,
  ], 3799, COA_CLIENT);
  reply('CoA-ACK', CODE.COA_ACK, coa, [proxyState]);

  const coa2 = request('CoA-Request unknown session', CODE.COA_REQUEST, 21, [
    ['NAS-IP-Address', NAS.ip],
    ['Framed-IP-Address', '198.51.100.99'],
    ['Filter-Id', 'op25b-default'],
  ], 3799, COA_CLIENT);
  reply('CoA-NAK Session-Context-Not-Found', CODE.COA_NAK, coa2, [['Error-Cause', ERROR_CAUSE.SESSION_CONTEXT_NOT_FOUND]]);

  const disc = request('Disconnect-Request', CODE.DISCONNECT_REQUEST, 22, [
    ['NAS-IP-Address', NAS.ip],
    ['User-Name', 'bob@example.net'],
  ], 3799, COA_CLIENT);
  reply('Disconnect-NAK Missing-Attribute', CODE.DISCONNECT_NAK, disc, [['Error-Cause', ERROR_CAUSE.MISSING_ATTRIBUTE]]);

  const ctl = request('CoA-Request (negative control)', CODE.COA_REQUEST, 23, [['NAS-Port-Id', 'ge-0/0/2.100'], ['Filter-Id', 'op25b-exempt']], 3799, COA_CLIENT);
  reply('CoA-ACK with a flipped authenticator bit (negative control)', CODE.COA_ACK, ctl, [], { corrupt: true });
  return out;
}

const hexOf = (s: unknown): Buffer => Buffer.from(String(s).replace(/:/g, ''), 'hex');

/** IPv6 text in one canonical form, through the WHATWG URL parser (independent of src/radius). */
function canonIpv6(s: string): string {
  return new URL(`http://[${s}]/`).hostname;
}

/** RFC 3162 section 2.3 / RFC 4818: Reserved(1) Prefix-Length(1) Prefix(0..16), as tshark shows the raw octets. */
function prefixFromOctets(b: Buffer): string {
  const addr = Buffer.alloc(16);
  b.copy(addr, 0, 2);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(addr.readUInt16BE(i).toString(16));
  return `${canonIpv6(groups.join(':'))}/${b[1]}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** tshark's FT_ABSOLUTE_TIME text ("Nov 14, 2023 22:13:20.000000000 UTC", run with TZ=UTC) -> Unix seconds. */
function epochOf(s: string): number {
  const m = /^(\w{3}) +(\d{1,2}), (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? UTC$/.exec(s);
  assert.ok(m, `unexpected date format from tshark: ${s}`);
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

/** The value tshark shows for one AVP: its one field that is not the AVP header. */
function avpValue(avp: Json): [string, unknown] {
  const entries = Object.entries(avp).filter(([k]) => !k.startsWith('radius.avp.') && !k.endsWith('.len'));
  assert.equal(entries.length, 1, `expected one value field in ${JSON.stringify(avp)}`);
  return entries[0]!;
}

function checkAttribute(where: string, [name, want]: AttrIn, avp: Json): void {
  const def = ATTRIBUTES_BY_NAME.get(name);
  assert.ok(def, `${name} not in our dictionary`);
  assert.equal(Number(avp['radius.avp.type']), def.type, `${where}: type`);
  if (def.kind === 'vsa') {
    const v = want as { vendorId: number; sub?: { type: number; value: Buffer | string }[] };
    assert.equal(Number(avp['radius.avp.vendor_id']), v.vendorId, `${where}: vendor id`);
    const subs = Object.entries(avp).filter(([k]) => k.startsWith('VSA:')).map(([, s]) => s as Json);
    assert.equal(subs.length, v.sub?.length ?? 0, `${where}: sub-attribute count`);
    v.sub?.forEach((s, i) => {
      const t = subs[i]!;
      assert.equal(Number(t['radius.avp.vendor_type']), s.type, `${where}: sub ${i} type`);
      const [, val] = Object.entries(t).find(([k]) => !k.startsWith('radius.avp.'))!;
      assert.equal(val, typeof s.value === 'string' ? s.value : s.value.toString(), `${where}: sub ${i} value`);
    });
    return;
  }
  const [key, got] = avpValue(avp);
  const msg = `${where}: ${key}=${String(got)}`;
  if (name === 'Message-Authenticator') {
    assert.equal(hexOf(got).length, 16, msg);
    return;
  }
  switch (def.kind) {
    case 'text': assert.equal(got, want, msg); break;
    case 'integer': assert.equal(Number(got), want, msg); break;
    case 'date': assert.equal(epochOf(String(got)), want, msg); break;
    case 'ipaddr': assert.equal(got, want, msg); break;
    case 'ipv6addr': assert.equal(canonIpv6(String(got)), canonIpv6(String(want)), msg); break;
    case 'ipv6prefix': {
      const [addr, len] = String(want).split('/');
      assert.equal(prefixFromOctets(hexOf(got)), `${canonIpv6(addr!)}/${len}`, msg);
      break;
    }
    case 'string': assert.equal(hexOf(got).toString('hex'), (want as Buffer).toString('hex'), msg); break;
    default: assert.fail(`${where}: no comparison for kind ${def.kind}`);
  }
}

/** RFC 2866 section 3 / RFC 5176 section 3.5: MD5(Code | Identifier | Length | 16 zero octets | Attributes | Secret). */
function requestAuthenticator(raw: Buffer): Buffer {
  return createHash('md5').update(raw.subarray(0, 4)).update(Buffer.alloc(16)).update(raw.subarray(20)).update(SECRET).digest();
}

/**
 * RFC 3579 section 3.2 (RFC 5176 section 3.3 for the computed-authenticator codes):
 * HMAC-MD5 keyed with the secret over the packet with the Message-Authenticator
 * value zeroed and, in the header, `auth` (the Request Authenticator for
 * Status-Server and replies, zeros for Accounting/CoA/Disconnect-Request).
 */
function messageAuthenticatorOk(raw: Buffer, auth: Buffer): boolean {
  const copy = Buffer.from(raw);
  auth.copy(copy, 4);
  for (let off = 20; off + 2 <= copy.length; off += copy[off + 1]!) {
    if (copy[off] === 80) {
      const got = Buffer.from(copy.subarray(off + 2, off + 18));
      copy.fill(0, off + 2, off + 18);
      return createHmac('md5', SECRET).update(copy).digest().equals(got);
    }
    if (copy[off + 1]! < 2) break;
  }
  return false;
}

describe('RADIUS encoder vs tshark (Wireshark RADIUS dissector)', function () {
  this.timeout(120000);
  const pkts = build();
  const byFrame = new Map<number, Json>();
  let dir = '';

  before(function () {
    if (!tsharkVersion()) {
      console.log('  skipped: tshark not installed (apt-get install tshark)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'op25b-tshark-radius-'));
    const file = join(dir, 'radius.pcap');
    writeFileSync(file, pcapFile(pkts.map((p) => {
      const server = { ip: SERVER.ip, port: p.serverPort };
      const [src, dst] = p.toServer ? [p.client, server] : [server, p.client];
      return udpFrame(p.bytes, { srcIp: src.ip, srcPort: src.port, dstIp: dst.ip, dstPort: dst.port });
    })));
    const frames = tsharkFrames(file, ['-o', `radius.shared_secret:${SECRET}`, '-o', 'radius.validate_authenticator:TRUE',
      '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'], { env: { ...process.env, TZ: 'UTC' } });
    for (const [n, layers] of frames) byFrame.set(n, layers);
  });

  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const radiusOf = (i: number): Json => {
    const layers = byFrame.get(i + 1);
    assert.ok(layers, `frame ${i + 1} missing`);
    const rad = layers['radius'] as Json | undefined;
    assert.ok(rad, `frame ${i + 1} not dissected as RADIUS (layers ${Object.keys(layers).join(',')})`);
    return rad;
  };

  pkts.forEach((p, i) => {
    it(`${p.name}: code, identifier, length and every attribute as we encoded them`, () => {
      const rad = radiusOf(i);
      const layers = byFrame.get(i + 1)!;
      assert.equal(Number(rad['radius.code']), p.code, 'code');
      assert.equal(Number(rad['radius.id']), p.identifier, 'identifier');
      assert.equal(Number(rad['radius.length']), p.bytes.length, 'length');
      assert.ok(!('_ws.malformed' in layers), `malformed; bytes ${p.bytes.toString('hex')}`);
      assert.deepEqual(experts(layers).filter((e) => e.severity >= PI_WARN), [], `expert warnings; bytes ${p.bytes.toString('hex')}`);
      // checksums we computed in the pcap writer must hold too
      assert.equal((layers['udp'] as Json)['udp.checksum.status'], '1', 'UDP checksum (good = 1)');
      const avps = list((rad['Attribute Value Pairs'] as Json | undefined)?.['radius.avp_tree']);
      assert.equal(avps.length, p.attributes.length, 'attribute count');
      assert.equal(20 + avps.reduce((n, a) => n + Number(a['radius.avp.length']), 0), Number(rad['radius.length']), 'attribute lengths add up to Length');
      p.attributes.forEach((a, j) => checkAttribute(`${p.name} attribute #${j} ${a[0]}`, a, avps[j]!));
      // and our own decoder reads back the same header
      const ours = decodePacket(p.bytes);
      assert.deepEqual([ours.code, ours.identifier, ours.length], [p.code, p.identifier, p.bytes.length]);
    });

    if (p.replyTo !== undefined) {
      const req = p.replyTo;
      it(`${p.name}: tshark pairs it with its request and ${p.corrupt ? 'rejects' : 'verifies'} the Response Authenticator`, () => {
        const rad = radiusOf(i);
        const reqAuth = pkts[req]!.bytes.subarray(4, 20);
        if (pkts[req]!.code === CODE.STATUS_SERVER && rad['radius.reqframe'] === undefined) {
          // Wireshark 4.0 pairs no reply with a Status-Server (RFC 5997), so it checks nothing here:
          // the RFC 2865 section 3 Response Authenticator is recomputed instead.
          console.log(`      note (${p.name}): tshark does not pair replies with Status-Server; authenticator checked by the RFC 2865 formula`);
          const raw = hexOfPacket(rad, p);
          const want = createHash('md5').update(raw.subarray(0, 4)).update(reqAuth).update(raw.subarray(20)).update(SECRET).digest();
          assert.equal(raw.subarray(4, 20).toString('hex'), want.toString('hex'), 'Response Authenticator (RFC 2865 3)');
          assert.ok(messageAuthenticatorOk(raw, reqAuth), 'Message-Authenticator (RFC 3579 3.2)');
          return;
        }
        assert.equal(Number(rad['radius.reqframe']), req + 1, 'paired request frame');
        const tree = rad['radius.authenticator_tree'] as Json | undefined;
        assert.ok(tree, 'tshark did not validate the authenticator (secret option not applied?)');
        assert.equal(tree['radius.authenticator.valid'], p.corrupt ? '0' : '1', 'radius.authenticator.valid');
        assert.equal(tree['radius.authenticator.invalid'], p.corrupt ? '1' : '0', 'radius.authenticator.invalid');
        if (p.attributes.some(([n]) => n === 'Message-Authenticator')) {
          assert.ok(messageAuthenticatorOk(hexOfPacket(rad, p), reqAuth), 'Message-Authenticator (RFC 3579 3.2)');
        }
      });
    } else {
      it(`${p.name}: Request Authenticator${p.attributes.some(([n]) => n === 'Message-Authenticator') ? ' and Message-Authenticator' : ''} per the RFC formulas (tshark 4.0 checks only replies)`, () => {
        const rad = radiusOf(i);
        const raw = hexOfPacket(rad, p);
        const auth = hexOf(rad['radius.authenticator']);
        const computed = p.code === CODE.ACCOUNTING_REQUEST || p.code === CODE.COA_REQUEST || p.code === CODE.DISCONNECT_REQUEST;
        if (computed) assert.equal(auth.toString('hex'), requestAuthenticator(raw).toString('hex'), 'Request Authenticator (RFC 2866 3 / RFC 5176 3.5)');
        if (p.attributes.some(([n]) => n === 'Message-Authenticator')) {
          assert.ok(messageAuthenticatorOk(raw, computed ? Buffer.alloc(16) : auth), 'Message-Authenticator (RFC 3579 3.2)');
        }
      });
    }
  });

  /** The packet's octets rebuilt from what tshark shows (header fields and each AVP's raw octets), not from our buffer. */
  function hexOfPacket(rad: Json, p: Pkt): Buffer {
    const head = Buffer.alloc(4);
    head[0] = Number(rad['radius.code']);
    head[1] = Number(rad['radius.id']);
    head.writeUInt16BE(Number(rad['radius.length']), 2);
    const avps = list((rad['Attribute Value Pairs'] as Json | undefined)?.['radius.avp']).map((a) => hexOf(a));
    const raw = Buffer.concat([head, hexOf(rad['radius.authenticator']), ...avps]);
    assert.equal(raw.length, p.bytes.length, 'octets from tshark add up to the packet');
    return raw;
  }
});
