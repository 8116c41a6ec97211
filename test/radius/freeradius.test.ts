/**
 * radclient -> FreeRADIUS (Debian's package, with the example relay config of
 * mininet/freeradius/) -> the accounting server. The NAS sends from 127.0.0.2
 * (see DESIGN.md: FreeRADIUS must not see the NAS at the home server's address).
 */
import assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import { createSocket } from 'dgram';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AccountingServer } from '../../src/radius/accounting';
import { MemoryStore } from './support/memory-store';
import { counted } from './support/harness';
import { haveCommand, radclient, radclientAvailable } from './support/radclient';

const EXAMPLE = join(__dirname, '../../mininet/freeradius');

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

describe('radius via a FreeRADIUS accounting relay', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';
  let relay: string;
  let store: MemoryStore;
  let server: AccountingServer;

  before(async function () {
    if (!haveCommand('freeradius') || !radclientAvailable()) {
      console.log('  skipped: freeradius or radclient not installed (apt-get install freeradius freeradius-utils)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'op25b-freeradius-'));
    const raddb = join(dir, 'raddb');
    mkdirSync(raddb);
    mkdirSync(join(dir, 'run'));
    for (const f of ['radiusd.conf', 'proxy.conf', 'clients.conf']) copyFileSync(join(EXAMPLE, f), join(raddb, f));
    store = new MemoryStore();
    server = new AccountingServer({
      store, name: 'freeradius-test', host: '127.0.0.1', port: 0, mapping: { rules: [{ kind: 'nas-port', dpid: '1' }] },
      clients: [{ address: '127.0.0.1', secret: 'controller-secret', name: 'freeradius' }],
    });
    const { port: controllerPort } = await server.listen();
    const relayPort = await freeUdpPort();
    relay = `127.0.0.1:${relayPort}`;
    child = spawn('freeradius', ['-X', '-d', raddb], {
      env: {
        ...process.env, OP25B_RADDB: raddb, OP25B_RUN_DIR: join(dir, 'run'), OP25B_RELAY_ADDR: '127.0.0.1', OP25B_RELAY_PORT: String(relayPort),
        OP25B_NAS_NETWORK: '127.0.0.0/8', OP25B_NAS_SECRET: 'nas-secret', OP25B_CONTROLLER_ADDR: '127.0.0.1', OP25B_CONTROLLER_PORT: String(controllerPort),
        OP25B_CONTROLLER_SECRET: 'controller-secret', OP25B_PROXY_ADDR: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const c = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`FreeRADIUS did not start within 30 s:\n${output.slice(-3000)}`)), 30_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (output.includes('Ready to process requests')) { clearTimeout(timer); resolve(); }
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('exit', (code) => { clearTimeout(timer); reject(new Error(`FreeRADIUS exited with ${code}:\n${output.slice(-3000)}`)); });
    });
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const c = child;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (c.exitCode === null) c.kill('SIGKILL');
    }
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('relays Start and Stop: the NAS is answered only after the controller recorded the event', async function () {
    const nas = 'Packet-Src-IP-Address = 127.0.0.2\nNAS-IP-Address = 192.0.2.1\nNAS-Port = 5\n';
    let r = await radclient(relay, 'acct', 'nas-secret', `Acct-Status-Type = Start\nAcct-Session-Id = "fr-1"\nFramed-IP-Address = 100.64.0.50\nDelegated-IPv6-Prefix = 2001:db8:50::/56\n${nas}`, { retries: 2, timeout: 5 });
    assert.deepStrictEqual(r.received, ['Accounting-Response'], r.stdout + r.stderr + output.slice(-3000));
    r = await radclient(relay, 'acct', 'nas-secret', `Acct-Status-Type = Stop\nAcct-Session-Id = "fr-1"\n${nas}`, { retries: 2, timeout: 5 });
    assert.deepStrictEqual(r.received, ['Accounting-Response'], r.stdout + r.stderr);
    assert.deepStrictEqual(store.events.map((e) => [e.kind, e.nas, e.sessionId, e.port, e.framedIp, e.delegatedIpv6Prefix]), [
      ['start', '192.0.2.1', 'fr-1', 5, '100.64.0.50', '2001:db8:50::/56'],
      ['stop', '192.0.2.1', 'fr-1', 5, undefined, undefined],
    ]);
    assert.strictEqual(await counted('freeradius-test', 'recorded'), 2);
  });

  it('when the controller cannot record, FreeRADIUS gets no answer and the NAS is not acknowledged', async function () {
    store.failWith = new Error('store down');
    try {
      const r = await radclient(relay, 'acct', 'nas-secret', 'Acct-Status-Type = Start\nAcct-Session-Id = "fr-2"\nPacket-Src-IP-Address = 127.0.0.2\nNAS-IP-Address = 192.0.2.1\nNAS-Port = 6\n', { retries: 1, timeout: 2 });
      assert.deepStrictEqual(r.received, []);
      assert.ok(await counted('freeradius-test', 'store_error') >= 1);
    } finally {
      store.failWith = undefined;
    }
  });

  it('FreeRADIUS health-checks the controller with Status-Server, which it answers; the revived home server relays again', async function () {
    // The previous test left the home server unanswered: FreeRADIUS marks it zombie after response_window and probes it.
    for (let i = 0; i < 60 && (await counted('freeradius-test', 'status_server')) === 0; i++) await new Promise((r) => setTimeout(r, 500));
    assert.ok((await counted('freeradius-test', 'status_server')) >= 1, `no Status-Server from FreeRADIUS:\n${output.slice(-2000)}`);
    assert.match(output, /Marking home server \S+ port \d+ alive/);
    const r = await radclient(relay, 'acct', 'nas-secret', 'Acct-Status-Type = Start\nAcct-Session-Id = "fr-3"\nPacket-Src-IP-Address = 127.0.0.2\nNAS-IP-Address = 192.0.2.1\nNAS-Port = 7\n', { retries: 2, timeout: 5 });
    assert.deepStrictEqual(r.received, ['Accounting-Response'], r.stdout + output.slice(-2000));
    assert.strictEqual(store.events.at(-1)?.sessionId, 'fr-3');
  });
});
