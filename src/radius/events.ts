/**
 * The typed subscriber event that RADIUS accounting (and CoA/Disconnect)
 * produce for the rest of the product.
 */
import type { PortKey, Profile } from '../policy/types';

export type SubscriberEventKind =
  /** Acct-Status-Type Start (1): a session is bound to a port. */
  | 'start'
  /** Interim-Update (3): refreshes the session (address may change). */
  | 'interim'
  /** Stop (2), or a Disconnect-Request: the port returns to its default. */
  | 'stop'
  /** Accounting-On (7) / Accounting-Off (8): every session of the NAS ends. */
  | 'nas-on'
  | 'nas-off';

export interface SubscriberEvent {
  kind: SubscriberEventKind;
  /** NAS-Identifier, else NAS-IP-Address. */
  nas: string;
  /** Acct-Session-Id; empty for nas-on / nas-off. */
  sessionId: string;
  /** Attachment point from the port mapping; absent for nas-on / nas-off. */
  key?: PortKey;
  /** Convenience copies of key.dpid / key.port (the event shape). */
  dpid?: bigint;
  port?: number;
  user?: string;
  framedIp?: string;
  framedIpv6Prefix?: string;
  delegatedIpv6Prefix?: string;
  profile: Profile;
  /** Event-Timestamp (ms since epoch) when present, else receivedAt. */
  eventTime: number;
  /** When the controller received it (ms since epoch, injected clock). */
  receivedAt: number;
}
