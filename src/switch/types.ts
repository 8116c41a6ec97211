/**
 * The switch channel's public face: a Datapath per connected switch and a
 * stream of switch events. The reconciler and the REST API use only this.
 */
import { dpidHex } from '../openflow/types';
import type {
  Desc, Dpid, FlowMod, FlowRemoved, FlowStats, Match, OfMessage, Port, PortStats, TableStats,
} from '../openflow/types';

/** A flow-mod as callers give it: no type, no xid (the channel assigns them). */
export type FlowModInput = Omit<FlowMod, 'type' | 'xid'>;

/** An OFPT_ERROR from the switch, decoded to spec names. */
export interface SwitchErrorInfo {
  err_type: number;
  code: number;
  /** e.g. 'OFPET_BAD_INSTRUCTION' */
  typeName: string;
  /** e.g. 'OFPBIC_BAD_TABLE_ID' */
  codeName: string;
  data: Buffer;
}

/** Rejection of a flow-mod batch: every flow-mod the switch refused, by index in the batch. */
export class FlowModBatchError extends Error {
  override readonly name = 'FlowModBatchError';
  readonly code = 'SWITCH_ERR_FLOW_MOD_REJECTED';
  constructor(
    readonly dpid: Dpid,
    readonly failures: { index: number; flowMod: FlowModInput; error: SwitchErrorInfo }[],
  ) {
    super(`switch ${dpidHex(dpid)} rejected ${failures.length} flow-mod(s): ` +
      failures.map((f) => `#${f.index} ${f.error.typeName}/${f.error.codeName}`).join(', '));
  }
}

export interface FlowFilter {
  table_id?: number;       // default OFPTT_ALL
  out_port?: number;       // default OFPP_ANY
  out_group?: number;      // default OFPG_ANY
  cookie?: bigint;         // default 0
  cookie_mask?: bigint;    // default 0 (all cookies)
  match?: Match;           // default empty
}

export interface Datapath {
  readonly dpid: Dpid;
  /** Current port list, kept up to date from PORT_STATUS. */
  readonly ports: ReadonlyMap<number, Port>;
  readonly desc: Desc | undefined;
  readonly nTables: number;
  readonly connected: boolean;
  /** Peer address "ip:port". */
  readonly peer: string;
  /**
   * Send flow-mods then one barrier. Resolves when the switch has processed
   * all of them; rejects with FlowModBatchError naming every refused one
   * (the others are in place), or with a channel error (disconnect, timeout).
   */
  sendFlowMods(mods: FlowModInput[]): Promise<void>;
  barrier(): Promise<void>;
  dumpFlows(filter?: FlowFilter): Promise<FlowStats[]>;
  aggregate(filter?: FlowFilter): Promise<{ packet_count: bigint; byte_count: bigint; flow_count: number }>;
  portStats(port_no?: number): Promise<PortStats[]>;
  tableStats(): Promise<TableStats[]>;
  portDesc(): Promise<Port[]>;
  /** OFPCR_ROLE_NOCHANGE 0, EQUAL 1, MASTER 2, SLAVE 3. */
  requestRole(role: number, generation_id: bigint): Promise<{ role: number; generation_id: bigint }>;
  /** Send any request and collect its reply (multipart parts reassembled into one array). */
  request(msg: OfMessage): Promise<OfMessage[]>;
  /** Close the connection (the switch keeps its flows: fail-mode secure). */
  close(reason: string): void;
}

export type SwitchEvent =
  | { type: 'connected'; dpid: Dpid; datapath: Datapath; ports: Port[]; desc: Desc | undefined }
  | { type: 'disconnected'; dpid: Dpid; reason: string }
  | { type: 'port-status'; dpid: Dpid; reason: 'add' | 'delete' | 'modify'; port: Port }
  | { type: 'flow-removed'; dpid: Dpid; msg: FlowRemoved }
  | { type: 'error'; dpid: Dpid; error: SwitchErrorInfo; xid: number };

/** Stable codes of channel-level request failures (not switch rejections of flow-mods in a batch). */
export type SwitchRequestErrorCode =
  /** No reply within requestTimeoutMs. */
  | 'SWITCH_ERR_TIMEOUT'
  /** The connection closed (or was replaced) before the reply came. */
  | 'SWITCH_ERR_DISCONNECTED'
  /** The switch answered the request with OFPT_ERROR; `error` has its spec names. */
  | 'SWITCH_ERR_REJECTED';

/** Rejection of a single request (barrier, multipart, role, `request`). */
export class SwitchRequestError extends Error {
  override readonly name = 'SwitchRequestError';
  constructor(
    readonly code: SwitchRequestErrorCode,
    message: string,
    readonly dpid: Dpid | undefined,
    readonly xid: number | undefined,
    /** Only for SWITCH_ERR_REJECTED. */
    readonly error?: SwitchErrorInfo,
  ) {
    super(message);
  }
}
