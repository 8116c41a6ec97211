/**
 * `op25b ofp decode|encode`, run as an operator runs it: spawned through
 * npx tsx, fed on stdin. Expected output comes from the os-ken golden
 * fixtures, not from our own encoder.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { join } from 'path';
import { parseJson } from '../../src/openflow/bigjson';
import { loadFixtures } from '../openflow/fixtures/golden';

const ROOT = join(__dirname, '..', '..');

function ofp(args: string[], input: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'ofp', ...args], { cwd: ROOT, input: typeof input === 'string' ? Buffer.from(input) : input, timeout: 60000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('cli: op25b ofp', function () {
  this.timeout(120000);
  const fx = loadFixtures();
  const pick = (n: string) => {
    const f = fx.find((x) => x.name === n);
    assert.ok(f, `fixture ${n}`);
    return f;
  };
  const drop = pick('flow_mod_op25b_drop');
  const reply = pick('mp_reply_flow_more');
  const pin = pick('packet_in');

  it('decode: hex in many layouts (0x, spaces, a message across lines, two on one line) prints Ryu JSON per message', () => {
    const spaced = (h: string) => '0x' + h.match(/../g)!.join(' ');
    const half = reply.hex.length / 2;
    const input = [
      `# an OP25B drop flow, then a flow-stats reply split over two lines`,
      spaced(drop.hex),
      reply.hex.slice(0, half),
      '  ' + reply.hex.slice(half) + pin.hex + '  ',
      '',
    ].join('\n');
    const r = ofp(['decode'], input);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    const out = lines(r.stdout).map((l) => parseJson(l));
    assert.deepStrictEqual(out, [drop.json, reply.json, pin.json]);
    assert.match(r.stdout, /"cookie":18446744073709551615/); // exact 64-bit value from fs2 of the reply
  });

  it('decode: a bad line and a bad message are reported with line and offset, the rest still decoded, exit 1', () => {
    const truncatedBody = drop.hex.slice(0, 16).replace(/^(....)..../, '$10018') + '00'.repeat(16); // FLOW_MOD claiming 24 bytes
    const input = [drop.hex, 'not hex at all', truncatedBody, pin.hex].join('\n');
    const r = ofp(['decode'], input);
    assert.equal(r.status, 1);
    assert.deepStrictEqual(lines(r.stdout).map((l) => parseJson(l)), [drop.json, pin.json]);
    const err = lines(r.stderr);
    assert.equal(err.length, 2, r.stderr);
    assert.match(err[0]!, /^op25b ofp decode: line 2: column 1: "n" is not a hex digit/);
    assert.match(err[1]!, new RegExp(`^op25b ofp decode: line 3, byte offset ${drop.hex.length / 2}: OF_ERR_`));
  });

  it('decode --binary --xid: raw bytes back to back', () => {
    const bytes = Buffer.concat([Buffer.from(drop.hex, 'hex'), Buffer.from(pin.hex, 'hex')]);
    const r = ofp(['decode', '--binary', '--xid'], bytes);
    assert.equal(r.status, 0, r.stderr);
    const out = lines(r.stdout).map((l) => parseJson(l) as Record<string, Record<string, unknown>>);
    assert.equal(out[0]!.OFPFlowMod!.xid, drop.xid);
    assert.equal(out[1]!.OFPPacketIn!.xid, pin.xid);
  });

  it('encode: Ryu JSON lines to the os-ken bytes; a bad line is named and skipped, exit 1', () => {
    const withXid = (f: typeof drop) => {
      const cls = Object.keys(f.json)[0]!;
      return JSON.stringify({ [cls]: { ...(f.json[cls] as object), xid: f.xid } }, (_k, v: unknown) => (typeof v === 'bigint' ? `__${v}__` : v))
        .replace(/"__(\d+)__"/g, '$1');
    };
    const input = [withXid(drop), '{"OFPFlowMod": {"priority": "high"}}', '', withXid(reply), '{oops'].join('\n');
    const r = ofp(['encode'], input);
    assert.equal(r.status, 1);
    assert.deepStrictEqual(lines(r.stdout), [drop.hex, reply.hex]);
    const err = lines(r.stderr);
    assert.equal(err.length, 2, r.stderr);
    assert.match(err[0]!, /^op25b ofp encode: line 2: OF_ERR_BAD_JSON: \$\.OFPFlowMod\.priority: expected an unsigned 16-bit integer/);
    assert.match(err[1]!, /^op25b ofp encode: line 5: OF_ERR_BAD_JSON: invalid JSON/);
  });
});
