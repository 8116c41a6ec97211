/** Shared by the switch tests: a server on an ephemeral loopback port and an event log to wait on. */
import { OpenFlowServer, type OpenFlowServerOptions } from '../../src/switch/server';
import type { FlowModInput, SwitchEvent } from '../../src/switch/types';

export class EventLog {
  readonly events: SwitchEvent[] = [];
  private waiters: { pred: (e: SwitchEvent) => boolean; resolve: (e: SwitchEvent) => void }[] = [];

  push(e: SwitchEvent): void {
    this.events.push(e);
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      if (w.pred(e)) w.resolve(e);
      else this.waiters.push(w);
    }
  }

  /** Index of the next event, for `wait(..., since)`. */
  mark(): number {
    return this.events.length;
  }

  /** The first event from index `since` on (already seen, or still to come) matching `pred`. */
  wait(pred: (e: SwitchEvent) => boolean, what: string, timeoutMs = 5000, since = 0): Promise<SwitchEvent> {
    const seen = this.events.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${what} event within ${timeoutMs} ms; saw: ${this.events.map(describeEvent).join(', ')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
    });
  }
}

export function describeEvent(e: SwitchEvent): string {
  const dpid = e.dpid.toString(16);
  switch (e.type) {
    case 'disconnected': return `disconnected(${dpid}: ${e.reason})`;
    case 'port-status': return `port-status(${dpid} ${e.reason} ${e.port.name})`;
    case 'error': return `error(${dpid} ${e.error.typeName}/${e.error.codeName})`;
    default: return `${e.type}(${dpid})`;
  }
}

export async function startServer(opts: OpenFlowServerOptions = {}): Promise<{ server: OpenFlowServer; port: number; log: EventLog }> {
  const server = new OpenFlowServer({ host: '127.0.0.1', port: 0, ...opts });
  const log = new EventLog();
  server.events$.subscribe((e) => log.push(e));
  const { port } = await server.listen();
  return { server, port, log };
}

/** A plain OP25B-style flow-mod (ADD, table 0, drop TCP to `tcp_dst` from `in_port`). */
export function dropFlow(in_port: number, priority = 20000, tcp_dst = 25, table_id = 0): FlowModInput {
  return {
    cookie: 0x0b25_0000_0000_0000n | BigInt(in_port), cookie_mask: 0n, table_id, command: 0,
    idle_timeout: 0, hard_timeout: 0, priority, buffer_id: 0xffffffff, out_port: 0xffffffff, out_group: 0xffffffff, flags: 0,
    match: [
      { field: 'in_port', value: in_port }, { field: 'eth_type', value: 0x0800 },
      { field: 'ip_proto', value: 6 }, { field: 'tcp_dst', value: tcp_dst },
    ],
    instructions: [],
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
