/**
 * One OpenFlow 1.3 connection from a switch: handshake, echo keepalive, xid
 * correlation with timeouts, multipart reassembly, flow-mod batches closed by
 * a barrier, and a bounded write queue. After the handshake it is the
 * switch's `Datapath`.
 *
 * Wire facts this relies on (spec 1.3.5):
 * - 6.3.1: both sides send HELLO first; with version bitmaps the common
 *   version is the highest bit set in both, without them min(versions).
 * - 6.3.5 / 7.5.4: OFPT_ERROR carries the xid of the request it answers, so
 *   an error is tied to that request; errors precede the barrier reply for
 *   messages sent before the barrier (6.2: the switch finishes them first).
 * - 7.3.5: a multipart reply may come in parts sharing the request's xid,
 *   all but the last with OFPMPF_REPLY_MORE.
 */
import type { Socket } from 'net';
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import {
  decode, encode, errorNames, Framer, OFPBRC_BAD_LEN, OFPBRC_BAD_TYPE, OFPBRC_BAD_VERSION, OFPCML_NO_BUFFER,
  OFPET_BAD_REQUEST, OFPET_HELLO_FAILED, OFPG_ANY, OFPHFC_INCOMPATIBLE, OFPMPF_REPLY_MORE, OFPP_ANY, OFPPR_DELETE, OFPTT_ALL,
} from '../openflow';
import { isOfError } from '../openflow/errors';
import { dpidHex } from '../openflow/types';
import type {
  Desc, Dpid, ErrorMsg, FlowMod, FlowStats, OfMessage, OfMessageType, Port, PortStats, TableStats,
} from '../openflow/types';
import type { Logger } from '../log';
import {
  FlowModBatchError, SwitchRequestError,
  type Datapath, type FlowFilter, type FlowModInput, type SwitchErrorInfo, type SwitchEvent,
} from './types';
import { ERROR_DATA_BYTES, OFPT_MAX_1_3, PORT_REASONS, VERSION_1_3_BIT } from './wire';

export interface ConnectionOptions {
  echoIntervalMs: number;
  echoMissLimit: number;
  requestTimeoutMs: number;
  maxMessageLength: number | undefined;
  maxQueuedBytes: number;
  logger: Logger;
  scheduler: SchedulerLike;
}

/** What the server learns from a connection. */
export interface ConnectionHooks {
  /** Handshake done: register the datapath (replacing an older one with the same dpid). */
  ready(conn: Connection): void;
  /** Closed, for whatever reason; called exactly once. */
  closed(conn: Connection, reason: string): void;
  event(ev: SwitchEvent): void;
  switchError(info: SwitchErrorInfo): void;
  protocolError(code: string): void;
}

/** Which reply answers which request; anything else is one-way and confirmed by a barrier. */
const REPLY_TYPE: Partial<Record<OfMessageType, OfMessageType>> = {
  ECHO_REQUEST: 'ECHO_REPLY',
  FEATURES_REQUEST: 'FEATURES_REPLY',
  GET_CONFIG_REQUEST: 'GET_CONFIG_REPLY',
  MULTIPART_REQUEST: 'MULTIPART_REPLY',
  BARRIER_REQUEST: 'BARRIER_REPLY',
  ROLE_REQUEST: 'ROLE_REPLY',
  GET_ASYNC_REQUEST: 'GET_ASYNC_REPLY',
  // OFPT_QUEUE_GET_CONFIG_REPLY (23) is not modelled by the codec: it arrives as OPAQUE.
  QUEUE_GET_CONFIG_REQUEST: 'OPAQUE',
};

/** Messages a switch sends on its own (never replies), usually with xid 0. */
const ASYNC_TYPES = new Set<OfMessageType>(['PACKET_IN', 'FLOW_REMOVED', 'PORT_STATUS', 'ECHO_REQUEST', 'HELLO']);

interface Pending {
  expect: OfMessageType;
  parts: OfMessage[];
  what: string;
  resolve(parts: OfMessage[]): void;
  reject(e: Error): void;
  timer: Subscription | undefined;
}

/** Flow-mods (or other one-way messages) whose errors are collected until their barrier answers. */
interface Batch {
  failures: { index: number; xid: number; error: SwitchErrorInfo }[];
}

/** Recently sent messages by xid, so a switch error can be logged with what caused it. */
const RECENT_LIMIT = 4096;

type State = 'hello' | 'handshake' | 'ready' | 'closed';

export class Connection implements Datapath {
  readonly peer: string;
  private state: State = 'hello';
  private readonly framer: Framer;
  private _dpid: Dpid | undefined;
  private _nTables = 0;
  private _desc: Desc | undefined;
  private readonly _ports = new Map<number, Port>();
  private nextXidValue = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly batchXids = new Map<number, { batch: Batch; index: number; msg: OfMessage }>();
  private readonly recent = new Map<number, OfMessage>();
  private echoSub: Subscription | undefined;
  private helloTimer: Subscription | undefined;
  private stallTimer: Subscription | undefined;
  private rxSinceTick = true;
  private firstTypeChecked = false;
  private misses = 0;
  private readonly queue: Buffer[] = [];
  private queueBytes = 0;
  private flushScheduled = false;
  private drainWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private closeReason: string | undefined;
  private socketError: string | undefined;
  private readonly log: Logger;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.log = opts.logger.child({ peer: this.peer });
    this.framer = new Framer(opts.maxMessageLength === undefined ? {} : { maxLength: opts.maxMessageLength });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.stallTimer?.unsubscribe();
      this.stallTimer = undefined;
      this.flush();
    });
    socket.on('error', (e: Error) => { this.socketError = e.message; });
    socket.on('close', () => {
      this.shutdown(this.socketError ? `socket error: ${this.socketError}` : 'connection closed by switch', 'destroy');
    });
    this.helloTimer = opts.scheduler.schedule(() => {
      if (this.state === 'hello') this.shutdown(`no HELLO from switch within ${opts.requestTimeoutMs} ms`, 'destroy');
    }, opts.requestTimeoutMs);
    this.send({ type: 'HELLO', xid: this.nextXid(), version: 4, elements: [{ type: 'VERSIONBITMAP', bitmaps: [VERSION_1_3_BIT] }] });
  }

  // -------------------------------------------------------------------------
  // Datapath API

  get dpid(): Dpid { return this._dpid ?? 0n; }
  get ports(): ReadonlyMap<number, Port> { return this._ports; }
  get desc(): Desc | undefined { return this._desc; }
  get nTables(): number { return this._nTables; }
  get connected(): boolean { return this.state === 'ready'; }
  get isReady(): boolean { return this.state === 'ready'; }
  /** Why the connection closed, once it has. */
  get closedReason(): string | undefined { return this.closeReason; }
  /** Bytes accepted for sending but not yet handed to the kernel (own queue + socket buffer). */
  get queuedBytes(): number { return this.queueBytes + this.socket.writableLength; }

  async sendFlowMods(mods: FlowModInput[]): Promise<void> {
    const failures = await this.sendConfirmed(mods, true);
    if (failures.length > 0) {
      throw new FlowModBatchError(this.dpid, failures.map((f) => ({ index: f.index, flowMod: mods[f.index] as FlowModInput, error: f.error })));
    }
  }

  async barrier(): Promise<void> {
    await this.request({ type: 'BARRIER_REQUEST', xid: 0 });
  }

  async dumpFlows(filter: FlowFilter = {}): Promise<FlowStats[]> {
    const parts = await this.request({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'FLOW', ...statsFilter(filter) });
    return parts.flatMap((p) => (p.type === 'MULTIPART_REPLY' && p.multipart === 'FLOW' ? p.body : []));
  }

  async aggregate(filter: FlowFilter = {}): Promise<{ packet_count: bigint; byte_count: bigint; flow_count: number }> {
    const parts = await this.request({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'AGGREGATE', ...statsFilter(filter) });
    const p = parts[0];
    if (p?.type === 'MULTIPART_REPLY' && p.multipart === 'AGGREGATE') return p.body;
    throw new SwitchRequestError('SWITCH_ERR_REJECTED', 'aggregate: unexpected reply', this._dpid, undefined);
  }

  async portStats(port_no: number = OFPP_ANY): Promise<PortStats[]> {
    const parts = await this.request({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'PORT_STATS', port_no });
    return parts.flatMap((p) => (p.type === 'MULTIPART_REPLY' && p.multipart === 'PORT_STATS' ? p.body : []));
  }

  async tableStats(): Promise<TableStats[]> {
    const parts = await this.request({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'TABLE' });
    return parts.flatMap((p) => (p.type === 'MULTIPART_REPLY' && p.multipart === 'TABLE' ? p.body : []));
  }

  /** Asks the switch for its ports and refreshes `ports` with the answer. */
  async portDesc(): Promise<Port[]> {
    const parts = await this.request({ type: 'MULTIPART_REQUEST', xid: 0, flags: 0, multipart: 'PORT_DESC' });
    const ports = parts.flatMap((p) => (p.type === 'MULTIPART_REPLY' && p.multipart === 'PORT_DESC' ? p.body : []));
    this._ports.clear();
    for (const p of ports) this._ports.set(p.port_no, p);
    return ports;
  }

  async requestRole(role: number, generation_id: bigint): Promise<{ role: number; generation_id: bigint }> {
    const [reply] = await this.request({ type: 'ROLE_REQUEST', xid: 0, role, generation_id });
    if (reply?.type !== 'ROLE_REPLY') throw new SwitchRequestError('SWITCH_ERR_REJECTED', 'role: unexpected reply', this._dpid, undefined);
    return { role: reply.role, generation_id: reply.generation_id };
  }

  /**
   * Sends `msg` with a fresh xid (the given one is ignored). Requests that
   * have a reply resolve with it (all multipart parts, in order); one-way
   * messages (flow-mod, packet-out, set-config...) are followed by a barrier
   * and resolve with [] once the switch has processed them.
   */
  async request(msg: OfMessage): Promise<OfMessage[]> {
    const expect = REPLY_TYPE[msg.type];
    if (expect === undefined) {
      const [failure] = await this.sendConfirmed([msg]);
      if (failure) throw this.rejection(failure.error, failure.xid, msg);
      return [];
    }
    return this.sendExpecting({ ...msg, xid: this.nextXid() }, expect);
  }

  close(reason: string): void {
    this.shutdown(reason, 'end');
  }

  // -------------------------------------------------------------------------
  // Requests

  /** Sends one-way messages then a barrier; resolves with the errors the switch sent for them. */
  private async sendConfirmed(msgs: OfMessage[] | FlowModInput[], flowMods = false): Promise<{ index: number; xid: number; error: SwitchErrorInfo }[]> {
    this.assertOpen();
    // Encode everything first: a caller's bad input fails before anything is sent.
    // One copy per message (with its xid), encoded and remembered as it is.
    const batch: Batch = { failures: [] };
    const xids: number[] = [];
    const bufs: Buffer[] = [];
    const sent: OfMessage[] = [];
    for (const m of msgs) {
      const xid = this.nextXid();
      // Built field by field: `{ ...m, xid }` takes V8's slow path (~5-10 us a message, measured).
      const withXid = flowMods ? flowModMessage(m as FlowModInput, xid) : ({ ...m, xid } as OfMessage);
      bufs.push(encode(withXid));
      xids.push(xid);
      sent.push(withXid);
    }
    try {
      for (let i = 0; i < bufs.length; i++) {
        const xid = xids[i] as number;
        // A batch's messages are found through batchXids until their barrier's reply (the
        // switch answers errors before it): no ring churn per flow-mod.
        this.batchXids.set(xid, { batch, index: i, msg: sent[i] as OfMessage });
        this.enqueue(bufs[i] as Buffer);
        if (this.queuedBytes > this.highWater) await this.writable();
      }
      await this.sendExpecting({ type: 'BARRIER_REQUEST', xid: this.nextXid() }, 'BARRIER_REPLY');
    } finally {
      for (const xid of xids) this.batchXids.delete(xid);
    }
    return batch.failures.sort((a, b) => a.index - b.index);
  }

  private sendExpecting(msg: OfMessage, expect: OfMessageType): Promise<OfMessage[]> {
    this.assertOpen();
    const buf = encode(msg);
    return new Promise<OfMessage[]>((resolve, reject) => {
      const p: Pending = { expect, parts: [], what: describe(msg), resolve, reject, timer: undefined };
      this.pending.set(msg.xid, p);
      this.armTimeout(msg.xid, p);
      this.remember(msg.xid, msg);
      this.enqueue(buf);
    });
  }

  private armTimeout(xid: number, p: Pending): void {
    p.timer?.unsubscribe();
    p.timer = this.opts.scheduler.schedule(() => {
      if (this.pending.get(xid) !== p) return;
      this.pending.delete(xid);
      this.log.warn('request timed out', { dpid: this.dpidText(), xid, request: p.what, timeout_ms: this.opts.requestTimeoutMs });
      p.reject(new SwitchRequestError('SWITCH_ERR_TIMEOUT',
        `${p.what} (xid ${xid}) to switch ${this.dpidText()}: no reply within ${this.opts.requestTimeoutMs} ms`, this._dpid, xid));
    }, this.opts.requestTimeoutMs);
  }

  private assertOpen(): void {
    if (this.state === 'closed') {
      throw new SwitchRequestError('SWITCH_ERR_DISCONNECTED', `switch ${this.dpidText()} disconnected: ${this.closeReason ?? ''}`, this._dpid, undefined);
    }
  }

  private nextXid(): number {
    // Never 0: switches send their own async messages with xid 0.
    do {
      const x = this.nextXidValue;
      this.nextXidValue = x >= 0xffffffff ? 1 : x + 1;
      if (!this.pending.has(x) && !this.batchXids.has(x)) return x;
    } while (true);
  }

  private remember(xid: number, msg: OfMessage): void {
    this.recent.delete(xid);
    this.recent.set(xid, msg);
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
  }

  // -------------------------------------------------------------------------
  // Writing, with a bounded queue

  private get highWater(): number {
    return Math.max(64 * 1024, Math.min(1024 * 1024, Math.floor(this.opts.maxQueuedBytes / 4)));
  }

  private send(msg: OfMessage): void {
    if (this.state === 'closed') return;
    this.enqueue(encode(msg));
  }

  private enqueue(buf: Buffer): void {
    if (this.state === 'closed') return;
    this.queue.push(buf);
    this.queueBytes += buf.length;
    if (this.queuedBytes > this.opts.maxQueuedBytes) {
      this.shutdown(`write queue over ${this.opts.maxQueuedBytes} bytes (${this.queuedBytes} queued): switch is not reading`, 'destroy');
      return;
    }
    if (!this.flushScheduled) {
      // Coalesce the messages written in one turn into few socket writes.
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.state === 'closed' && this.socket.destroyed) return;
    while (this.queue.length > 0 && !this.socket.writableNeedDrain) {
      let n = 0;
      let bytes = 0;
      while (n < this.queue.length && bytes < 64 * 1024) bytes += (this.queue[n++] as Buffer).length;
      const parts = this.queue.splice(0, n);
      this.queueBytes -= bytes;
      this.socket.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, bytes));
    }
    if (this.queue.length === 0 && !this.socket.writableNeedDrain) {
      this.stallTimer?.unsubscribe();
      this.stallTimer = undefined;
    } else if (!this.stallTimer) {
      // Blocked. Only a 'drain' (progress) disarms this: more writes to a hung switch must not.
      const since = Date.now();
      this.stallTimer = this.opts.scheduler.schedule(() => {
        this.shutdown(`switch stopped reading: ${this.queuedBytes} bytes unsent, no progress for ${Date.now() - since} ms`, 'destroy');
      }, this.opts.requestTimeoutMs);
    }
    if (this.queuedBytes <= this.highWater && this.drainWaiters.length > 0) {
      const ws = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of ws) w.resolve();
    }
  }

  private writable(): Promise<void> {
    this.assertOpen();
    return new Promise<void>((resolve, reject) => { this.drainWaiters.push({ resolve, reject }); });
  }

  // -------------------------------------------------------------------------
  // Reading

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.rxSinceTick = true;
    if (this.state === 'hello' && !this.firstTypeChecked && chunk.length >= 2) {
      // Spec 6.3.1: the first message is a HELLO. Bytes whose type is not even an OpenFlow 1.x type
      // (an HTTP request, TLS to a TCP port...) fail now rather than after the framer waits for a
      // length they made up.
      this.firstTypeChecked = true;
      if ((chunk[1] as number) > OFPT_MAX_1_3) {
        this.hooks.protocolError('OF_ERR_BAD_TYPE');
        this.log.warn('not an OpenFlow HELLO from switch', { bytes: chunk.subarray(0, 16).toString('hex') });
        this.send({ type: 'ERROR', xid: chunk.length >= 8 ? chunk.readUInt32BE(4) : 0, err_type: OFPET_BAD_REQUEST, code: OFPBRC_BAD_TYPE, data: Buffer.from(chunk.subarray(0, ERROR_DATA_BYTES)) });
        this.shutdown(`not OpenFlow: first message type ${chunk[1] as number} (bytes ${chunk.subarray(0, 8).toString('hex')})`, 'end');
        return;
      }
    }
    let frames: Buffer[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      this.badBytes(e, chunk);
      return;
    }
    for (const frame of frames) {
      if (this.isClosed()) return;
      let msg: OfMessage;
      try {
        msg = decode(frame);
      } catch (e) {
        this.badBytes(e, frame);
        return;
      }
      try {
        this.dispatch(msg, frame);
      } catch (e) {
        this.log.error('internal error handling a switch message', { dpid: this.dpidText(), type: msg.type, error: String(e) });
        this.shutdown(`internal error: ${e instanceof Error ? e.message : String(e)}`, 'end');
        return;
      }
    }
  }

  /** Undecodable input: say why, answer OFPT_ERROR as the spec asks, close. */
  private badBytes(e: unknown, bytes: Buffer): void {
    const code = isOfError(e) ? e.code : 'INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    const hdrXid = isOfError(e) ? e.header?.xid : undefined;
    const xid = hdrXid ?? (bytes.length >= 8 ? bytes.readUInt32BE(4) : 0);
    const errCode = code === 'OF_ERR_BAD_VERSION' ? OFPBRC_BAD_VERSION : OFPBRC_BAD_LEN;
    this.hooks.protocolError(code);
    this.log.warn('malformed message from switch', { dpid: this.dpidText(), code, error: message, bytes: bytes.subarray(0, 32).toString('hex') });
    this.send({ type: 'ERROR', xid, err_type: OFPET_BAD_REQUEST, code: errCode, data: Buffer.from(bytes.subarray(0, ERROR_DATA_BYTES)) });
    this.shutdown(`malformed message from switch (${code}): ${message}`, 'end');
  }

  private dispatch(msg: OfMessage, frame: Buffer): void {
    if (this.state === 'hello') {
      this.onHello(msg);
      return;
    }
    switch (msg.type) {
      case 'ECHO_REQUEST':
        this.send({ type: 'ECHO_REPLY', xid: msg.xid, data: msg.data });
        return;
      case 'ERROR':
        this.onSwitchError(msg);
        return;
      case 'PORT_STATUS': {
        if (msg.reason === OFPPR_DELETE) this._ports.delete(msg.desc.port_no);
        else this._ports.set(msg.desc.port_no, msg.desc);
        const reason = PORT_REASONS[msg.reason];
        if (this.state === 'ready' && this._dpid !== undefined && reason !== undefined) {
          this.hooks.event({ type: 'port-status', dpid: this._dpid, reason, port: msg.desc });
        }
        return;
      }
      case 'FLOW_REMOVED':
        if (this.state === 'ready' && this._dpid !== undefined) this.hooks.event({ type: 'flow-removed', dpid: this._dpid, msg });
        return;
      case 'HELLO':
        this.log.debug('duplicate HELLO ignored', { dpid: this.dpidText() });
        return;
      default:
        break;
    }
    const p = ASYNC_TYPES.has(msg.type) ? undefined : this.pending.get(msg.xid);
    if (p && msg.type === p.expect) {
      p.parts.push(msg);
      if (msg.type === 'MULTIPART_REPLY' && (msg.flags & OFPMPF_REPLY_MORE) !== 0) {
        this.armTimeout(msg.xid, p);
        return;
      }
      p.timer?.unsubscribe();
      this.pending.delete(msg.xid);
      p.resolve(p.parts);
      return;
    }
    if (msg.type === 'OPAQUE' && msg.msg_type > OFPT_MAX_1_3) {
      // Spec 7.5.4.2: OFPBRC_BAD_TYPE for a message type not supported.
      this.hooks.protocolError('OF_ERR_BAD_TYPE');
      this.log.warn('unknown message type from switch', { dpid: this.dpidText(), msg_type: msg.msg_type });
      this.send({ type: 'ERROR', xid: msg.xid, err_type: OFPET_BAD_REQUEST, code: OFPBRC_BAD_TYPE, data: Buffer.from(frame.subarray(0, ERROR_DATA_BYTES)) });
      this.shutdown(`unknown message type ${msg.msg_type} from switch`, 'end');
      return;
    }
    if (msg.type !== 'ECHO_REPLY' && msg.type !== 'PACKET_IN') {
      this.log.debug('unsolicited message ignored', { dpid: this.dpidText(), type: msg.type, xid: msg.xid });
    }
  }

  private onHello(msg: OfMessage): void {
    this.helloTimer?.unsubscribe();
    this.helloTimer = undefined;
    if (msg.type === 'ERROR') {
      const info = this.errorInfo(msg);
      this.shutdown(`switch refused our HELLO: ${info.typeName}/${info.codeName} ${printable(msg.data)}`, 'end');
      return;
    }
    if (msg.type !== 'HELLO') {
      this.shutdown(`expected HELLO as the first message, got ${msg.type}`, 'end');
      return;
    }
    const bitmap = msg.elements.find((e) => e.type === 'VERSIONBITMAP');
    const ok = bitmap && bitmap.type === 'VERSIONBITMAP'
      ? ((bitmap.bitmaps[0] ?? 0) & VERSION_1_3_BIT) !== 0
      : msg.version >= 4;
    if (!ok) {
      const offered = bitmap && bitmap.type === 'VERSIONBITMAP' ? versionsOf(bitmap.bitmaps) : `up to 0x${msg.version.toString(16).padStart(2, '0')}`;
      const text = `OpenFlow 1.3 (wire version 0x04) is the only version supported; switch offers ${offered}`;
      this.hooks.protocolError('OF_ERR_HELLO_FAILED');
      this.log.warn('version negotiation failed', { reason: text });
      this.send({ type: 'ERROR', xid: msg.xid, err_type: OFPET_HELLO_FAILED, code: OFPHFC_INCOMPATIBLE, data: Buffer.from(text, 'ascii') });
      this.shutdown(`version negotiation failed: ${text}`, 'end');
      return;
    }
    this.state = 'handshake';
    this.startEcho();
    this.handshake().catch((e: unknown) => {
      this.shutdown(`handshake failed: ${e instanceof Error ? e.message : String(e)}`, 'end');
    });
  }

  private async handshake(): Promise<void> {
    const [fr] = await this.sendExpecting({ type: 'FEATURES_REQUEST', xid: this.nextXid() }, 'FEATURES_REPLY');
    if (fr?.type !== 'FEATURES_REPLY') throw new Error('no FEATURES_REPLY');
    if (fr.auxiliary_id !== 0) {
      this.shutdown(`auxiliary connection ${fr.auxiliary_id} of ${dpidHex(fr.datapath_id)} not supported`, 'end');
      return;
    }
    this._dpid = fr.datapath_id;
    this._nTables = fr.n_tables;
    this.send({ type: 'SET_CONFIG', xid: this.nextXid(), flags: 0, miss_send_len: OFPCML_NO_BUFFER });
    await this.portDesc();
    try {
      const [d] = await this.sendExpecting({ type: 'MULTIPART_REQUEST', xid: this.nextXid(), flags: 0, multipart: 'DESC' }, 'MULTIPART_REPLY');
      if (d?.type === 'MULTIPART_REPLY' && d.multipart === 'DESC') this._desc = d.body;
    } catch (e) {
      if (this.isClosed()) throw e;
      this.log.warn('switch description unavailable', { dpid: this.dpidText(), error: String(e) });
    }
    if (this.isClosed()) return;
    this.state = 'ready';
    this.log.info('switch connected', { dpid: this.dpidText(), ports: this._ports.size, n_tables: this._nTables });
    this.hooks.ready(this);
  }

  private errorInfo(msg: ErrorMsg): SwitchErrorInfo {
    const names = errorNames(msg.err_type, msg.code);
    return { err_type: msg.err_type, code: msg.code, typeName: names.typeName, codeName: names.codeName, data: msg.data };
  }

  private onSwitchError(msg: ErrorMsg): void {
    const info = this.errorInfo(msg);
    this.hooks.switchError(info);
    const cause = this.batchXids.get(msg.xid)?.msg ?? this.recent.get(msg.xid);
    this.log.warn('switch error', {
      dpid: this.dpidText(), xid: msg.xid, error: `${info.typeName}/${info.codeName}`,
      cause: cause ? describe(cause) : 'unknown (not among recently sent messages)',
    });
    // Every OFPT_ERROR of a connected switch is an event, also those that reject a request.
    if (this.state === 'ready' && this._dpid !== undefined) this.hooks.event({ type: 'error', dpid: this._dpid, error: info, xid: msg.xid });
    const b = this.batchXids.get(msg.xid);
    if (b) {
      b.batch.failures.push({ index: b.index, xid: msg.xid, error: info });
      return;
    }
    const p = this.pending.get(msg.xid);
    if (p) {
      p.timer?.unsubscribe();
      this.pending.delete(msg.xid);
      p.reject(this.rejection(info, msg.xid, cause));
    }
  }

  private rejection(info: SwitchErrorInfo, xid: number, cause: OfMessage | undefined): SwitchRequestError {
    return new SwitchRequestError('SWITCH_ERR_REJECTED',
      `switch ${this.dpidText()} rejected ${cause ? describe(cause) : `xid ${xid}`}: ${info.typeName}/${info.codeName}`, this._dpid, xid, info);
  }

  // -------------------------------------------------------------------------
  // Keepalive and shutdown

  private startEcho(): void {
    this.echoSub = interval(this.opts.echoIntervalMs, this.opts.scheduler).subscribe(() => {
      if (this.rxSinceTick) {
        this.rxSinceTick = false;
        this.misses = 0;
      } else if (++this.misses >= this.opts.echoMissLimit) {
        this.shutdown(`switch silent for ${this.misses} echo intervals of ${this.opts.echoIntervalMs} ms: declared dead`, 'destroy');
        return;
      }
      this.send({ type: 'ECHO_REQUEST', xid: this.nextXid(), data: Buffer.alloc(0) });
    });
  }

  /**
   * 'end' flushes what is queued (an OFPT_ERROR saying why) and half-closes;
   * 'destroy' drops everything (hung or dead switch).
   */
  shutdown(reason: string, how: 'end' | 'destroy'): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    this.closeReason = reason;
    this.echoSub?.unsubscribe();
    this.helloTimer?.unsubscribe();
    this.stallTimer?.unsubscribe();
    const err = new SwitchRequestError('SWITCH_ERR_DISCONNECTED', `switch ${this.dpidText()} disconnected: ${reason}`, this._dpid, undefined);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.timer?.unsubscribe();
      p.reject(new SwitchRequestError('SWITCH_ERR_DISCONNECTED', `${p.what}: ${err.message}`, this._dpid, undefined));
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w.reject(err);
    if (wasReady) this.log.warn('switch connection closed', { dpid: this.dpidText(), reason });
    else this.log.info('switch connection closed', { dpid: this.dpidText(), reason });
    if (how === 'end' && !this.socket.destroyed) {
      if (this.queue.length > 0) this.socket.write(Buffer.concat(this.queue));
      this.queue.length = 0;
      this.queueBytes = 0;
      this.socket.end();
      // A peer that never reads would keep the socket half-open forever.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    } else {
      this.queue.length = 0;
      this.queueBytes = 0;
      this.socket.destroy();
    }
    this.hooks.closed(this, reason);
  }

  /** A method, not a field test: TypeScript would keep a narrowing of `state` across awaits and callbacks. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private dpidText(): string {
    return this._dpid === undefined ? '(handshake)' : dpidHex(this._dpid);
  }
}

function statsFilter(f: FlowFilter): { table_id: number; out_port: number; out_group: number; cookie: bigint; cookie_mask: bigint; match: NonNullable<FlowFilter['match']> } {
  return {
    table_id: f.table_id ?? OFPTT_ALL,
    out_port: f.out_port ?? OFPP_ANY,
    out_group: f.out_group ?? OFPG_ANY,
    cookie: f.cookie ?? 0n,
    cookie_mask: f.cookie_mask ?? 0n,
    match: f.match ?? [],
  };
}

const FLOW_MOD_COMMANDS = ['add', 'modify', 'modify_strict', 'delete', 'delete_strict'];

/** One line saying what a sent message was, for error logs. */
function flowModMessage(m: FlowModInput, xid: number): FlowMod {
  return {
    type: 'FLOW_MOD', xid, cookie: m.cookie, cookie_mask: m.cookie_mask, table_id: m.table_id, command: m.command,
    idle_timeout: m.idle_timeout, hard_timeout: m.hard_timeout, priority: m.priority, buffer_id: m.buffer_id,
    out_port: m.out_port, out_group: m.out_group, flags: m.flags, match: m.match, instructions: m.instructions,
  };
}

export function describe(msg: OfMessage): string {
  switch (msg.type) {
    case 'FLOW_MOD': {
      const match = msg.match.map((m) => (m.field === 'opaque' ? `oxm(${m.oxm_class}:${m.oxm_field})` : `${m.field}=${String(m.value)}${m.mask === undefined ? '' : '/' + String(m.mask)}`)).join(',');
      const instr = msg.instructions.map((i) => (i.type === 'GOTO_TABLE' ? `goto_table:${i.table_id}` : i.type.toLowerCase())).join(',');
      return `FLOW_MOD ${FLOW_MOD_COMMANDS[msg.command] ?? msg.command} table=${msg.table_id} priority=${msg.priority} ` +
        `cookie=0x${msg.cookie.toString(16)} match=[${match}] instructions=[${instr}]`;
    }
    case 'MULTIPART_REQUEST': return `MULTIPART_REQUEST ${msg.multipart}`;
    case 'ROLE_REQUEST': return `ROLE_REQUEST role=${msg.role} generation_id=${msg.generation_id}`;
    default: return msg.type;
  }
}

function versionsOf(bitmaps: number[]): string {
  const v: string[] = [];
  bitmaps.forEach((word, i) => {
    for (let b = 0; b < 32; b++) if ((word >>> b) & 1) v.push(`0x${(i * 32 + b).toString(16).padStart(2, '0')}`);
  });
  return v.length ? v.join(', ') : 'no version';
}

function printable(data: Buffer): string {
  return data.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
}
