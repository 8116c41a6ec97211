/**
 * NOC gauges for /metrics (src/metrics.ts registry), and the flow-stats
 * poller that feeds the per-switch and per-port ones.
 *
 * | metric                                   | labels            | source                                  |
 * |------------------------------------------|-------------------|-----------------------------------------|
 * | op25b_switches_connected                 |                   | backend.switches(), at scrape time      |
 * | op25b_switches_known                     |                   | backend.switches(), at scrape time      |
 * | op25b_sessions                           |                   | backend.sessions(), each poll           |
 * | op25b_flows                              | dpid              | OP25B flows on the switch, each poll    |
 * | op25b_blocked_smtp_packets               | dpid, port        | packet_count of the port's block and    |
 * |                                          |                   | quarantine flows, each poll             |
 * | op25b_flow_stats_poll_errors_total       | dpid              | polls that failed                       |
 *
 * The blocked-SMTP count is a gauge, not a counter: it is the switch's own
 * counter of flows that are replaced when a port's policy changes, so it can
 * go down. `port` is "3" or "3.101" (VLAN attachment point).
 *
 * The poller is started by whoever owns the backend (the controller):
 *   const poller = new FlowStatsPoller(controller, { intervalMs: 15_000 }); poller.start(); ... poller.stop();
 */
import { decodeCookie } from '../policy/cookie';
import { counter, gauge } from '../metrics';
import { logger as rootLogger, type Logger } from '../log';
import type { NocBackend } from './backend';
import { dpidHex } from '../openflow/types';

export const switchesConnected = gauge('op25b_switches_connected', 'Switches connected now');
export const switchesKnown = gauge('op25b_switches_known', 'Switches seen since start');
export const sessionsGauge = gauge('op25b_sessions', 'Open subscriber sessions (at the last flow-stats poll)');
export const flowsGauge = gauge('op25b_flows', 'OP25B flows on the switch (at the last flow-stats poll)', ['dpid'] as const);
export const blockedSmtp = gauge('op25b_blocked_smtp_packets', 'Packets matched by the port\'s OP25B block and quarantine flows (switch flow counters, at the last poll)', ['dpid', 'port'] as const);
const pollErrors = counter('op25b_flow_stats_poll_errors_total', 'Flow-stats polls that failed', ['dpid'] as const);

/** Refresh the scrape-time gauges (cheap: no switch or store I/O). */
export function refreshScrapeGauges(backend: NocBackend): void {
  const sw = backend.switches();
  switchesKnown.set(sw.length);
  switchesConnected.set(sw.filter((s) => s.connected).length);
}

export interface FlowStatsPollerOptions {
  /** Poll interval; default 15 s. */
  intervalMs?: number;
  logger?: Logger;
}

export class FlowStatsPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly log: Logger;
  /** Label sets written by the last poll per switch, to remove those of ports that went away. */
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly backend: NocBackend, opts: FlowStatsPollerOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 15_000;
    this.log = (opts.logger ?? rootLogger).child({ component: 'flow-stats-poller' });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.pollOnce(); }, this.intervalMs);
    this.timer.unref();
    void this.pollOnce();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll of every connected switch (overlapping calls share the one in flight). */
  pollOnce(): Promise<void> {
    if (!this.running) {
      this.running = this.poll().finally(() => { this.running = undefined; });
    }
    return this.running;
  }

  private async poll(): Promise<void> {
    refreshScrapeGauges(this.backend);
    try {
      sessionsGauge.set((await this.backend.sessions()).length);
    } catch (e) {
      this.log.warn('session count failed', { error: e instanceof Error ? e.message : String(e) });
    }
    for (const s of this.backend.switches()) {
      const d = dpidHex(s.dpid);
      if (!s.connected) {
        flowsGauge.remove({ dpid: d });
        for (const port of this.seen.get(d) ?? []) blockedSmtp.remove({ dpid: d, port });
        this.seen.delete(d);
        continue;
      }
      try {
        const flows = await this.backend.op25bFlows(s.dpid);
        flowsGauge.set({ dpid: d }, flows.length);
        const perPort = new Map<string, bigint>();
        for (const f of flows) {
          const c = decodeCookie(f.cookie);
          if (!c || c.port === 0 || (c.kind !== 'block' && c.kind !== 'quarantine')) continue;
          const port = c.vlan === undefined ? String(c.port) : `${c.port}.${c.vlan}`;
          perPort.set(port, (perPort.get(port) ?? 0n) + f.packet_count);
        }
        const prev = this.seen.get(d) ?? new Set<string>();
        for (const port of prev) if (!perPort.has(port)) blockedSmtp.remove({ dpid: d, port });
        for (const [port, n] of perPort) blockedSmtp.set({ dpid: d, port }, Number(n));
        this.seen.set(d, new Set(perPort.keys()));
      } catch (e) {
        pollErrors.inc({ dpid: d });
        this.log.warn('flow-stats poll failed', { dpid: d, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
