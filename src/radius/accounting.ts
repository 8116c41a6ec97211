/**
 * RADIUS accounting server (RFC 2866; default UDP 0.0.0.0:1813).
 *
 * Per datagram:
 * 1. Source address must be a configured client, else no answer.
 * 2. Strict decode (codec.ts); malformed -> no answer.
 * 3. Accounting-Request: Request Authenticator checked; Status-Server (RFC 5997):
 *    Message-Authenticator checked, answered with an Accounting-Response.
 *    Anything else -> no answer.
 * 4. RFC 5080 duplicates (source address+port, Identifier, Request
 *    Authenticator, within the window): the cached answer is sent again; a
 *    duplicate of a request still being recorded is dropped. Never applied twice.
 * 5. Required attributes (Acct-Status-Type; Acct-Session-Id for Start,
 *    Interim-Update and Stop; NAS-IP-Address or NAS-Identifier) else no answer,
 *    logged with the attributes and counted `rejected`.
 * 6. The port mapping. Unmapped events are logged, counted `unmapped` and
 *    recorded durably as an audit entry (action 'radius-unmapped'); then they
 *    ARE answered: the request was recorded in the only form it can be, and a
 *    retransmission would map to nothing again (RFC 2866 section 2: answer
 *    once recorded).
 * 7. store.recordEvent(); only when it resolves (durable) the
 *    Accounting-Response is sent and the event published on events$.
 *    A store failure -> no answer, so the NAS retransmits. When the store
 *    has recordEventEarly and knows the decision before the commit, the
 *    event is published on recorded$ at once with that decision and the
 *    durable promise (the controller installs flows while the commit runs,
 *    and re-reads the store if the commit fails); the answer still waits
 *    for the commit. A store that commits off the event loop
 *    (Store.commitsOffLoop: the SQLite thread writer) gets each event as it
 *    comes; any other gets bursts through a BurstCoalescer, so that a
 *    blocking commit takes more of them per transaction.
 *
 * Every outcome is counted in op25b_radius_packets_total{server,result}.
 * Nothing escapes handleDatagram: it never rejects.
 */
import type { SubscriberEvent, SubscriberEventKind } from './events';
import type { ApplyResult, Store } from '../store/types';
import { attributesForLog, encodePacket, findAttribute, getAgentCircuitId, getNumber, getString, type RadiusPacket } from './codec';
import { ACCT_STATUS_TYPE, CODE } from './dictionary';
import { RadiusError } from './errors';
import type { RadiusClient } from './clients';
import { BurstCoalescer } from './dedup';
import { DEFAULT_EXEMPT_VALUES, isMappingError, profileFrom, type MappingInput, type PortLookup, type PortMapper } from './mapping';
import type { Peer } from './udp';
import { proxyStateOf, RadiusServerBase, type RadiusServerOptions } from './server-base';

export { packetsTotal, type PacketResult, type RecordedEvent } from './server-base';

export interface AccountingServerOptions extends RadiusServerOptions {
  store: Store;
  /** Attributes read for the profile, first present wins. Default ['Filter-Id', 'Class']. */
  profileAttributes?: string[];
  /** Profile values that make a subscriber exempt (config radius.exempt_values); default ["op25b-exempt"]. */
  exemptValues?: readonly string[];
  /** Most events handed to the store in one burst (see BurstCoalescer), default 1000. */
  maxBurst?: number;
  /** Scheduler for the burst check, default setImmediate. */
  schedule?: (fn: () => void) => void;
}

export type EventBuild =
  | { ok: true; event: SubscriberEvent }
  | { ok: false; kind: 'rejected'; reason: string }
  | { ok: false; kind: 'unmapped'; reason: string; partial: Omit<SubscriberEvent, 'key' | 'dpid' | 'port'> }
  | { ok: false; kind: 'ignored_status'; reason: string };

const STATUS_KIND: ReadonlyMap<number, SubscriberEventKind> = new Map([
  [ACCT_STATUS_TYPE.START, 'start'],
  [ACCT_STATUS_TYPE.STOP, 'stop'],
  [ACCT_STATUS_TYPE.INTERIM_UPDATE, 'interim'],
  [ACCT_STATUS_TYPE.ACCOUNTING_ON, 'nas-on'],
  [ACCT_STATUS_TYPE.ACCOUNTING_OFF, 'nas-off'],
]);

export function mappingInputFrom(pkt: Pick<RadiusPacket, 'attributes'>, nas: string): MappingInput {
  const i: MappingInput = { nas };
  const nasIdentifier = getString(pkt, 'NAS-Identifier');
  if (nasIdentifier !== undefined) i.nasIdentifier = nasIdentifier;
  const nasIpAddress = getString(pkt, 'NAS-IP-Address');
  if (nasIpAddress !== undefined) i.nasIpAddress = nasIpAddress;
  const nasIpv6Address = getString(pkt, 'NAS-IPv6-Address');
  if (nasIpv6Address !== undefined) i.nasIpv6Address = nasIpv6Address;
  const nasPortId = getString(pkt, 'NAS-Port-Id');
  if (nasPortId !== undefined) i.nasPortId = nasPortId;
  const nasPort = getNumber(pkt, 'NAS-Port');
  if (nasPort !== undefined) i.nasPort = nasPort;
  const agentCircuitId = getAgentCircuitId(pkt);
  if (agentCircuitId !== undefined) i.agentCircuitId = agentCircuitId;
  return i;
}

/** NAS-Identifier, else NAS-IP-Address, else NAS-IPv6-Address. */
export function nasOf(pkt: Pick<RadiusPacket, 'attributes'>): string | undefined {
  return getString(pkt, 'NAS-Identifier') ?? getString(pkt, 'NAS-IP-Address') ?? getString(pkt, 'NAS-IPv6-Address');
}

/**
 * Pure: an Accounting-Request's attributes -> a subscriber event.
 * eventTime is Event-Timestamp; without it, arrival minus Acct-Delay-Time
 * (RFC 2866 section 5.2: the time the event happened), else arrival.
 */
export function eventFromAccounting(
  pkt: Pick<RadiusPacket, 'attributes'>,
  ctx: { mapper: PortMapper; lookup?: PortLookup; profileAttributes: string[]; exemptValues?: readonly string[]; receivedAt: number },
): EventBuild & { unknownProfile?: string } {
  const status = getNumber(pkt, 'Acct-Status-Type');
  if (status === undefined) return { ok: false, kind: 'rejected', reason: 'missing Acct-Status-Type' };
  const nas = nasOf(pkt);
  if (nas === undefined || (!findAttribute(pkt, 'NAS-IP-Address') && !findAttribute(pkt, 'NAS-Identifier'))) {
    return { ok: false, kind: 'rejected', reason: 'missing NAS-IP-Address and NAS-Identifier' };
  }
  const kind = STATUS_KIND.get(status);
  if (kind === undefined) return { ok: false, kind: 'ignored_status', reason: `Acct-Status-Type ${status} carries no attachment` };
  const sessionId = getString(pkt, 'Acct-Session-Id');
  if (sessionId === undefined && kind !== 'nas-on' && kind !== 'nas-off') return { ok: false, kind: 'rejected', reason: 'missing Acct-Session-Id' };
  const ts = getNumber(pkt, 'Event-Timestamp');
  const delay = getNumber(pkt, 'Acct-Delay-Time') ?? 0;
  const eventTime = ts !== undefined ? ts * 1000 : ctx.receivedAt - delay * 1000;
  const profValues: (string | undefined)[] = [];
  for (const n of ctx.profileAttributes) profValues.push(getString(pkt, n));
  const prof = profileFrom(profValues, ctx.exemptValues);
  const isNas = kind === 'nas-on' || kind === 'nas-off';
  const key = isNas ? undefined : ctx.mapper(mappingInputFrom(pkt, nas), ctx.lookup);
  // One object, fields always assigned in the same order (one hidden class; no spreads on the hot path).
  const event: SubscriberEvent = { kind, nas, sessionId: isNas ? '' : sessionId!, profile: prof.profile, eventTime, receivedAt: ctx.receivedAt };
  const user = getString(pkt, 'User-Name');
  if (user !== undefined) event.user = user;
  const framedIp = getString(pkt, 'Framed-IP-Address');
  if (framedIp !== undefined) event.framedIp = framedIp;
  const framedIpv6Prefix = getString(pkt, 'Framed-IPv6-Prefix');
  if (framedIpv6Prefix !== undefined) event.framedIpv6Prefix = framedIpv6Prefix;
  const delegatedIpv6Prefix = getString(pkt, 'Delegated-IPv6-Prefix');
  if (delegatedIpv6Prefix !== undefined) event.delegatedIpv6Prefix = delegatedIpv6Prefix;
  let out: EventBuild & { unknownProfile?: string };
  if (key === undefined) out = { ok: true, event };
  else if (isMappingError(key)) out = { ok: false, kind: 'unmapped', reason: key.error, partial: event };
  else {
    event.key = key;
    event.dpid = key.dpid;
    event.port = key.port;
    out = { ok: true, event };
  }
  if (prof.unknown !== undefined) out.unknownProfile = prof.unknown;
  return out;
}

/** Called with the store's decision when it is known before the commit, and the commit's promise. */
type OnEarly = (r: ApplyResult, durable: Promise<ApplyResult>) => void;

export class AccountingServer extends RadiusServerBase {
  /** eventFromAccounting's context, reused (receivedAt set per request; read synchronously). */
  private readonly ctx: { mapper: PortMapper; lookup?: PortLookup; profileAttributes: string[]; exemptValues?: readonly string[]; receivedAt: number };
  /** How an event reaches the store: at once, or through a BurstCoalescer (see the header, step 7). */
  private readonly handOver: (event: SubscriberEvent, early: OnEarly) => Promise<ApplyResult>;

  constructor(private readonly opts: AccountingServerOptions) {
    super(opts, { component: 'radius-acct', name: 'acct', port: 1813, label: 'RADIUS', codes: [CODE.ACCOUNTING_REQUEST, CODE.STATUS_SERVER], portName: 'accounting' });
    if (opts.store.commitsOffLoop) {
      this.handOver = (event, early) => this.record(event, early);
    } else {
      type Job = { event: SubscriberEvent; resolve: (r: ApplyResult) => void; reject: (e: unknown) => void; early: OnEarly };
      const coalescer = new BurstCoalescer<Job>((jobs) => {
        for (const j of jobs) {
          try {
            this.record(j.event, j.early).then(j.resolve, j.reject);
          } catch (e) {
            j.reject(e);
          }
        }
      }, opts.maxBurst ?? 1000, opts.schedule);
      this.handOver = (event, early) => new Promise<ApplyResult>((resolve, reject) => coalescer.push({ event, resolve, reject, early }));
    }
    this.ctx = { mapper: this.mapper, profileAttributes: opts.profileAttributes ?? ['Filter-Id', 'Class'], exemptValues: opts.exemptValues ?? DEFAULT_EXEMPT_VALUES, receivedAt: 0 };
    if (opts.portLookup) this.ctx.lookup = opts.portLookup;
  }

  /** Hand one event to the store; `early` gets the store's decision when it knows it before the commit. */
  private record(event: SubscriberEvent, early?: OnEarly): Promise<ApplyResult> {
    const store = this.opts.store;
    if (!store.recordEventEarly) return store.recordEvent(event);
    const rec = store.recordEventEarly(event);
    if (rec.early && early) early(rec.early, rec.durable);
    return rec.durable;
  }

  private reply(pkt: RadiusPacket, proxyState: [string, Buffer][], client: RadiusClient): Buffer {
    return encodePacket({ code: CODE.ACCOUNTING_RESPONSE, identifier: pkt.identifier, requestAuthenticator: pkt.authenticator, attributes: proxyState }, client.secret);
  }

  protected async handle(pkt: RadiusPacket, client: RadiusClient, peer: Peer): Promise<Buffer | undefined> {
    const proxyState = proxyStateOf(pkt);

    if (pkt.code === CODE.STATUS_SERVER) {
      this.count('status_server');
      return encodePacket({ code: CODE.ACCOUNTING_RESPONSE, identifier: pkt.identifier, requestAuthenticator: pkt.authenticator, attributes: proxyState, messageAuthenticator: true }, client.secret);
    }

    const admitted = this.admit(peer, pkt);
    if ('duplicate' in admitted) return admitted.reply;
    const dkey = admitted.key;
    const receivedAt = this.now();
    try {
      this.ctx.receivedAt = receivedAt;
      const built = eventFromAccounting(pkt, this.ctx);
      if (built.unknownProfile !== undefined) this.warn(`profile:${built.unknownProfile}`, 'unknown profile value, using default', { value: built.unknownProfile, client: client.name });
      if (!built.ok) {
        if (built.kind === 'rejected') {
          this.dedup.forget(dkey);
          this.count('rejected');
          this.warn(`rejected:${peer.address}`, `Accounting-Request rejected: ${built.reason}`, { code: 'RADIUS_ERR_MISSING_ATTRIBUTE', client: client.name, attributes: attributesForLog(pkt) });
          return undefined;
        }
        if (built.kind === 'ignored_status') {
          this.count('ignored_status');
          this.warn(`status:${peer.address}`, built.reason, { client: client.name, attributes: attributesForLog(pkt) });
        } else {
          const attrs = attributesForLog(pkt);
          this.warn(`unmapped:${built.partial.nas}`, `accounting event maps to no port: ${built.reason}`, { client: client.name, attributes: attrs });
          await this.opts.store.appendAudit({ actor: 'radius', action: 'radius-unmapped', subscriber: built.partial.user ?? built.partial.sessionId, reason: built.reason, after: { event: built.partial.kind, nas: built.partial.nas, sessionId: built.partial.sessionId, attributes: attrs }, at: receivedAt });
          this.count('unmapped');
        }
        const r = this.reply(pkt, proxyState, client);
        this.dedup.answer(dkey, r);
        return r;
      }
      let publishedEarly = false;
      const early = (er: ApplyResult, durable: Promise<ApplyResult>): void => {
        publishedEarly = true;
        this.publish(built.event, er, durable);
      };
      const result = await this.handOver(built.event, early);
      const r = this.reply(pkt, proxyState, client);
      this.dedup.answer(dkey, r);
      this.count(result.applied ? 'recorded' : 'ignored');
      if (!result.applied) this.log.info('accounting event not applied', { kind: built.event.kind, nas: built.event.nas, sessionId: built.event.sessionId, why: result.ignored });
      // Published after the reply is built; the reply itself is sent by the caller right after.
      if (publishedEarly) this.publishDurable(built.event);
      else this.publish(built.event, result);
      return r;
    } catch (e) {
      this.dedup.forget(dkey);
      if (e instanceof RadiusError) throw e;
      this.count('store_error');
      this.warn('store', 'could not record accounting event; not answering so the client retransmits', { error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }
}
