/**
 * openflow-ts: the OpenFlow 1.3 library (OpenFlow Switch Specification 1.3.5).
 *
 *   encode(msg) -> Buffer        decode(buf) -> msg (one whole message)
 *   new Framer().push(chunk)     -> whole raw messages from a byte stream
 *   flowMod({...})               -> a FlowMod with spec defaults
 *   buildMatch({ eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 }) -> canonical Match
 *
 * Pure functions over Buffer: no sockets, no file system.
 */

import type { FlowMod } from './types';
import { OFPFC_ADD, OFPG_ANY, OFPP_ANY, OFP_DEFAULT_PRIORITY, OFP_NO_BUFFER } from './constants';

export * from './types';
export * from './errors';
export * from './constants';
export { encode, encodeMany, decode, peekHeader } from './codec';
export {
  OFP_SWITCH_FEATURES_LEN, OFP_PORT_LEN, OFP_FLOW_MOD_LEN, OFP_FLOW_STATS_LEN,
  OFP_PACKET_IN_LEN, OFP_PACKET_OUT_LEN, OFP_FLOW_REMOVED_LEN, OFP_PORT_STATUS_LEN, OFP_MULTIPART_HEADER_LEN,
} from './codec';
export { Framer, type FramerOptions } from './framing';
export { buildMatch, checkPrerequisites, matchGet, type MatchSpec, type MatchSpecValue } from './match';
export { OXM_FIELDS, OXM_BY_NAME, oxmFieldInfo, type OxmFieldInfo, type OxmKind } from './oxm';
export {
  parseMac, formatMac, parseIpv4, formatIpv4, parseIpv6, formatIpv6, normalizeIpv6, isMac, isIpv4, isIpv6,
} from './addr';

/**
 * A FLOW_MOD with the spec's defaults for what is not given: xid 0, cookie 0n,
 * cookie_mask 0n, table_id 0, OFPFC_ADD, no timeouts, priority 0x8000
 * (OFP_DEFAULT_PRIORITY), OFP_NO_BUFFER, out_port OFPP_ANY, out_group
 * OFPG_ANY, flags 0, empty match, no instructions (drop).
 */
export function flowMod(fields: Partial<Omit<FlowMod, 'type'>> = {}): FlowMod {
  return {
    type: 'FLOW_MOD',
    xid: fields.xid ?? 0,
    cookie: fields.cookie ?? 0n,
    cookie_mask: fields.cookie_mask ?? 0n,
    table_id: fields.table_id ?? 0,
    command: fields.command ?? OFPFC_ADD,
    idle_timeout: fields.idle_timeout ?? 0,
    hard_timeout: fields.hard_timeout ?? 0,
    priority: fields.priority ?? OFP_DEFAULT_PRIORITY,
    buffer_id: fields.buffer_id ?? OFP_NO_BUFFER,
    out_port: fields.out_port ?? OFPP_ANY,
    out_group: fields.out_group ?? OFPG_ANY,
    flags: fields.flags ?? 0,
    match: fields.match ?? [],
    instructions: fields.instructions ?? [],
  };
}
