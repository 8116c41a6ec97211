/**
 * What the NOC REST API needs from the running controller. The controller
 * (src/app/controller.ts) implements it; API tests use a fake. Keeping the
 * API behind this interface lets it be tested without switches or RADIUS.
 */
import type { Dpid, FlowStats } from '../openflow/types';
import type { Datapath, FlowModInput } from '../switch/types';
import type { Override, PortKey, Session } from '../policy/types';
import type { AuditEntry, AuditQuery, SessionRecord } from '../store/types';
import type { Config } from '../app/config';

export interface SwitchInfo {
  dpid: Dpid;
  name?: string;
  connected: boolean;
  peer?: string;
  /** Number of ports in the live port list (0 when not connected). */
  ports: number;
  /** Subscriber ports the config assigns to this switch. */
  subscriberPorts: number;
}

/** Why a port is in the state it is: the first that applies wins. */
export type PolicyReason = 'override' | 'session-profile' | 'session' | 'default';

export interface PortView {
  key: PortKey;
  name?: string;
  /** 'blocked' | 'allowed' (exempt) | 'quarantined-smtp' | 'quarantined-all' | 'uplink' */
  effective: 'blocked' | 'allowed' | 'quarantined-smtp' | 'quarantined-all' | 'uplink';
  reason: PolicyReason;
  session?: Session;
  override?: Override;
}

/** A change of flows, as planned or as applied (barrier-confirmed). */
export interface FlowChange {
  adds: FlowModInput[];
  deletes: FlowModInput[];
}

export interface OverrideRequest {
  /** undefined clears the override. */
  override: Override | undefined;
  actor: string;
  reason: string;
  ticket?: string;
}

export interface NocBackend {
  switches(): SwitchInfo[];
  datapath(dpid: Dpid): Datapath | undefined;
  ports(dpid?: Dpid): Promise<PortView[]>;
  port(key: PortKey): Promise<PortView | undefined>;
  sessions(filter?: { key?: PortKey; nas?: string }): Promise<Session[]>;
  audit(q: AuditQuery): Promise<AuditEntry[]>;
  whois(address: string, at: number): Promise<SessionRecord[]>;
  /** Apply (or clear) a NOC override; resolves once the switch confirmed it with a barrier (`confirmed`), or once recorded when the switch is not connected (`confirmed: false`). */
  setOverride(key: PortKey, req: OverrideRequest): Promise<{ confirmed: boolean; change: FlowChange }>;
  /** What setOverride would change, without applying it. */
  planOverride(key: PortKey, override: Override | undefined): Promise<FlowChange>;
  /** What reloading with `cfg` would change on every connected switch, without applying it. */
  planConfig(cfg: Config): Promise<{ dpid: Dpid; name?: string; change: FlowChange }[]>;
  /** Reconcile one switch now (e.g. after an ofctl_rest delete touched OP25B flows); returns what was repaired. */
  reconcileNow(dpid: Dpid): Promise<FlowChange>;
  /** True for cookies in the OP25B namespace. */
  isOp25bCookie(cookie: bigint): boolean;
  /** Current OP25B flows on a switch, from the switch. */
  op25bFlows(dpid: Dpid): Promise<FlowStats[]>;
}
