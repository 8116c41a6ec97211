/**
 * The OpenFlow 1.3 message model (OpenFlow Switch Specification 1.3.5).
 *
 * Messages are plain values: a tagged union on `type` (the spec's OFPT_ name
 * without the prefix), with field names as Ryu spells them (`table_id`,
 * `cookie_mask`, `out_port`), so Ryu's JSON form is close to an identity map.
 *
 * Value conventions
 * - 64-bit fields (cookie, cookie_mask, datapath_id, metadata, tunnel_id,
 *   packet/byte counters) are `bigint`: exact everywhere, JSON included.
 * - 8/16/32-bit fields are `number`.
 * - MAC addresses are "aa:bb:cc:dd:ee:ff"; IPv4 "192.0.2.1"; IPv6 in RFC 5952
 *   compressed form as Ryu prints it ("2001:db8::1", "::ffff:192.0.2.1").
 * - Lengths and padding never appear: the encoder computes them.
 * - Anything the library does not model (unknown message types, OXM classes,
 *   actions, instructions, multipart types, experimenter payloads) is kept as
 *   opaque bytes and re-encoded unchanged.
 */

export const OFP_VERSION = 0x04;

/** Datapath id: 64 bits, exact. */
export type Dpid = bigint;

// ---------------------------------------------------------------------------
// OXM / match (spec 7.2.3)

/** OXM basic-class field names, as Ryu spells them. */
export type OxmFieldName =
  | 'in_port' | 'in_phy_port' | 'metadata'
  | 'eth_dst' | 'eth_src' | 'eth_type'
  | 'vlan_vid' | 'vlan_pcp'
  | 'ip_dscp' | 'ip_ecn' | 'ip_proto'
  | 'ipv4_src' | 'ipv4_dst'
  | 'tcp_src' | 'tcp_dst' | 'udp_src' | 'udp_dst' | 'sctp_src' | 'sctp_dst'
  | 'icmpv4_type' | 'icmpv4_code'
  | 'arp_op' | 'arp_spa' | 'arp_tpa' | 'arp_sha' | 'arp_tha'
  | 'ipv6_src' | 'ipv6_dst' | 'ipv6_flabel'
  | 'icmpv6_type' | 'icmpv6_code'
  | 'ipv6_nd_target' | 'ipv6_nd_sll' | 'ipv6_nd_tll'
  | 'mpls_label' | 'mpls_tc' | 'mpls_bos'
  | 'pbb_isid' | 'tunnel_id' | 'ipv6_exthdr';

/** A field value: number (<= 32 bits), bigint (metadata, tunnel_id), string (MAC, IPv4, IPv6). */
export type OxmValue = number | bigint | string;

/** One OXM TLV of the basic class (0x8000). `mask` only where the spec allows one. */
export interface OxmTlv {
  field: OxmFieldName;
  value: OxmValue;
  mask?: OxmValue;
}

/** An OXM TLV the library does not model (another class, experimenter): kept as bytes. */
export interface OxmOpaque {
  field: 'opaque';
  oxm_class: number;
  oxm_field: number;
  has_mask: boolean;
  /** The TLV's payload (value, then mask if has_mask); for 0xffff the experimenter id first. */
  data: Buffer;
}

export type OxmEntry = OxmTlv | OxmOpaque;

/** OFPMT_OXM match: the TLVs in wire order. Build one with `buildMatch` to get prerequisites checked and canonical order. */
export type Match = OxmEntry[];

// ---------------------------------------------------------------------------
// Actions (spec 7.2.5)

export type Action =
  | { type: 'OUTPUT'; port: number; max_len: number }
  | { type: 'COPY_TTL_OUT' }
  | { type: 'COPY_TTL_IN' }
  | { type: 'SET_MPLS_TTL'; mpls_ttl: number }
  | { type: 'DEC_MPLS_TTL' }
  | { type: 'PUSH_VLAN'; ethertype: number }
  | { type: 'POP_VLAN' }
  | { type: 'PUSH_MPLS'; ethertype: number }
  | { type: 'POP_MPLS'; ethertype: number }
  | { type: 'SET_QUEUE'; queue_id: number }
  | { type: 'GROUP'; group_id: number }
  | { type: 'SET_NW_TTL'; nw_ttl: number }
  | { type: 'DEC_NW_TTL' }
  | { type: 'SET_FIELD'; field: OxmEntry }
  | { type: 'PUSH_PBB'; ethertype: number }
  | { type: 'POP_PBB' }
  | { type: 'EXPERIMENTER'; experimenter: number; data: Buffer }
  /** An action type the library does not know: its body after the 4-byte header, kept as bytes. */
  | { type: 'OPAQUE'; action_type: number; data: Buffer };

// ---------------------------------------------------------------------------
// Instructions (spec 7.2.4)

export type Instruction =
  | { type: 'GOTO_TABLE'; table_id: number }
  | { type: 'WRITE_METADATA'; metadata: bigint; metadata_mask: bigint }
  | { type: 'WRITE_ACTIONS'; actions: Action[] }
  | { type: 'APPLY_ACTIONS'; actions: Action[] }
  | { type: 'CLEAR_ACTIONS' }
  | { type: 'METER'; meter_id: number }
  | { type: 'EXPERIMENTER'; experimenter: number; data: Buffer }
  | { type: 'OPAQUE'; instruction_type: number; data: Buffer };

// ---------------------------------------------------------------------------
// Structures

/** ofp_port (spec 7.2.1), 64 bytes. */
export interface Port {
  port_no: number;
  hw_addr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  curr_speed: number;
  max_speed: number;
}

/** HELLO element (spec 7.5.1). Only VERSIONBITMAP is modelled; others are opaque. */
export type HelloElement =
  | { type: 'VERSIONBITMAP'; bitmaps: number[] }
  | { type: 'OPAQUE'; element_type: number; data: Buffer };

/** One entry of a flow-stats reply (ofp_flow_stats, spec 7.3.5.2). */
export interface FlowStats {
  table_id: number;
  duration_sec: number;
  duration_nsec: number;
  priority: number;
  idle_timeout: number;
  hard_timeout: number;
  flags: number;
  cookie: bigint;
  packet_count: bigint;
  byte_count: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface PortStats {
  port_no: number;
  rx_packets: bigint; tx_packets: bigint;
  rx_bytes: bigint; tx_bytes: bigint;
  rx_dropped: bigint; tx_dropped: bigint;
  rx_errors: bigint; tx_errors: bigint;
  rx_frame_err: bigint; rx_over_err: bigint; rx_crc_err: bigint;
  collisions: bigint;
  duration_sec: number; duration_nsec: number;
}

export interface TableStats {
  table_id: number;
  active_count: number;
  lookup_count: bigint;
  matched_count: bigint;
}

export interface QueueStats {
  port_no: number; queue_id: number;
  tx_bytes: bigint; tx_packets: bigint; tx_errors: bigint;
  duration_sec: number; duration_nsec: number;
}

export interface Bucket {
  weight: number;
  watch_port: number;
  watch_group: number;
  actions: Action[];
}

export interface GroupStats {
  group_id: number; ref_count: number;
  packet_count: bigint; byte_count: bigint;
  duration_sec: number; duration_nsec: number;
  bucket_stats: { packet_count: bigint; byte_count: bigint }[];
}

export interface GroupDesc { type: number; group_id: number; buckets: Bucket[] }

export type MeterBand =
  | { type: 'DROP'; rate: number; burst_size: number }
  | { type: 'DSCP_REMARK'; rate: number; burst_size: number; prec_level: number }
  | { type: 'EXPERIMENTER'; rate: number; burst_size: number; experimenter: number }
  | { type: 'OPAQUE'; band_type: number; rate: number; burst_size: number; data: Buffer };

export interface MeterStats {
  meter_id: number; flow_count: number;
  packet_in_count: bigint; byte_in_count: bigint;
  duration_sec: number; duration_nsec: number;
  band_stats: { packet_band_count: bigint; byte_band_count: bigint }[];
}

export interface Desc {
  mfr_desc: string; hw_desc: string; sw_desc: string; serial_num: string; dp_desc: string;
}

// ---------------------------------------------------------------------------
// Multipart bodies (spec 7.3.5). `multipart` is the OFPMP_ name without prefix.

export type MultipartRequestBody =
  | { multipart: 'DESC' }
  | { multipart: 'FLOW'; table_id: number; out_port: number; out_group: number; cookie: bigint; cookie_mask: bigint; match: Match }
  | { multipart: 'AGGREGATE'; table_id: number; out_port: number; out_group: number; cookie: bigint; cookie_mask: bigint; match: Match }
  | { multipart: 'TABLE' }
  | { multipart: 'PORT_STATS'; port_no: number }
  | { multipart: 'QUEUE'; port_no: number; queue_id: number }
  | { multipart: 'GROUP'; group_id: number }
  | { multipart: 'GROUP_DESC' }
  | { multipart: 'METER'; meter_id: number }
  | { multipart: 'PORT_DESC' }
  | { multipart: 'OPAQUE'; multipart_type: number; data: Buffer };

export type MultipartReplyBody =
  | { multipart: 'DESC'; body: Desc }
  | { multipart: 'FLOW'; body: FlowStats[] }
  | { multipart: 'AGGREGATE'; body: { packet_count: bigint; byte_count: bigint; flow_count: number } }
  | { multipart: 'TABLE'; body: TableStats[] }
  | { multipart: 'PORT_STATS'; body: PortStats[] }
  | { multipart: 'QUEUE'; body: QueueStats[] }
  | { multipart: 'GROUP'; body: GroupStats[] }
  | { multipart: 'GROUP_DESC'; body: GroupDesc[] }
  | { multipart: 'METER'; body: MeterStats[] }
  | { multipart: 'PORT_DESC'; body: Port[] }
  | { multipart: 'OPAQUE'; multipart_type: number; data: Buffer };

// ---------------------------------------------------------------------------
// Messages (spec 7.1 - 7.5)

interface Header {
  /** Transaction id; the encoder writes it as given. */
  xid: number;
}

export interface Hello extends Header {
  type: 'HELLO';
  /** The header's version: the highest the sender speaks (may differ from 4). */
  version: number;
  elements: HelloElement[];
}

export interface ErrorMsg extends Header {
  type: 'ERROR';
  /** OFPET_* value; for OFPET_EXPERIMENTER (0xffff) see exp_type/experimenter. */
  err_type: number;
  code: number;
  /** At least 64 bytes of the failed request, or text for HELLO_FAILED. */
  data: Buffer;
  /** Only for err_type 0xffff. */
  exp_type?: number;
  experimenter?: number;
}

export interface EchoRequest extends Header { type: 'ECHO_REQUEST'; data: Buffer }
export interface EchoReply extends Header { type: 'ECHO_REPLY'; data: Buffer }
export interface Experimenter extends Header { type: 'EXPERIMENTER'; experimenter: number; exp_type: number; data: Buffer }
export interface FeaturesRequest extends Header { type: 'FEATURES_REQUEST' }
export interface FeaturesReply extends Header {
  type: 'FEATURES_REPLY';
  datapath_id: Dpid;
  n_buffers: number;
  n_tables: number;
  auxiliary_id: number;
  capabilities: number;
}
export interface GetConfigRequest extends Header { type: 'GET_CONFIG_REQUEST' }
export interface GetConfigReply extends Header { type: 'GET_CONFIG_REPLY'; flags: number; miss_send_len: number }
export interface SetConfig extends Header { type: 'SET_CONFIG'; flags: number; miss_send_len: number }

export interface PacketIn extends Header {
  type: 'PACKET_IN';
  buffer_id: number;
  total_len: number;
  reason: number;
  table_id: number;
  cookie: bigint;
  match: Match;
  data: Buffer;
}

export interface FlowRemoved extends Header {
  type: 'FLOW_REMOVED';
  cookie: bigint;
  priority: number;
  reason: number;
  table_id: number;
  duration_sec: number;
  duration_nsec: number;
  idle_timeout: number;
  hard_timeout: number;
  packet_count: bigint;
  byte_count: bigint;
  match: Match;
}

export interface PortStatus extends Header {
  type: 'PORT_STATUS';
  /** OFPPR_ADD 0, OFPPR_DELETE 1, OFPPR_MODIFY 2. */
  reason: number;
  desc: Port;
}

export interface PacketOut extends Header {
  type: 'PACKET_OUT';
  buffer_id: number;
  in_port: number;
  actions: Action[];
  data: Buffer;
}

/** ofp_flow_mod (spec 7.3.4.1), 56 bytes + match + instructions. */
export interface FlowMod extends Header {
  type: 'FLOW_MOD';
  cookie: bigint;
  cookie_mask: bigint;
  table_id: number;
  /** OFPFC_ADD 0, MODIFY 1, MODIFY_STRICT 2, DELETE 3, DELETE_STRICT 4. */
  command: number;
  idle_timeout: number;
  hard_timeout: number;
  priority: number;
  buffer_id: number;
  out_port: number;
  out_group: number;
  flags: number;
  match: Match;
  instructions: Instruction[];
}

export interface GroupMod extends Header {
  type: 'GROUP_MOD';
  command: number;
  group_type: number;
  group_id: number;
  buckets: Bucket[];
}

export interface PortMod extends Header {
  type: 'PORT_MOD';
  port_no: number;
  hw_addr: string;
  config: number;
  mask: number;
  advertise: number;
}

export interface TableMod extends Header { type: 'TABLE_MOD'; table_id: number; config: number }

export interface MeterMod extends Header {
  type: 'METER_MOD';
  command: number;
  flags: number;
  meter_id: number;
  bands: MeterBand[];
}

export type MultipartRequest = Header & { type: 'MULTIPART_REQUEST'; flags: number } & MultipartRequestBody;
export type MultipartReply = Header & { type: 'MULTIPART_REPLY'; /** OFPMPF_REPLY_MORE = 1 */ flags: number } & MultipartReplyBody;

export interface BarrierRequest extends Header { type: 'BARRIER_REQUEST' }
export interface BarrierReply extends Header { type: 'BARRIER_REPLY' }

export interface RoleRequest extends Header { type: 'ROLE_REQUEST'; role: number; generation_id: bigint }
export interface RoleReply extends Header { type: 'ROLE_REPLY'; role: number; generation_id: bigint }

/** ofp_async_config: masks indexed [master/equal, slave]. */
export interface AsyncConfig {
  packet_in_mask: [number, number];
  port_status_mask: [number, number];
  flow_removed_mask: [number, number];
}
export interface GetAsyncRequest extends Header { type: 'GET_ASYNC_REQUEST' }
export interface GetAsyncReply extends Header, AsyncConfig { type: 'GET_ASYNC_REPLY' }
export interface SetAsync extends Header, AsyncConfig { type: 'SET_ASYNC' }

export interface QueueGetConfigRequest extends Header { type: 'QUEUE_GET_CONFIG_REQUEST'; port: number }

/** A message type the library does not model: the body after the 8-byte header, kept as bytes. */
export interface OpaqueMessage extends Header { type: 'OPAQUE'; msg_type: number; data: Buffer }

export type OfMessage =
  | Hello | ErrorMsg | EchoRequest | EchoReply | Experimenter
  | FeaturesRequest | FeaturesReply | GetConfigRequest | GetConfigReply | SetConfig
  | PacketIn | FlowRemoved | PortStatus | PacketOut
  | FlowMod | GroupMod | PortMod | TableMod | MeterMod
  | MultipartRequest | MultipartReply
  | BarrierRequest | BarrierReply | RoleRequest | RoleReply
  | GetAsyncRequest | GetAsyncReply | SetAsync
  | QueueGetConfigRequest
  | OpaqueMessage;

export type OfMessageType = OfMessage['type'];

/** A dpid as logs, cookies' prose, the NOC API and OVS print it: 16 hex digits, zero-padded. */
export function dpidHex(dpid: Dpid): string {
  return dpid.toString(16).padStart(16, '0');
}
