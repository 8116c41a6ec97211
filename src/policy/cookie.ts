/**
 * The OP25B cookie namespace (DESIGN.md "Flow model"). Every flow the
 * controller owns carries a cookie that says whose it is, which rule, and
 * which attachment point it serves, so the controller can dump, diff and
 * delete exactly its own flows with a cookie/cookie_mask filter (spec 7.3.4.1,
 * 7.3.5.2) and never touch another application's.
 *
 * | bits  | width | field                                             |
 * |-------|-------|---------------------------------------------------|
 * | 63-48 | 16    | application tag 0x0B25                            |
 * | 47-44 | 4     | rule kind (COOKIE_KIND)                           |
 * | 43-32 | 12    | C-VLAN id of a VLAN attachment point, else 0      |
 * | 31-0  | 32    | port number (0 for switch-wide rules)             |
 *
 * Several flows share one cookie (the IPv4 and IPv6 drop flows of a port,
 * one MTA flow per MTA): flows are told apart by (table, priority, match).
 */
import type { PortKey, RuleKind } from './types';

export const OP25B_APP_TAG = 0x0b25n;
/** Value and mask selecting every OP25B flow. */
export const OP25B_COOKIE = OP25B_APP_TAG << 48n;
export const OP25B_COOKIE_MASK = 0xffffn << 48n;

const KIND_SHIFT = 44n;
const VLAN_SHIFT = 32n;
const KIND_MASK = 0xfn << KIND_SHIFT;
const VLAN_MASK = 0xfffn << VLAN_SHIFT;
const PORT_MASK = 0xffffffffn;

/** 4-bit rule kind codes. 0 is never used, so a zero kind field means "not ours / corrupt". */
export const COOKIE_KIND: Readonly<Record<RuleKind, number>> = {
  'quarantine': 1,
  'mta-allow': 2,
  'block': 3,
  'exempt-allow': 4,
  'safety-net': 5,
  'uplink': 6,
  'table-miss': 7,
};

const KIND_BY_CODE = new Map<number, RuleKind>(
  (Object.entries(COOKIE_KIND) as [RuleKind, number][]).map(([k, v]) => [v, k]),
);

/** Selects every flow of one port, whatever its kind or VLAN: tag | port. */
export const PORT_COOKIE_MASK = OP25B_COOKIE_MASK | PORT_MASK;
/** Selects the flows of one attachment point (port and VLAN, or port without VLAN), any kind: tag | VLAN | port. */
export const ATTACHMENT_COOKIE_MASK = OP25B_COOKIE_MASK | VLAN_MASK | PORT_MASK;
/** Selects one rule kind of one attachment point: the whole cookie. */
export const EXACT_COOKIE_MASK = 0xffffffffffffffffn;
/** Selects one rule kind across the switch: tag | kind. */
export const KIND_COOKIE_MASK = OP25B_COOKIE_MASK | KIND_MASK;

/**
 * The cookie of a rule. `key` (port and optional VLAN) is absent for
 * switch-wide rules (safety net, table-miss); uplink rules pass { port }.
 */
export function cookieFor(kind: RuleKind, key?: { port: number; vlan?: number }): bigint {
  const port = key?.port ?? 0;
  const vlan = key?.vlan ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 0xffffffff) throw new RangeError(`cookie: port ${port} is not a 32-bit port number`);
  if (!Number.isInteger(vlan) || vlan < 0 || vlan > 0xfff) throw new RangeError(`cookie: VLAN ${vlan} is not a 12-bit VLAN id`);
  return OP25B_COOKIE | (BigInt(COOKIE_KIND[kind]) << KIND_SHIFT) | (BigInt(vlan) << VLAN_SHIFT) | BigInt(port);
}

export interface DecodedCookie {
  kind: RuleKind;
  /** 0 for switch-wide rules. */
  port: number;
  /** Present for a VLAN attachment point. */
  vlan?: number;
}

/** True when the cookie is in the OP25B namespace. */
export function isOp25bCookie(c: bigint): boolean {
  return (c & OP25B_COOKIE_MASK) === OP25B_COOKIE;
}

/** Decode an OP25B cookie; undefined for a cookie outside the namespace or with an unknown kind. */
export function decodeCookie(c: bigint): DecodedCookie | undefined {
  if (!isOp25bCookie(c)) return undefined;
  const kind = KIND_BY_CODE.get(Number((c & KIND_MASK) >> KIND_SHIFT));
  if (kind === undefined) return undefined;
  const vlan = Number((c & VLAN_MASK) >> VLAN_SHIFT);
  const port = Number(c & PORT_MASK);
  return vlan === 0 ? { kind, port } : { kind, port, vlan };
}

/** The attachment point a decoded cookie serves, for the given datapath; undefined for switch-wide rules. */
export function cookiePortKey(dpid: bigint, c: bigint): PortKey | undefined {
  const d = decodeCookie(c);
  if (!d || d.port === 0) return undefined;
  return d.vlan === undefined ? { dpid, port: d.port } : { dpid, port: d.port, vlan: d.vlan };
}

/** cookie/cookie_mask selecting every OP25B flow of one port (all kinds, all its VLANs). */
export function portCookieFilter(port: number): { cookie: bigint; cookie_mask: bigint } {
  return { cookie: OP25B_COOKIE | BigInt(port), cookie_mask: PORT_COOKIE_MASK };
}

/**
 * cookie/cookie_mask selecting every OP25B flow of one attachment point (all
 * kinds). For a whole-port key this selects only the flows without VLAN.
 */
export function attachmentCookieFilter(key: { port: number; vlan?: number }): { cookie: bigint; cookie_mask: bigint } {
  return { cookie: OP25B_COOKIE | (BigInt(key.vlan ?? 0) << VLAN_SHIFT) | BigInt(key.port), cookie_mask: ATTACHMENT_COOKIE_MASK };
}

/** cookie/cookie_mask selecting every OP25B flow of the switch. */
export function allCookieFilter(): { cookie: bigint; cookie_mask: bigint } {
  return { cookie: OP25B_COOKIE, cookie_mask: OP25B_COOKIE_MASK };
}

/** "0b25:block:3.101" — for logs. */
export function describeCookie(c: bigint): string {
  const d = decodeCookie(c);
  if (!d) return `0x${c.toString(16).padStart(16, '0')}`;
  return `op25b:${d.kind}:${d.port}${d.vlan === undefined ? '' : `.${d.vlan}`}`;
}
