/**
 * `op25b start` wiring, in-process: a config's radius.exempt_values decides,
 * through the real accounting server and store, which subscribers are exempt.
 */
import { strict as assert } from 'assert';
import { createSocket } from 'dgram';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseConfig } from '../../src/app/config';
import { startController, type RunningController } from '../../src/app/run';
import { encodePacket } from '../../src/radius/codec';
import { CODE } from '../../src/radius/dictionary';

const SECRET = 'wiring-secret';

function configText(dir: string): string {
  return `
openflow: { host: 127.0.0.1, port: 0 }
switches:
  - { dpid: "0x7", name: w1, uplinks: "1", subscriber_ports: "2-9" }
mtas: [198.51.100.25]
continue: { output: NORMAL }
radius:
  accounting: { host: 127.0.0.1, port: 0 }
  coa: { host: 127.0.0.1, port: 0 }
  clients: [{ address: 127.0.0.1, secret: ${SECRET} }]
  mapping: { rules: [{ kind: nas-port, nas: w1, switch: w1 }] }
  exempt_values: [business-static]
store: { kind: embedded, path: ${join(dir, 'data')} }
api: { enabled: false }
log: { format: json, level: error }
`;
}

/** One signed Accounting-Start; resolves with the Accounting-Response's code. */
function sendStart(port: number, id: number, nasPort: number, filterId: string): Promise<number> {
  const pkt = encodePacket({
    code: CODE.ACCOUNTING_REQUEST, identifier: id,
    attributes: [['Acct-Status-Type', 1], ['Acct-Session-Id', `s-${id}`], ['NAS-Identifier', 'w1'], ['NAS-Port', nasPort], ['Filter-Id', filterId]],
  }, SECRET);
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error('no Accounting-Response within 10 s')); }, 10_000);
    sock.on('message', (msg) => { clearTimeout(timer); sock.close(); resolve(msg[0] ?? -1); });
    sock.send(pkt, port, '127.0.0.1');
  });
}

describe('app/run: op25b start wiring', function () {
  this.timeout(30_000);
  let dir: string;
  let run: RunningController;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'op25b-run-'));
    run = await startController(parseConfig(configText(dir), 'wiring.yaml'));
  });
  after(async () => {
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('radius.exempt_values replaces the built-in exempt value', async () => {
    const port = run.addresses.accounting.port;
    assert.equal(await sendStart(port, 1, 3, 'business-static'), CODE.ACCOUNTING_RESPONSE);
    assert.equal(await sendStart(port, 2, 4, 'op25b-exempt'), CODE.ACCOUNTING_RESPONSE);
    const byPort = new Map((await run.store.sessions()).map((s) => [s.key.port, s.profile]));
    assert.equal(byPort.get(3), 'exempt', 'the configured plan name exempts');
    assert.equal(byPort.get(4), 'default', 'op25b-exempt is not exempt when the operator replaced the list');
  });
});
