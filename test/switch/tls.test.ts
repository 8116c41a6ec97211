import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { OpenFlowServer } from '../../src/switch/server';
import { FakeSwitch } from './fake-switch';
import { EventLog, startServer } from './helpers';

/** A self-signed EC certificate and key (PEM), made with the openssl command. */
function selfSigned(dir: string, cn: string): { cert: Buffer; key: Buffer } {
  const key = join(dir, `${cn}.key`);
  const cert = join(dir, `${cn}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', `/CN=${cn}`, '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

describe('switch channel over TLS', function () {
  let dir = '';
  let controller: { cert: Buffer; key: Buffer };
  let sw: { cert: Buffer; key: Buffer };
  let server: OpenFlowServer | undefined;
  let port = 0;
  let log: EventLog;
  const fakes: FakeSwitch[] = [];

  before(function () {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      console.log('  skipped: openssl command not installed (apt-get install openssl)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'op25b-tls-'));
    controller = selfSigned(dir, 'controller');
    sw = selfSigned(dir, 'switch');
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const f of fakes.splice(0)) f.end();
    await server?.close();
  });

  it('accepts a switch presenting a certificate the configured CA signed, and completes the handshake', async () => {
    ({ server, port, log } = await startServer({ tls: { cert: controller.cert, key: controller.key, ca: sw.cert } }));
    const fake = await FakeSwitch.connect(port, { dpid: 0x71n }, true, {
      cert: sw.cert, key: sw.key, ca: controller.cert, checkServerIdentity: () => undefined,
    });
    fakes.push(fake);
    const ev = await log.wait((e) => e.type === 'connected' && e.dpid === 0x71n, 'connected');
    assert.ok(ev.type === 'connected');
    await ev.datapath.barrier();
  });

  it('refuses a switch without a certificate when a CA is configured', async () => {
    ({ server, port, log } = await startServer({ tls: { cert: controller.cert, key: controller.key, ca: sw.cert } }));
    // TLS 1.3 lets the client finish before the server checks its certificate: then the server closes.
    await FakeSwitch.connect(port, { dpid: 0x72n }, true, { ca: controller.cert, checkServerIdentity: () => undefined })
      .then(async (f) => { fakes.push(f); await f.closed; }, () => undefined);
    assert.equal(server.datapath(0x72n), undefined);
    assert.equal(log.events.length, 0);
  });
});
