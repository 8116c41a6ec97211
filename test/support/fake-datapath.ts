/**
 * A Datapath (src/switch/types.ts) backed by a FakeFlowTable: flow-mods get
 * the spec's add/replace/delete semantics, dumps honour cookie/cookie_mask,
 * and a test can refuse flow-mods, hold a batch in flight, or drop the
 * channel. Every flow-mod and barrier is recorded in order (`log`) so a test
 * can assert make-before-break on the exact sequence a switch would see.
 */
import type { Desc, Dpid, FlowStats, OfMessage, Port, PortStats, TableStats } from '../../src/openflow/types';
import {
  FlowModBatchError, type Datapath, type FlowFilter, type FlowModInput, type SwitchErrorInfo,
} from '../../src/switch/types';
import { FakeFlowModError, FakeFlowTable, OFPTT_ALL } from './flowtable';

export type FakeLogEntry = { kind: 'mod'; mod: FlowModInput } | { kind: 'barrier' } | { kind: 'dump' };

export function fakePort(port_no: number, name = `p${port_no}`): Port {
  return {
    port_no, hw_addr: `02:00:00:00:00:${(port_no & 0xff).toString(16).padStart(2, '0')}`, name,
    config: 0, state: 4, curr: 0, advertised: 0, supported: 0, peer: 0, curr_speed: 0, max_speed: 0,
  };
}

export class ChannelClosedError extends Error {
  readonly code = 'SWITCH_ERR_DISCONNECTED';
}

export class FakeDatapath implements Datapath {
  readonly table: FakeFlowTable;
  readonly ports = new Map<number, Port>();
  readonly desc: Desc | undefined = { mfr_desc: 'fake', hw_desc: 'fake', sw_desc: 'fake', serial_num: '', dp_desc: 'fake' };
  readonly nTables = 254;
  readonly peer = '127.0.0.1:0';
  connected = true;
  readonly log: FakeLogEntry[] = [];
  /** Number of sendFlowMods calls (batches). */
  batches = 0;
  /** Refuse a flow-mod: return a switch error to make the fake reply OFPT_ERROR for it. */
  refuse: ((mod: FlowModInput) => SwitchErrorInfo | undefined) | undefined;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(readonly dpid: Dpid, ports: number[] = [], table?: FakeFlowTable) {
    this.table = table ?? new FakeFlowTable();
    for (const p of ports) this.ports.set(p, fakePort(p));
  }

  /** Hold every batch until release() is called (to let events pile up while one is in flight). */
  hold(): () => void {
    this.gate = new Promise((r) => { this.openGate = r; });
    return () => { this.gate = undefined; this.openGate?.(); };
  }

  /** The flow-mods sent so far (without barriers). */
  get mods(): FlowModInput[] {
    return this.log.flatMap((e) => (e.kind === 'mod' ? [e.mod] : []));
  }

  async sendFlowMods(mods: FlowModInput[]): Promise<void> {
    this.batches++;
    await Promise.resolve();
    if (this.gate) await this.gate;
    if (!this.connected) throw new ChannelClosedError('channel closed');
    const failures: FlowModBatchError['failures'] = [];
    mods.forEach((mod, index) => {
      this.log.push({ kind: 'mod', mod });
      const r = this.refuse?.(mod);
      if (r) { failures.push({ index, flowMod: mod, error: r }); return; }
      try {
        this.table.apply(mod);
      } catch (e) {
        if (!(e instanceof FakeFlowModError)) throw e;
        failures.push({ index, flowMod: mod, error: { err_type: 0, code: 0, typeName: e.typeName, codeName: e.codeName, data: Buffer.alloc(0) } });
      }
    });
    this.log.push({ kind: 'barrier' });
    await Promise.resolve();
    if (failures.length > 0) throw new FlowModBatchError(this.dpid, failures);
  }

  async barrier(): Promise<void> {
    this.log.push({ kind: 'barrier' });
  }

  async dumpFlows(filter: FlowFilter = {}): Promise<FlowStats[]> {
    await Promise.resolve();
    if (!this.connected) throw new ChannelClosedError('channel closed');
    this.log.push({ kind: 'dump' });
    return this.table.entries({
      table_id: filter.table_id ?? OFPTT_ALL,
      cookie: filter.cookie ?? 0n,
      cookie_mask: filter.cookie_mask ?? 0n,
      ...(filter.out_port !== undefined ? { out_port: filter.out_port } : {}),
      ...(filter.match ? { match: filter.match } : {}),
    });
  }

  async aggregate(filter?: FlowFilter): Promise<{ packet_count: bigint; byte_count: bigint; flow_count: number }> {
    const f = await this.dumpFlows(filter);
    return { packet_count: 0n, byte_count: 0n, flow_count: f.length };
  }

  async portStats(): Promise<PortStats[]> { return []; }
  async tableStats(): Promise<TableStats[]> { return []; }
  async portDesc(): Promise<Port[]> { return [...this.ports.values()]; }
  async requestRole(role: number, generation_id: bigint): Promise<{ role: number; generation_id: bigint }> {
    return { role, generation_id };
  }
  async request(_msg: OfMessage): Promise<OfMessage[]> { return []; }
  close(_reason: string): void { this.connected = false; }
}

/** A spec error value for `refuse`. */
export function switchError(typeName: string, codeName: string): SwitchErrorInfo {
  return { err_type: 0, code: 0, typeName, codeName, data: Buffer.alloc(0) };
}
