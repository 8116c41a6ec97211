/**
 * The NOC commands of `op25b` as a process (`tsx src/cli/main.ts ...`)
 * against the API server over a fake backend in this test process.
 */
import { strict as assert } from 'assert';
import { execFile } from 'child_process';
import { join } from 'path';
import { parseJson } from '../../src/openflow/bigjson';
import { startFake, TOKEN, type Running } from '../api/helpers';

const ROOT = join(__dirname, '..', '..');

function op25b(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: ROOT, env: { ...process.env, OP25B_TOKEN: '', OP25B_API: '', ...env }, timeout: 60_000,
    }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('cli: op25b NOC commands against the API', function () {
  this.timeout(120_000);
  let r: Running;
  let api: string;
  before(async () => {
    r = await startFake({}, (b) => {
      b.sessionList.push({ nas: 'bras1', sessionId: 'S1', key: { dpid: 1n, port: 2 }, user: 'alice@isp', framedIp: '100.64.0.2', profile: 'default', startedAt: b.clock - 60_000, updatedAt: b.clock - 60_000 });
      b.history.push({ nas: 'bras1', sessionId: 'S1', key: { dpid: 1n, port: 2 }, user: 'alice@isp', framedIp: '100.64.0.2', profile: 'default', from: b.clock - 60_000 });
    });
    api = r.base;
  });
  after(async () => { await r.server.close(); });

  it('switches and ports print tables; --json prints the API JSON', async () => {
    const sw = await op25b(['switches', '--api', api]);
    assert.equal(sw.code, 0, sw.stderr);
    assert.match(sw.stdout, /^DPID\s+NAME\s+STATE/m);
    assert.match(sw.stdout, /^0000000000000001\s+sw1\s+connected/m);
    const ports = await op25b(['ports', '--switch', 'sw1', '--api', api, '--json']);
    assert.equal(ports.code, 0, ports.stderr);
    const j = parseJson(ports.stdout) as { port: string; effective: string }[];
    assert.equal(j.length, 4);
    assert.equal(j[1]!.port, '0000000000000001:2');
  });

  it('whois -> quarantine (token from OP25B_TOKEN) -> flows -> clear -> audit', async () => {
    const who = await op25b(['whois', '100.64.0.2', '--api', api]);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /alice@isp\s+S1\s+bras1\s+sw1\s+0000000000000001:2/);

    const noTok = await op25b(['quarantine', 'sw1:2', '--reason', 'abuse', '--api', api]);
    assert.equal(noTok.code, 1);
    assert.match(noTok.stderr, /401 API_ERR_UNAUTHORIZED.*OP25B_TOKEN/);

    const q = await op25b(['quarantine', 'sw1:2', '--reason', 'bot abuse report', '--ticket', 'ABUSE-7', '--expires', '2h'], { OP25B_TOKEN: TOKEN, OP25B_API: api });
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /0000000000000001:2: quarantine-smtp CONFIRMED by the switch \(barrier\); flows added 1, removed 0/);
    assert.match(q.stdout, /ticket ABUSE-7, expires 2026-11-28T12:00:00.000Z/);

    const flows = await op25b(['flows', 'sw1', '--op25b', '--api', api]);
    assert.match(flows.stdout, /^0\s+40000\s+op25b:quarantine:2\s+0\s+\{"in_port":2,"dl_type":2048,"nw_proto":6,"tp_dst":25\}\s+\[\]$/m);

    const c = await op25b(['clear', 'sw1:2', '--reason', 'cleaned', '--api', api, '--token', TOKEN]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /clear CONFIRMED by the switch \(barrier\); flows added 0, removed 1/);

    const a = await op25b(['audit', '--port', 'sw1:2', '--api', api, '--json']);
    const entries = parseJson(a.stdout) as { action: string; ticket?: string }[];
    assert.deepEqual(entries.map((e) => e.action), ['override:clear', 'override:quarantine-smtp'], 'newest first');
  });

  it('plan and status', async () => {
    const p = await op25b(['plan', 'sw1:3', 'quarantine', '--all', '--api', api]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /plan quarantine-all \(not applied\)/);
    assert.match(p.stdout, /^add\s+0\s+40000\s+op25b:quarantine:3\s+\{"in_port":3\}\s+\[\]$/m);
    const s = await op25b(['status', '--api', api]);
    assert.match(s.stdout, /switches: 2 connected of 2 known/);
    assert.match(s.stdout, /sessions: 1/);
  });

  it('bad input and an unreachable API exit 1 with the reason', async () => {
    const bad = await op25b(['quarantine', 'sw1', '--reason', 'x', '--api', api, '--token', TOKEN]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /400 API_ERR_BAD_INPUT field=params.port/);
    const down = await op25b(['switches', '--api', 'http://127.0.0.1:1']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the API at http:\/\/127.0.0.1:1/);
  });
});

describe('cli: op25b plan-config', function () {
  this.timeout(120_000);
  let r: Running;
  before(async () => { r = await startFake(); });
  after(async () => { await r.server.close(); });

  it('prints the planned flow changes per switch; a bad file fails with the config errors', async () => {
    const ok = await op25b(['plan-config', join(ROOT, 'flows/example-config.yaml'), '--api', r.base]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^0000000000000001 \(a1\): plan \(not applied\)/m);
    assert.match(ok.stdout, /^add\s+0\s+20000/m);
    const bad = await op25b(['plan-config', join(ROOT, 'package.json'), '--api', r.base]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /CONFIG_ERR_INVALID/);
  });
});
