/**
 * Fuzz: random datagrams and mutations of valid signed packets go through
 * the decoder and through both servers' datagram handlers. Fails the build if
 * anything but a RadiusError escapes the decoder, if a server hits an internal
 * error, or if an event comes out of a packet that is not byte-identical (up
 * to its Length) to a valid signed one. Seeded: a failure prints its seed and
 * case number and reproduces.
 */
import assert from 'assert';
import { createHash } from 'crypto';
import { AccountingServer } from '../../src/radius/accounting';
import { CoaServer } from '../../src/radius/coa';
import { decodePacket, encodePacket } from '../../src/radius/codec';
import { RadiusError } from '../../src/radius/errors';
import type { SubscriberEvent } from '../../src/radius/events';
import { MemoryStore } from './support/memory-store';
import { counted } from './support/harness';
import { mulberry32 } from '../support/prng';

const SECRET = 'fuzz-secret';
const SEED = Number(process.env.OP25B_FUZZ_SEED ?? 0x5eed2026);
const CASES = Number(process.env.OP25B_FUZZ_CASES ?? 6000);

const seeds: Buffer[] = [
  encodePacket({ code: 4, identifier: 1, attributes: [['Acct-Status-Type', 1], ['Acct-Session-Id', 's'], ['NAS-IP-Address', '192.0.2.1'], ['NAS-Port', 3], ['Framed-IPv6-Prefix', '2001:db8::/48'], ['Delegated-IPv6-Prefix', '2001:db8:1::/56'], ['Filter-Id', 'op25b-exempt']] }, SECRET),
  encodePacket({ code: 4, identifier: 2, attributes: [['Acct-Status-Type', 2], ['Acct-Session-Id', 's'], ['NAS-Identifier', 'bng'], ['NAS-Port-Id', 'olt1 eth 1/1/3:101'], ['Vendor-Specific', { vendorId: 3561, sub: [{ type: 1, value: 'olt1 eth 1/1/4:7' }] }], ['Event-Timestamp', 1700000000]] }, SECRET),
  encodePacket({ code: 4, identifier: 3, attributes: [['Acct-Status-Type', 7], ['NAS-IP-Address', '192.0.2.1']], messageAuthenticator: true }, SECRET),
  encodePacket({ code: 12, identifier: 4, attributes: [['NAS-Identifier', 'probe']], messageAuthenticator: true }, SECRET),
  encodePacket({ code: 43, identifier: 5, attributes: [['Acct-Session-Id', 's'], ['Filter-Id', 'op25b-quarantine']] }, SECRET),
  encodePacket({ code: 40, identifier: 6, attributes: [['User-Name', 'u'], ['Framed-IP-Address', '100.64.0.1']] }, SECRET),
];

function mutate(rand: () => number, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const ops = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < ops; i++) {
    const r = rand();
    const at = Math.floor(rand() * Math.max(1, b.length));
    if (r < 0.3 && b.length > 0) b[at] = Math.floor(rand() * 256);
    else if (r < 0.45) b = b.subarray(0, at);
    else if (r < 0.6) b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)))]);
    else if (r < 0.75 && b.length >= 4) b.writeUInt16BE(Math.floor(rand() * 5000), 2);
    else if (r < 0.9 && b.length > 21) b[Math.max(21, at)] = [0, 1, 2, 3, 255][Math.floor(rand() * 5)]!;
    else b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256), Math.floor(rand() * 20)]), b.subarray(at)]);
  }
  return b;
}

/** Re-compute an RFC 2866-style Request Authenticator over the mutated bytes so mutations reach past the authenticator check. */
function resign(b: Buffer): Buffer {
  if (b.length < 20) return b;
  const len = b.readUInt16BE(2);
  if (len < 20 || len > b.length) return b;
  const out = Buffer.from(b);
  out.fill(0, 4, 20);
  createHash('md5').update(out.subarray(0, len)).update(SECRET).digest().copy(out, 4);
  return out;
}

describe('radius fuzz', function () {
  this.timeout(120_000);

  it(`decoder and servers survive ${CASES} random and mutated datagrams (seed ${SEED})`, async () => {
    const rand = mulberry32(SEED);
    const store = new MemoryStore();
    await store.recordEvent({ kind: 'start', nas: 'bng', sessionId: 's', key: { dpid: 1n, port: 3 }, profile: 'default', eventTime: 1, receivedAt: 1 });
    const mapping = { rules: [{ kind: 'pattern' as const, attribute: 'NAS-Port-Id' as const, template: 'olt1 eth 1/1/{port}:{vlan}', dpid: '1' }, { kind: 'nas-port' as const, dpid: '1' }] };
    const acctName = 'fuzz-acct';
    const coaName = 'fuzz-coa';
    let now = 1_800_000_000_000;
    const acct = new AccountingServer({ store, mapping, name: acctName, now: () => now, clients: [{ address: '127.0.0.1', secret: SECRET }] });
    const coa = new CoaServer({
      store, mapping, name: coaName, now: () => now, clients: [{ address: '127.0.0.1', secret: SECRET }],
      handler: { applyOverride: async () => ({ ok: true }) },
    });
    const events: SubscriberEvent[] = [];
    acct.events$.subscribe((e) => events.push(e));
    coa.events$.subscribe((e) => events.push(e));
    let decoded = 0;
    let legit = 0;
    for (let n = 0; n < CASES; n++) {
      const kind = rand();
      let input: Buffer;
      let original: Buffer | undefined;
      let resigned = false;
      if (kind < 0.2) {
        input = Buffer.from(Array.from({ length: Math.floor(rand() * 120) }, () => Math.floor(rand() * 256)));
        if (input.length >= 4 && rand() < 0.5) { input[0] = [4, 12, 40, 43][Math.floor(rand() * 4)]!; input.writeUInt16BE(input.length, 2); }
      } else {
        original = seeds[Math.floor(rand() * seeds.length)]!;
        input = mutate(rand, original);
        if (kind < 0.5 && original[0] !== 12) { input = resign(input); resigned = true; }
      }
      const where = `seed ${SEED} case ${n} input ${input.toString('hex')}`;
      try {
        decodePacket(input);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof RadiusError, `${where}: decoder threw ${String(e)}`);
        assert.match(e.code, /^RADIUS_ERR_/);
      }
      const before = events.length;
      now += 1000;
      const peer = { address: '127.0.0.1', port: 1000 + (n % 50000) };
      await acct.handleDatagram(input, peer);
      await coa.handleDatagram(input, peer);
      await new Promise((r) => setImmediate(r));
      if (events.length > before) {
        const sameAsValid = original !== undefined && input.length >= 20 && input.readUInt16BE(2) === original.length && input.subarray(0, original.length).equals(original);
        assert.ok(sameAsValid || resigned, `${where}: an event came out of a packet that is not a valid signed one`);
        if (resigned) assert.doesNotThrow(() => decodePacket(input), `${where}: event from an undecodable packet`);
        legit++;
      }
    }
    assert.strictEqual(await counted(acctName, 'internal_error'), 0, 'accounting server internal errors');
    assert.strictEqual(await counted(coaName, 'internal_error'), 0, 'CoA server internal errors');
    // The generator must exercise both sides: some inputs decode, most do not.
    assert.ok(decoded > CASES / 50 && decoded < CASES, `decoded ${decoded} of ${CASES}`);
    assert.ok(legit < decoded);
    if (process.env.OP25B_FUZZ_VERBOSE) console.log(`    decoded ${decoded}, events ${legit}`);
  });
});
