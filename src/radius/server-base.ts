/**
 * What the accounting server (RFC 2866) and the CoA/Disconnect server
 * (RFC 5176) share: one UDP socket, the client table, outcome counting in
 * op25b_radius_packets_total{server,result}, rate-limited warnings, RFC 5080
 * duplicate detection, the events$/recorded$ streams, and the front of the
 * per-datagram path:
 *
 * 1. Source address must be a configured client, else no answer
 *    (`unknown_client`).
 * 2. Strict decode (codec.ts), a code the server serves, a valid
 *    authenticator; else no answer (`malformed`, `unsupported_code`,
 *    `bad_authenticator`).
 * 3. The subclass's `handle` decides the rest.
 *
 * handleDatagram never rejects: anything thrown is counted `internal_error`
 * and logged, and the datagram gets no answer.
 */
import { Subject, type Observable } from 'rxjs';
import { logger as rootLogger, type Logger } from '../log';
import { performance } from 'perf_hooks';
import { counter, histogram } from '../metrics';
import type { ApplyResult } from '../store/types';
import type { SubscriberEvent } from './events';
import { decodePacket, verifyRequest, type RadiusPacket } from './codec';
import { CODE_NAMES } from './dictionary';
import { isRadiusError, RadiusError } from './errors';
import { ClientTable, type RadiusClient, type RadiusClientConfig } from './clients';
import { DuplicateCache, RateLimitedLog } from './dedup';
import { compileMapping, type MappingConfig, type PortLookup, type PortMapper } from './mapping';
import { UdpEndpoint, type Peer } from './udp';

export const packetsTotal = counter('op25b_radius_packets_total', 'RADIUS datagrams by server and outcome', ['server', 'result'] as const);
/** From a datagram's arrival to its answer: for accounting that includes the durable commit, for CoA the switch barrier. */
export const answerSeconds = histogram('op25b_radius_answer_seconds', 'Time from a RADIUS request\'s arrival to its answer (Accounting-Response after the durable commit; CoA answer after the switch barrier), by server',
  ['server'] as const, [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

export type PacketResult =
  | 'recorded' | 'ignored' | 'unmapped' | 'duplicate' | 'duplicate_pending' | 'status_server' | 'ignored_status'
  | 'unknown_client' | 'malformed' | 'bad_authenticator' | 'unsupported_code' | 'rejected' | 'store_error' | 'internal_error'
  | 'ack' | 'nak';

export interface RecordedEvent {
  event: SubscriberEvent;
  result: ApplyResult;
  /**
   * Present when the event is published on the store's early decision, before
   * the commit: resolves with the durable result (the truth), rejects when the
   * commit failed. A subscriber that acted on `result` must undo (re-read the
   * store) when it rejects or differs.
   */
  durable?: Promise<ApplyResult>;
}

/** Options both servers take. */
export interface RadiusServerOptions {
  clients: RadiusClientConfig[];
  /** A compiled mapper or its config (the accounting port mapping). */
  mapping: PortMapper | MappingConfig;
  /** Port-name resolution backed by the live port lists. */
  portLookup?: PortLookup;
  /** Default 0.0.0.0. */
  host?: string;
  /** 0 for an ephemeral port; the default is the server's. */
  port?: number;
  /** RFC 5080 duplicate window, default 30 000 ms. */
  duplicateWindowMs?: number;
  /** Injected clock (ms since epoch). */
  now?: () => number;
  /** Metric label `server`; the default is the server's. */
  name?: string;
  logger?: Logger;
}

/** What differs between the servers at the shared front of the path. */
export interface ServerProfile {
  /** Logger component, e.g. 'radius-acct'. */
  component: string;
  /** Default metric label `server`. */
  name: string;
  /** Default UDP port. */
  port: number;
  /** First word of the drop warnings ('RADIUS', 'CoA'). */
  label: string;
  /** Codes served; anything else is `unsupported_code`. */
  codes: readonly number[];
  /** How the port is named in the unsupported-code error ('accounting', 'CoA'). */
  portName: string;
}

/** Start of a request after duplicate detection: its cache key, or the duplicate's outcome. */
export type Admission = { key: string } | { duplicate: true; reply: Buffer | undefined };

export abstract class RadiusServerBase {
  private readonly eventsSubject = new Subject<SubscriberEvent>();
  private readonly recordedSubject = new Subject<RecordedEvent>();
  /** Subscriber events, each published after the store recorded it durably. */
  readonly events$: Observable<SubscriberEvent> = this.eventsSubject.asObservable();
  /** The same, with what applying it did (ApplyResult). */
  readonly recorded$: Observable<RecordedEvent> = this.recordedSubject.asObservable();

  protected readonly mapper: PortMapper;
  protected readonly dedup: DuplicateCache;
  protected readonly now: () => number;
  protected readonly log: Logger;
  protected readonly name: string;
  private readonly clients: ClientTable;
  private readonly ratelog: RateLimitedLog;
  private readonly udp: UdpEndpoint;
  private readonly counters = new Map<PacketResult, { inc(): void }>();
  private readonly answered: { observe(seconds: number): void };

  protected constructor(private readonly base: RadiusServerOptions, private readonly profile: ServerProfile) {
    this.clients = new ClientTable(base.clients);
    this.mapper = typeof base.mapping === 'function' ? base.mapping : compileMapping(base.mapping);
    this.now = base.now ?? Date.now;
    this.dedup = new DuplicateCache(base.duplicateWindowMs ?? 30_000, this.now);
    this.ratelog = new RateLimitedLog(this.now);
    this.log = (base.logger ?? rootLogger).child({ component: profile.component });
    this.name = base.name ?? profile.name;
    this.answered = answerSeconds.labels(this.name);
    this.udp = new UdpEndpoint((m, p) => this.handleDatagram(m, p), (e) => this.log.error('socket error', { error: e.message }));
  }

  /** Bind the socket; resolves with the bound address (port 0 -> the ephemeral port). */
  listen(): Promise<Peer> {
    return this.udp.listen(this.base.host ?? '0.0.0.0', this.base.port ?? this.profile.port);
  }

  async close(): Promise<void> {
    await this.udp.close();
    this.eventsSubject.complete();
    this.recordedSubject.complete();
  }

  /** One datagram in, an optional reply out. Never rejects. */
  handleDatagram(msg: Buffer, peer: Peer): Promise<Buffer | undefined> {
    const t0 = performance.now();
    let out: Promise<Buffer | undefined> | Buffer | undefined;
    try {
      out = this.process(msg, peer);
    } catch (e) {
      return Promise.resolve(this.internalError(e, peer));
    }
    if (!(out instanceof Promise)) {
      if (out) this.answered.observe((performance.now() - t0) / 1000);
      return Promise.resolve(out);
    }
    return out.then((reply) => {
      if (reply) this.answered.observe((performance.now() - t0) / 1000);
      return reply;
    }, (e: unknown) => this.internalError(e, peer));
  }

  /** Count an outcome (label children cached: no label lookup per packet). */
  protected count(result: PacketResult): void {
    let c = this.counters.get(result);
    if (!c) this.counters.set(result, (c = packetsTotal.labels(this.name, result)));
    c.inc();
  }

  /** A warning, at most a few per key per interval (see RateLimitedLog). */
  protected warn(key: string, msg: string, meta: Record<string, unknown>): void {
    const s = this.ratelog.allow(key);
    if (s !== undefined) this.log.warn(msg, s > 0 ? { ...meta, suppressed: s } : meta);
  }

  /** RFC 5080: a duplicate is counted and answered from the cache (or dropped while pending); else the request is marked pending. */
  protected admit(peer: Peer, pkt: RadiusPacket): Admission {
    const key = DuplicateCache.key(peer.address, peer.port, pkt.identifier, pkt.authenticator);
    const seen = this.dedup.get(key);
    if (seen) {
      this.count(seen.state === 'answered' ? 'duplicate' : 'duplicate_pending');
      return { duplicate: true, reply: seen.state === 'answered' ? seen.reply : undefined };
    }
    this.dedup.begin(key);
    return { key };
  }

  /**
   * Publish a durably recorded event on events$ and recorded$ (in a microtask: after the caller's reply is built).
   * With `durable`: published on the store's early decision, before the commit (recorded$ only; events$ waits for the commit).
   */
  protected publish(event: SubscriberEvent, result: ApplyResult, durable?: Promise<ApplyResult>): void {
    if (durable) {
      this.recordedSubject.next({ event, result, durable });
      return;
    }
    queueMicrotask(() => {
      this.eventsSubject.next(event);
      this.recordedSubject.next({ event, result });
    });
  }

  /** events$ for an event already published early on recorded$ (after its commit). */
  protected publishDurable(event: SubscriberEvent): void {
    queueMicrotask(() => this.eventsSubject.next(event));
  }

  /** The rest of the path, for a decoded and authenticated request from a known client. */
  protected abstract handle(pkt: RadiusPacket, client: RadiusClient, peer: Peer): Promise<Buffer | undefined> | Buffer | undefined;

  private process(msg: Buffer, peer: Peer): Promise<Buffer | undefined> | Buffer | undefined {
    const { label } = this.profile;
    const client = this.clients.lookup(peer.address);
    if (!client) {
      this.count('unknown_client');
      this.warn(`unknown:${peer.address}`, `${label} datagram from an unknown client dropped`, { code: 'RADIUS_ERR_UNKNOWN_CLIENT', peer: peer.address, port: peer.port });
      return undefined;
    }
    let pkt: RadiusPacket;
    try {
      pkt = decodePacket(msg);
      if (!this.profile.codes.includes(pkt.code)) {
        throw new RadiusError('RADIUS_ERR_UNSUPPORTED_CODE', `${CODE_NAMES.get(pkt.code) ?? 'unknown code'} (code ${pkt.code}) is not served on the ${this.profile.portName} port`);
      }
      verifyRequest(pkt, client.secret);
    } catch (e) {
      if (!isRadiusError(e)) throw e;
      const result: PacketResult = e.code === 'RADIUS_ERR_BAD_AUTHENTICATOR' || e.code === 'RADIUS_ERR_MISSING_AUTHENTICATOR' ? 'bad_authenticator'
        : e.code === 'RADIUS_ERR_UNSUPPORTED_CODE' ? 'unsupported_code' : 'malformed';
      this.count(result);
      this.warn(`${result}:${peer.address}`, `${label} datagram dropped`, { code: e.code, error: e.message, client: client.name, peer: peer.address });
      return undefined;
    }
    return this.handle(pkt, client, peer);
  }

  private internalError(e: unknown, peer: Peer): undefined {
    this.count('internal_error');
    this.log.error(`internal error handling a ${this.profile.label} datagram`, { peer: peer.address, error: e instanceof Error ? e.stack : String(e) });
    return undefined;
  }
}

/** The request's Proxy-State attributes, in order, to echo in the reply (RFC 2865 section 5.33). */
export function proxyStateOf(pkt: RadiusPacket): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const a of pkt.attributes) if (a.name === 'Proxy-State') out.push(['Proxy-State', a.value as Buffer]);
  return out;
}
