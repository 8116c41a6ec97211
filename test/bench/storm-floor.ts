/**
 * The attach storm's floor: what this machine can do with the controller's
 * own work taken away. Started by `storm.bench.ts` (RC_STORM_FLOOR, and the
 * floor line of a plain run) in the controller's place, with the same config:
 *
 * - OpenFlow: HELLO, echo replies, the same switch-wide flows the controller
 *   installs, and for each Accounting-Start the same five flow-mods the
 *   policy gives its port, encoded by our codec before the storm (at start
 *   up, for every subscriber port), written in one socket write per turn of
 *   the event loop. No barrier, no index, no reconcile.
 * - RADIUS: the Accounting-Response for every datagram, signed, without
 *   checking the request, recording anything or logging.
 *
 * So a storm against it costs Open vSwitch, the flow monitor and the
 * generator what the real one does, and the controller next to nothing: its
 * latency and rate are a floor for the real controller's on this machine.
 *
 *   node --import tsx test/bench/storm-floor.ts CONFIG
 */
import * as dgram from 'dgram';
import { createServer, type Socket } from 'net';
import { loadConfig } from '../../src/app/config';
import { encode, encodeMany, Framer, flowMod, peekHeader } from '../../src/openflow';
import { OFPT } from '../../src/openflow/constants';
import { compilePolicy, desiredPortFlows, desiredSwitchFlows } from '../../src/policy/policy';
import { addMod } from '../../src/reconcile/diff';
import { encodePacket } from '../../src/radius/codec';
import { CODE } from '../../src/radius/dictionary';

const NAS_PORT = 5;

function main(file: string): void {
  const cfg = loadConfig(file);
  const pc = compilePolicy(cfg);
  const sw = cfg.switches[0];
  if (!sw) throw new Error('storm floor: the config lists no switch');
  const secret = cfg.radius.clients[0]?.secret ?? '';
  const t0 = performance.now();
  const now = Date.now();
  // Every subscriber port's five flow-mods, encoded now (the storm then costs no encoding).
  const perPort = new Map<number, Buffer>();
  if (sw.subscriber_ports === 'all') throw new Error('storm floor: the switch needs its subscriber_ports ranges');
  for (const [lo, hi] of sw.subscriber_ports) for (let port = lo; port <= hi; port++) {
    const key = { dpid: sw.dpid, port };
    const flows = desiredPortFlows(pc, { key, session: { nas: 'bench', sessionId: 'floor', key, profile: 'default', startedAt: now, updatedAt: now } }, now);
    perPort.set(port, encodeMany(flows.map((f) => flowMod(addMod(f)))));
  }
  process.stderr.write(`storm floor: ${perPort.size} ports encoded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  let sw0: Socket | undefined;
  let pending: Buffer[] = [];
  const flush = (): void => {
    if (sw0 && pending.length > 0) sw0.write(pending.length === 1 ? pending[0] as Buffer : Buffer.concat(pending));
    pending = [];
  };
  createServer((s) => {
    sw0 = s;
    s.setNoDelay(true);
    s.write(encode({ type: 'HELLO', xid: 1, version: 4, elements: [] }));
    s.write(encodeMany(desiredSwitchFlows(pc, sw.dpid, []).map((f) => flowMod(addMod(f)))));
    const framer = new Framer();
    s.on('data', (chunk: Buffer) => {
      for (const m of framer.push(chunk)) {
        const h = peekHeader(m);
        if (h.type === OFPT.ECHO_REQUEST) {
          const r = Buffer.from(m);
          r[1] = OFPT.ECHO_REPLY;
          s.write(r);
        }
      }
    });
    s.on('error', () => undefined);
  }).listen(cfg.openflow.port, cfg.openflow.host);

  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    if (msg.length < 20) return;
    // NAS-Port, by a walk over the attributes: nothing else is read.
    let port = -1;
    for (let i = 20; i + 2 <= msg.length;) {
      const len = msg[i + 1] as number;
      if (len < 2) break;
      if (msg[i] === NAS_PORT && len === 6) port = msg.readUInt32BE(i + 2);
      i += len;
    }
    const mods = perPort.get(port);
    if (mods) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(mods);
    }
    const res = encodePacket({ code: CODE.ACCOUNTING_RESPONSE, identifier: msg[1] as number, requestAuthenticator: msg.subarray(4, 20), attributes: [] }, secret);
    udp.send(res, rinfo.port, rinfo.address);
  });
  // The controller's own receive buffer (src/radius/udp.ts), so a full-speed storm queues, not drops.
  udp.bind(cfg.radius.accounting.port, cfg.radius.accounting.host, () => udp.setRecvBufferSize(4 * 1024 * 1024));
  process.on('SIGTERM', () => process.exit(0));
}

main(process.argv[2] ?? '');
