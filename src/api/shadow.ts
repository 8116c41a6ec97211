/**
 * Would a flow written through ofctl_rest let traffic past an OP25B drop?
 *
 * A flow F shadows an OP25B drop D (per-port block or quarantine) when it
 * sits in the same table at a higher priority, forwards (its instructions
 * are not a drop), and some packet matches both: for every field both
 * matches constrain, the values agree under both masks. Such a flow is
 * refused; the reconciler cannot repair it, since it is not OP25B's flow.
 *
 * Switch-wide OP25B rules (the safety net at 1000) are not guarded: a
 * subscriber port with its own rules never relies on them, and uplink
 * forwarding from other applications sits above them by design.
 */
import type { FlowStats, Instruction, Match, OxmEntry } from '../openflow/types';
import { oxmFieldInfo } from '../openflow/oxm';
import { parseIpv4, parseIpv6, parseMac } from '../openflow/addr';

function toBig(field: string, v: number | bigint | string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  const kind = oxmFieldInfo(field as Parameters<typeof oxmFieldInfo>[0])?.kind;
  if (kind === 'ipv4') return BigInt(parseIpv4(v) >>> 0);
  if (kind === 'ipv6') return BigInt('0x' + parseIpv6(v).toString('hex'));
  if (kind === 'mac') return BigInt('0x' + parseMac(v).toString('hex'));
  return 0n;
}

function widthMask(field: string): bigint {
  const fi = oxmFieldInfo(field as Parameters<typeof oxmFieldInfo>[0]);
  return fi ? (1n << BigInt(fi.width * 8)) - 1n : (1n << 128n) - 1n;
}

/** True when some packet can match both. Opaque (unknown) fields are assumed to overlap. */
export function matchesOverlap(a: Match, b: Match): boolean {
  const bm = new Map<string, OxmEntry>();
  for (const e of b) if (e.field !== 'opaque') bm.set(e.field, e);
  for (const ea of a) {
    if (ea.field === 'opaque') continue;
    const eb = bm.get(ea.field);
    if (!eb || eb.field === 'opaque') continue;
    const full = widthMask(ea.field);
    const ma = ea.mask === undefined ? full : toBig(ea.field, ea.mask);
    const mb = eb.mask === undefined ? full : toBig(eb.field, eb.mask);
    const m = ma & mb;
    if ((toBig(ea.field, ea.value) & m) !== (toBig(eb.field, eb.value) & m)) return false;
  }
  return true;
}

/** Instructions that send the packet on (a goto, or an output/group action); an empty list is a drop. */
export function forwards(ins: readonly Instruction[]): boolean {
  for (const i of ins) {
    if (i.type === 'GOTO_TABLE') return true;
    if ((i.type === 'APPLY_ACTIONS' || i.type === 'WRITE_ACTIONS') && i.actions.some((a) => a.type === 'OUTPUT' || a.type === 'GROUP')) return true;
  }
  return false;
}

export interface ShadowHit {
  /** The OP25B drop flow that would be bypassed. */
  drop: FlowStats;
}

/**
 * The first OP25B drop `flow` would shadow, if any. `drops` are the switch's
 * OP25B per-port drop flows (block and quarantine).
 */
export function shadowedDrop(flow: { table_id: number; priority: number; match: Match; instructions: readonly Instruction[] }, drops: readonly FlowStats[]): ShadowHit | undefined {
  if (!forwards(flow.instructions)) return undefined;
  for (const d of drops) {
    if (d.table_id !== flow.table_id || flow.priority <= d.priority) continue;
    if (forwards(d.instructions)) continue;
    if (matchesOverlap(flow.match, d.match)) return { drop: d };
  }
  return undefined;
}
