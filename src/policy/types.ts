/**
 * Shared vocabulary of the OP25B core: attachment points, subscriber profiles,
 * NOC overrides and the state of one port that the policy turns into flows.
 */

/**
 * An attachment point: (dpid, port) or (dpid, port, VLAN) where one physical
 * port carries many subscribers on 1:1 C-VLANs (TR-101).
 */
export interface PortKey {
  dpid: bigint;
  port: number;
  /** C-VLAN id (1-4094) for a VLAN attachment point; absent for a whole port. */
  vlan?: number;
}

// The last dpid's hex text: a key string is built several times per
// subscriber event, and a controller has few switches (bigint -> hex is not free).
let lastDpid: bigint | undefined;
let lastDpidHex = '';
let lastDpidText = '';
let lastDpidParsed = 0n;

/** Canonical string form: "0000000000000001:3" or "0000000000000001:3.101". Stable, sortable, usable as a map key. */
export function portKeyString(k: PortKey): string {
  let d: string;
  if (k.dpid === lastDpid) d = lastDpidHex;
  else { d = k.dpid.toString(16).padStart(16, '0'); lastDpid = k.dpid; lastDpidHex = d; }
  return k.vlan === undefined ? `${d}:${k.port}` : `${d}:${k.port}.${k.vlan}`;
}

export function parsePortKey(s: string): PortKey {
  // Fast path: the canonical form portKeyString writes (16 lower-case hex digits, ':', decimal port).
  if (s.length > 17 && s.length <= 28 && s.charCodeAt(16) === 58 /* ':' */) {
    const dp = s.slice(0, 16);
    let port = 0; let vlan = -1; let ok = true;
    for (let i = 17; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) { if (vlan < 0) port = port * 10 + (c - 48); else vlan = vlan * 10 + (c - 48); }
      else if (c === 46 /* '.' */ && vlan < 0 && i > 17 && i < s.length - 1) vlan = 0;
      else { ok = false; break; }
    }
    if (ok && /^[0-9a-f]{16}$/.test(dp)) {
      if (dp !== lastDpidText) { lastDpidParsed = BigInt('0x' + dp); lastDpidText = dp; }
      const key: PortKey = { dpid: lastDpidParsed, port };
      if (vlan >= 0) key.vlan = vlan;
      return key;
    }
  }
  const m = /^([0-9a-fA-F]{1,16}):(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`not a port key: ${JSON.stringify(s)} (expected DPIDHEX:PORT or DPIDHEX:PORT.VLAN)`);
  const key: PortKey = { dpid: BigInt('0x' + m[1]), port: Number(m[2]) };
  if (m[3] !== undefined) key.vlan = Number(m[3]);
  return key;
}

/** Subscriber profile from RADIUS: 'exempt' gets the allow flow, 'default' the port's default policy. */
export type Profile = 'default' | 'exempt';

/** A NOC override on one port. */
export type OverrideKind = 'quarantine-smtp' | 'quarantine-all' | 'exempt';

export interface Override {
  kind: OverrideKind;
  actor: string;
  reason: string;
  ticket?: string;
  /** ms since epoch; absent = until cleared. */
  expiresAt?: number;
  createdAt: number;
}

/** Who a RADIUS session is and where: what both a live session and its history row carry. */
export interface SessionIdentity {
  nas: string;
  sessionId: string;
  key: PortKey;
  user?: string;
  framedIp?: string;
  framedIpv6Prefix?: string;
  delegatedIpv6Prefix?: string;
}

/** The session bound to a port, as the store keeps it. */
export interface Session extends SessionIdentity {
  profile: Profile;
  /** Event-Timestamp of the Start (or arrival time when absent), ms since epoch. */
  startedAt: number;
  /** Event time of the newest event applied to this session (Start or Interim). */
  updatedAt: number;
}

/** Everything the policy needs to know about one port. */
export interface PortState {
  key: PortKey;
  session?: Session;
  override?: Override;
}

/** Rule kinds of the flow model (DESIGN.md); encoded in the cookie's 4-bit kind field. */
export type RuleKind =
  | 'quarantine'    // 40000: NOC quarantine of a port (smtp-only or all)
  | 'mta-allow'     // 30000: MTA whitelist
  | 'block'         // 20000: OP25B drop
  | 'exempt-allow'  // 20000: explicit allow for an exempt subscriber
  | 'safety-net'    // 1000: switch-wide block for ports with no session yet
  | 'uplink'        // 1001: uplinks / trunks never blocked
  | 'table-miss';   // 0: everything else continues (goto_table N, or output NORMAL in a standalone lab)

/**
 * One flow the policy wants on a switch. Identity for diffing is
 * (table_id, priority, match, cookie); instructions are compared for equality.
 */
export interface DesiredFlow {
  table_id: number;
  priority: number;
  cookie: bigint;
  match: import('../openflow/types').Match;
  instructions: import('../openflow/types').Instruction[];
  rule: RuleKind;
  /** The attachment point it serves; absent for switch-wide rules. */
  key?: PortKey;
}
