/**
 * RFC 5176 Dynamic Authorization server (default UDP 3799): the NOC changes a
 * port's policy, or ends a session, with standard tools (radclient coa /
 * disconnect, a RADIUS server's originate-coa).
 *
 * Identification: Acct-Session-Id, User-Name, Framed-IP-Address (a session;
 * all given must match one open session) and/or NAS-Port-Id (a port, through
 * the accounting port mapping, with NAS-Identifier / NAS-IP-Address as the
 * NAS). NAS-IP-Address / NAS-Identifier / NAS-IPv6-Address are accepted and
 * used only for the port mapping.
 *
 * CoA-Request: Filter-Id selects the action:
 *   op25b-quarantine      -> 'quarantine-smtp' (the port's SMTP is quarantined, other traffic flows)
 *   op25b-quarantine-all  -> 'quarantine-all'
 *   op25b-exempt          -> 'exempt'
 *   op25b-default         -> 'default' (the override is cleared)
 * The injected CoaHandler applies it and resolves once the switch confirmed
 * (barrier); then CoA-ACK.
 * Disconnect-Request: every matched session is ended by a 'stop' event
 * recorded in the store (exactly what an accounting Stop does) and published
 * on events$; then handler.disconnect (if any); then Disconnect-ACK.
 *
 * Error-Cause in NAKs (RFC 5176 section 3.5):
 *   401 Unsupported-Attribute   an attribute we do not act on (e.g. Filter-Id in a Disconnect-Request, any VSA)
 *   402 Missing-Attribute       no identification attribute, or CoA without Filter-Id
 *   404 Invalid-Request         more than one Filter-Id
 *   407 Invalid-Attribute-Value Filter-Id not one of the four values
 *   503 Session-Context-Not-Found  nothing matches (or the NAS-Port-Id maps to no port)
 *   506 Resources-Unavailable   the handler or the store failed
 * A bad authenticator, unknown client or malformed datagram gets no reply.
 */
import type { PortKey, Session } from '../policy/types';
import { portKeyString } from '../policy/types';
import type { Store } from '../store/types';
import type { SubscriberEvent } from './events';
import { attributesForLog, encodePacket, getNumber, getString, type RadiusPacket } from './codec';
import { CODE, ERROR_CAUSE } from './dictionary';
import type { RadiusClient } from './clients';
import { isMappingError } from './mapping';
import { mappingInputFrom, nasOf } from './accounting';
import type { Peer } from './udp';
import { proxyStateOf, RadiusServerBase, type RadiusServerOptions } from './server-base';

export type CoaAction = 'quarantine-smtp' | 'quarantine-all' | 'exempt' | 'default';

export const COA_FILTER_IDS: Readonly<Record<string, CoaAction>> = {
  'op25b-quarantine': 'quarantine-smtp',
  'op25b-quarantine-all': 'quarantine-all',
  'op25b-exempt': 'exempt',
  'op25b-default': 'default',
};

/** What a request designates: a port, and the open session on it when the request named one. */
export interface CoaTarget {
  key: PortKey;
  session?: Session;
}

export interface CoaMeta {
  /** 'radius-coa:<client name>' for the audit trail. */
  actor: string;
  /** Human-readable reason (request code and identifying attributes). */
  reason: string;
  /** The request's attributes as logged. */
  attributes: Record<string, string | number>;
  receivedAt: number;
}

export type CoaResult = { ok: true } | { ok: false; errorCause: number };

/** Implemented by the application. */
export interface CoaHandler {
  /** Set ('default': clear) the port's override; resolve once the switch confirmed it (barrier). */
  applyOverride(target: CoaTarget, action: CoaAction, meta: CoaMeta): Promise<CoaResult>;
  /** Optional extra work after a session was ended by a Disconnect-Request (its 'stop' event is already recorded and published). */
  disconnect?(target: CoaTarget, meta: CoaMeta): Promise<CoaResult>;
}

/** `name` (metric label `server`) defaults to 'coa', `port` to 3799; `mapping` resolves NAS-Port-Id to a port. */
export interface CoaServerOptions extends RadiusServerOptions {
  store: Store;
  handler: CoaHandler;
}

const IDENTIFYING = ['Acct-Session-Id', 'User-Name', 'Framed-IP-Address', 'NAS-Port-Id'] as const;
const ALLOWED = new Set<string>([
  ...IDENTIFYING, 'NAS-IP-Address', 'NAS-Identifier', 'NAS-IPv6-Address', 'NAS-Port',
  'Filter-Id', 'Event-Timestamp', 'Message-Authenticator', 'Proxy-State', 'Acct-Multi-Session-Id', 'Calling-Station-Id',
]);

class Nak {
  constructor(readonly cause: number, readonly why: string) {}
}

export class CoaServer extends RadiusServerBase {
  constructor(private readonly opts: CoaServerOptions) {
    super(opts, { component: 'radius-coa', name: 'coa', port: 3799, label: 'CoA', codes: [CODE.COA_REQUEST, CODE.DISCONNECT_REQUEST], portName: 'CoA' });
  }

  protected async handle(pkt: RadiusPacket, client: RadiusClient, peer: Peer): Promise<Buffer | undefined> {
    const admitted = this.admit(peer, pkt);
    if ('duplicate' in admitted) return admitted.reply;
    const dkey = admitted.key;
    const isCoa = pkt.code === CODE.COA_REQUEST;
    const proxyState = proxyStateOf(pkt);
    const attrs = attributesForLog(pkt);
    const meta: CoaMeta = { actor: `radius-coa:${client.name}`, reason: '', attributes: attrs, receivedAt: this.now() };
    let reply: Buffer;
    try {
      await this.execute(pkt, isCoa, meta);
      reply = encodePacket({ code: isCoa ? CODE.COA_ACK : CODE.DISCONNECT_ACK, identifier: pkt.identifier, requestAuthenticator: pkt.authenticator, attributes: proxyState }, client.secret);
      this.count('ack');
      this.log.info(`${isCoa ? 'CoA' : 'Disconnect'} acknowledged`, { client: client.name, attributes: attrs });
    } catch (e) {
      if (!(e instanceof Nak)) throw e;
      reply = encodePacket({ code: isCoa ? CODE.COA_NAK : CODE.DISCONNECT_NAK, identifier: pkt.identifier, requestAuthenticator: pkt.authenticator, attributes: [['Error-Cause', e.cause], ...proxyState] }, client.secret);
      this.count('nak');
      this.warn(`nak:${peer.address}`, `${isCoa ? 'CoA' : 'Disconnect'} refused: ${e.why}`, { errorCause: e.cause, client: client.name, attributes: attrs });
    }
    this.dedup.answer(dkey, reply);
    return reply;
  }

  /** Throws Nak to refuse. */
  private async execute(pkt: RadiusPacket, isCoa: boolean, meta: CoaMeta): Promise<void> {
    for (const a of pkt.attributes) {
      if (!ALLOWED.has(a.name)) throw new Nak(ERROR_CAUSE.UNSUPPORTED_ATTRIBUTE, `unsupported attribute ${a.name}`);
      if (!isCoa && a.name === 'Filter-Id') throw new Nak(ERROR_CAUSE.UNSUPPORTED_ATTRIBUTE, 'Filter-Id in a Disconnect-Request');
    }
    let action: CoaAction | undefined;
    if (isCoa) {
      const filters = pkt.attributes.filter((a) => a.name === 'Filter-Id');
      if (filters.length === 0) throw new Nak(ERROR_CAUSE.MISSING_ATTRIBUTE, 'CoA-Request without Filter-Id');
      if (filters.length > 1) throw new Nak(ERROR_CAUSE.INVALID_REQUEST, 'more than one Filter-Id');
      const v = String(filters[0]!.value);
      action = COA_FILTER_IDS[v];
      if (!action) throw new Nak(ERROR_CAUSE.INVALID_ATTRIBUTE_VALUE, `Filter-Id ${JSON.stringify(v)} is not one of ${Object.keys(COA_FILTER_IDS).join(', ')}`);
    }
    if (!IDENTIFYING.some((n) => getString(pkt, n) !== undefined)) throw new Nak(ERROR_CAUSE.MISSING_ATTRIBUTE, `no identification attribute (${IDENTIFYING.join(', ')})`);
    const targets = await this.resolve(pkt, isCoa);
    meta.reason = `${isCoa ? `CoA ${action}` : 'Disconnect'} for ${IDENTIFYING.map((n) => [n, getString(pkt, n)]).filter(([, v]) => v !== undefined).map(([n, v]) => `${n}=${v}`).join(' ')}`;
    for (const t of targets) {
      let r: CoaResult;
      try {
        if (isCoa) r = await this.opts.handler.applyOverride(t, action!, meta);
        else {
          await this.endSession(t.session!, pkt, meta);
          r = this.opts.handler.disconnect ? await this.opts.handler.disconnect(t, meta) : { ok: true };
        }
      } catch (e) {
        throw new Nak(ERROR_CAUSE.RESOURCES_UNAVAILABLE, `failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!r.ok) throw new Nak(r.errorCause, `handler refused with Error-Cause ${r.errorCause}`);
    }
  }

  private async resolve(pkt: RadiusPacket, isCoa: boolean): Promise<CoaTarget[]> {
    const sessionId = getString(pkt, 'Acct-Session-Id');
    const user = getString(pkt, 'User-Name');
    const framedIp = getString(pkt, 'Framed-IP-Address');
    let key: PortKey | undefined;
    if (getString(pkt, 'NAS-Port-Id') !== undefined) {
      const k = this.mapper(mappingInputFrom(pkt, nasOf(pkt) ?? ''), this.opts.portLookup);
      if (isMappingError(k)) throw new Nak(ERROR_CAUSE.SESSION_CONTEXT_NOT_FOUND, `NAS-Port-Id maps to no port: ${k.error}`);
      key = k;
    }
    let sessions: Session[];
    try {
      sessions = await this.opts.store.sessions(key ? { key } : undefined);
    } catch (e) {
      throw new Nak(ERROR_CAUSE.RESOURCES_UNAVAILABLE, `store: ${e instanceof Error ? e.message : String(e)}`);
    }
    const bySession = sessionId !== undefined || user !== undefined || framedIp !== undefined;
    const matched = sessions.filter((s) =>
      (sessionId === undefined || s.sessionId === sessionId) && (user === undefined || s.user === user) && (framedIp === undefined || s.framedIp === framedIp));
    if (bySession || !isCoa) {
      if (matched.length === 0) throw new Nak(ERROR_CAUSE.SESSION_CONTEXT_NOT_FOUND, 'no open session matches');
      const seen = new Set<string>();
      return matched.filter((s) => { const k = portKeyString(s.key) + '|' + s.nas + '|' + s.sessionId; if (seen.has(k)) return false; seen.add(k); return true; })
        .map((s) => ({ key: s.key, session: s }));
    }
    // CoA for a port: the override applies to the port whether or not a session is open on it.
    const t: CoaTarget = { key: key! };
    if (matched[0]) t.session = matched[0];
    return [t];
  }

  private async endSession(s: Session, pkt: RadiusPacket, meta: CoaMeta): Promise<void> {
    const ts = getNumber(pkt, 'Event-Timestamp');
    const ev: SubscriberEvent = {
      kind: 'stop', nas: s.nas, sessionId: s.sessionId, key: s.key, dpid: s.key.dpid, port: s.key.port, profile: s.profile,
      eventTime: ts !== undefined ? ts * 1000 : meta.receivedAt, receivedAt: meta.receivedAt,
    };
    if (s.user !== undefined) ev.user = s.user;
    if (s.framedIp !== undefined) ev.framedIp = s.framedIp;
    if (s.framedIpv6Prefix !== undefined) ev.framedIpv6Prefix = s.framedIpv6Prefix;
    if (s.delegatedIpv6Prefix !== undefined) ev.delegatedIpv6Prefix = s.delegatedIpv6Prefix;
    const result = await this.opts.store.recordEvent(ev);
    this.publish(ev, result);
  }
}
