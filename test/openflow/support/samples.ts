/**
 * One or more sample messages per message type (and per multipart type,
 * action, instruction, OXM field), built from plain values with no lengths:
 * the round-trip, truncation, framing and fuzz tests all start from these.
 */

import {
  buildMatch, flowMod, OFPP_CONTROLLER, OFPP_NORMAL, OFPCML_NO_BUFFER, OFP_NO_BUFFER, OFPFC_DELETE,
  OFPG_ANY, OFPP_ANY, OFPTT_ALL, OFPMPF_REPLY_MORE, OFPCR_ROLE_MASTER,
  type Action, type FlowStats, type Instruction, type Match, type OfMessage, type Port,
} from '../../../src/openflow';

export const ALL_ACTIONS: Action[] = [
  { type: 'OUTPUT', port: OFPP_CONTROLLER, max_len: OFPCML_NO_BUFFER },
  { type: 'COPY_TTL_OUT' },
  { type: 'COPY_TTL_IN' },
  { type: 'SET_MPLS_TTL', mpls_ttl: 63 },
  { type: 'DEC_MPLS_TTL' },
  { type: 'PUSH_VLAN', ethertype: 0x8100 },
  { type: 'POP_VLAN' },
  { type: 'PUSH_MPLS', ethertype: 0x8847 },
  { type: 'POP_MPLS', ethertype: 0x0800 },
  { type: 'SET_QUEUE', queue_id: 7 },
  { type: 'GROUP', group_id: 42 },
  { type: 'SET_NW_TTL', nw_ttl: 64 },
  { type: 'DEC_NW_TTL' },
  { type: 'SET_FIELD', field: { field: 'vlan_vid', value: 0x1000 | 100 } },
  { type: 'SET_FIELD', field: { field: 'ipv6_dst', value: '2001:db8::25' } },
  { type: 'SET_FIELD', field: { field: 'eth_src', value: '02:00:00:00:00:01' } },
  { type: 'PUSH_PBB', ethertype: 0x88e7 },
  { type: 'POP_PBB' },
  { type: 'EXPERIMENTER', experimenter: 0x00002320, data: Buffer.from('0011223344556677', 'hex') },
  { type: 'OPAQUE', action_type: 0x7777, data: Buffer.from('0102030405060708090a0b0c', 'hex') },
];

export const ALL_INSTRUCTIONS: Instruction[] = [
  { type: 'METER', meter_id: 3 },
  { type: 'APPLY_ACTIONS', actions: ALL_ACTIONS },
  { type: 'CLEAR_ACTIONS' },
  { type: 'WRITE_ACTIONS', actions: [{ type: 'OUTPUT', port: 2, max_len: 0 }] },
  { type: 'WRITE_METADATA', metadata: 0xfedcba9876543210n, metadata_mask: 0xffffffffffffffffn },
  { type: 'GOTO_TABLE', table_id: 1 },
  { type: 'EXPERIMENTER', experimenter: 0x00002320, data: Buffer.from('aabbccdd00000000', 'hex') },
  { type: 'OPAQUE', instruction_type: 0x0042, data: Buffer.from('00000000', 'hex') },
];

/** One TLV for every OXM basic field (not a valid match: prerequisites not met). */
export const ALL_FIELDS: Match = [
  { field: 'in_port', value: 1 },
  { field: 'in_phy_port', value: 2 },
  { field: 'metadata', value: 0x0123456789abcdefn, mask: 0xffffffff00000000n },
  { field: 'eth_dst', value: 'ff:ff:ff:ff:ff:ff' },
  { field: 'eth_src', value: '00:1b:21:0a:0b:00', mask: 'ff:ff:ff:ff:ff:00' },
  { field: 'eth_type', value: 0x86dd },
  { field: 'vlan_vid', value: 0x1000, mask: 0x1000 },
  { field: 'vlan_pcp', value: 5 },
  { field: 'ip_dscp', value: 46 },
  { field: 'ip_ecn', value: 3 },
  { field: 'ip_proto', value: 17 },
  { field: 'ipv4_src', value: '100.64.0.0', mask: '255.192.0.0' },
  { field: 'ipv4_dst', value: '203.0.113.25' },
  { field: 'tcp_src', value: 1025 },
  { field: 'tcp_dst', value: 25 },
  { field: 'udp_src', value: 68 },
  { field: 'udp_dst', value: 67 },
  { field: 'sctp_src', value: 1 },
  { field: 'sctp_dst', value: 65535 },
  { field: 'icmpv4_type', value: 8 },
  { field: 'icmpv4_code', value: 0 },
  { field: 'arp_op', value: 1 },
  { field: 'arp_spa', value: '192.0.2.1' },
  { field: 'arp_tpa', value: '192.0.2.0', mask: '255.255.255.0' },
  { field: 'arp_sha', value: '02:00:00:00:00:aa' },
  { field: 'arp_tha', value: '00:00:00:00:00:00', mask: '00:00:00:00:00:00' },
  { field: 'ipv6_src', value: '2001:db8::', mask: 'ffff:ffff::' },
  { field: 'ipv6_dst', value: '::ffff:192.0.2.1' },
  { field: 'ipv6_flabel', value: 0xfffff },
  { field: 'icmpv6_type', value: 135 },
  { field: 'icmpv6_code', value: 0 },
  { field: 'ipv6_nd_target', value: 'fe80::1' },
  { field: 'ipv6_nd_sll', value: '02:00:00:00:00:01' },
  { field: 'ipv6_nd_tll', value: '02:00:00:00:00:02' },
  { field: 'mpls_label', value: 0xfffff },
  { field: 'mpls_tc', value: 7 },
  { field: 'mpls_bos', value: 1 },
  { field: 'pbb_isid', value: 0xabcdef, mask: 0xffff00 },
  { field: 'tunnel_id', value: 0xffffffffffffffffn },
  { field: 'ipv6_exthdr', value: 0x1ff, mask: 0x001 },
  { field: 'opaque', oxm_class: 0x0001, oxm_field: 33, has_mask: false, data: Buffer.from('00000001', 'hex') },
  { field: 'opaque', oxm_class: 0xffff, oxm_field: 5, has_mask: true, data: Buffer.from('4f4e4600aabbccdd', 'hex') },
  { field: 'opaque', oxm_class: 0x8000, oxm_field: 99, has_mask: false, data: Buffer.from('01', 'hex') },
];

export const PORT: Port = {
  port_no: 3, hw_addr: '0a:1b:2c:3d:4e:5f', name: 'ofc-eth3', config: 0, state: 4,
  curr: 0x2840, advertised: 0, supported: 0, peer: 0, curr_speed: 10000000, max_speed: 0,
};

const OP25B_MATCH = buildMatch({ in_port: 3, eth_type: 0x0800, ip_proto: 6, tcp_dst: 25 });

const FLOW_STATS: FlowStats = {
  table_id: 0, duration_sec: 12, duration_nsec: 500, priority: 20000, idle_timeout: 0, hard_timeout: 0,
  flags: 1, cookie: 0x0b25100000000003n, packet_count: 9n, byte_count: 0x1_0000_0000n, match: OP25B_MATCH,
  instructions: [],
};

/** [label, message] pairs: every message type the library models, plus opaque forms. */
export function sampleMessages(): [string, OfMessage][] {
  return [
    ['HELLO', { type: 'HELLO', xid: 1, version: 4, elements: [{ type: 'VERSIONBITMAP', bitmaps: [0x10] }] }],
    ['HELLO two-word bitmap + opaque element', { type: 'HELLO', xid: 2, version: 6, elements: [
      { type: 'VERSIONBITMAP', bitmaps: [0x52, 0x1] }, { type: 'OPAQUE', element_type: 9, data: Buffer.from('abc') }] }],
    ['HELLO no elements', { type: 'HELLO', xid: 3, version: 4, elements: [] }],
    ['ERROR', { type: 'ERROR', xid: 4, err_type: 5, code: 1, data: Buffer.alloc(64, 0xab) }],
    ['ERROR experimenter', { type: 'ERROR', xid: 5, err_type: 0xffff, code: 7, exp_type: 7, experimenter: 0x2320, data: Buffer.from('x') }],
    ['ECHO_REQUEST', { type: 'ECHO_REQUEST', xid: 6, data: Buffer.from('ping') }],
    ['ECHO_REPLY', { type: 'ECHO_REPLY', xid: 7, data: Buffer.alloc(0) }],
    ['EXPERIMENTER', { type: 'EXPERIMENTER', xid: 8, experimenter: 0x2320, exp_type: 30, data: Buffer.from('0102', 'hex') }],
    ['FEATURES_REQUEST', { type: 'FEATURES_REQUEST', xid: 9 }],
    ['FEATURES_REPLY', { type: 'FEATURES_REPLY', xid: 10, datapath_id: 0xfedcba9876543210n, n_buffers: 256, n_tables: 254, auxiliary_id: 0, capabilities: 0x4f }],
    ['GET_CONFIG_REQUEST', { type: 'GET_CONFIG_REQUEST', xid: 11 }],
    ['GET_CONFIG_REPLY', { type: 'GET_CONFIG_REPLY', xid: 12, flags: 0, miss_send_len: 128 }],
    ['SET_CONFIG', { type: 'SET_CONFIG', xid: 13, flags: 0, miss_send_len: 0xffff }],
    ['PACKET_IN', { type: 'PACKET_IN', xid: 14, buffer_id: OFP_NO_BUFFER, total_len: 60, reason: 0, table_id: 0, cookie: 0n,
      match: [{ field: 'in_port', value: 3 }], data: Buffer.alloc(60, 1) }],
    ['FLOW_REMOVED', { type: 'FLOW_REMOVED', xid: 15, cookie: 0x0b25n, priority: 20000, reason: 2, table_id: 0, duration_sec: 1,
      duration_nsec: 2, idle_timeout: 0, hard_timeout: 0, packet_count: 3n, byte_count: 4n, match: OP25B_MATCH }],
    ['PORT_STATUS', { type: 'PORT_STATUS', xid: 16, reason: 2, desc: PORT }],
    ['PACKET_OUT', { type: 'PACKET_OUT', xid: 17, buffer_id: OFP_NO_BUFFER, in_port: OFPP_CONTROLLER,
      actions: [{ type: 'OUTPUT', port: 1, max_len: 0 }], data: Buffer.alloc(42, 2) }],
    ['FLOW_MOD op25b drop', flowMod({ xid: 18, priority: 20000, cookie: 0x0b25100000000003n, match: OP25B_MATCH })],
    ['FLOW_MOD every action and instruction', flowMod({ xid: 19, match: ALL_FIELDS, instructions: ALL_INSTRUCTIONS })],
    ['FLOW_MOD delete', flowMod({ xid: 20, command: OFPFC_DELETE, table_id: OFPTT_ALL, cookie: 0x0b25n << 48n, cookie_mask: 0xffffn << 48n })],
    ['GROUP_MOD', { type: 'GROUP_MOD', xid: 21, command: 0, group_type: 1, group_id: 5, buckets: [
      { weight: 1, watch_port: OFPP_ANY, watch_group: OFPG_ANY, actions: [{ type: 'OUTPUT', port: 1, max_len: 0 }] },
      { weight: 2, watch_port: 2, watch_group: OFPG_ANY, actions: [] }] }],
    ['PORT_MOD', { type: 'PORT_MOD', xid: 22, port_no: 3, hw_addr: '0a:1b:2c:3d:4e:5f', config: 1, mask: 1, advertise: 0 }],
    ['TABLE_MOD', { type: 'TABLE_MOD', xid: 23, table_id: 0, config: 3 }],
    ['METER_MOD', { type: 'METER_MOD', xid: 24, command: 0, flags: 0b1001, meter_id: 1, bands: [
      { type: 'DROP', rate: 1000, burst_size: 100 }, { type: 'DSCP_REMARK', rate: 500, burst_size: 0, prec_level: 1 },
      { type: 'EXPERIMENTER', rate: 1, burst_size: 2, experimenter: 3 },
      { type: 'OPAQUE', band_type: 9, rate: 1, burst_size: 2, data: Buffer.from('0000000000000000000000ff', 'hex') }] }],
    ['MULTIPART_REQUEST DESC', { type: 'MULTIPART_REQUEST', xid: 25, flags: 0, multipart: 'DESC' }],
    ['MULTIPART_REQUEST FLOW', { type: 'MULTIPART_REQUEST', xid: 26, flags: 0, multipart: 'FLOW', table_id: OFPTT_ALL,
      out_port: OFPP_ANY, out_group: OFPG_ANY, cookie: 0x0b25n << 48n, cookie_mask: 0xffffn << 48n, match: [] }],
    ['MULTIPART_REQUEST AGGREGATE', { type: 'MULTIPART_REQUEST', xid: 27, flags: 0, multipart: 'AGGREGATE', table_id: 0,
      out_port: OFPP_ANY, out_group: OFPG_ANY, cookie: 0n, cookie_mask: 0n, match: OP25B_MATCH }],
    ['MULTIPART_REQUEST TABLE', { type: 'MULTIPART_REQUEST', xid: 28, flags: 0, multipart: 'TABLE' }],
    ['MULTIPART_REQUEST PORT_STATS', { type: 'MULTIPART_REQUEST', xid: 29, flags: 0, multipart: 'PORT_STATS', port_no: OFPP_ANY }],
    ['MULTIPART_REQUEST QUEUE', { type: 'MULTIPART_REQUEST', xid: 30, flags: 0, multipart: 'QUEUE', port_no: OFPP_ANY, queue_id: 0xffffffff }],
    ['MULTIPART_REQUEST GROUP', { type: 'MULTIPART_REQUEST', xid: 31, flags: 0, multipart: 'GROUP', group_id: 0xfffffffc }],
    ['MULTIPART_REQUEST GROUP_DESC', { type: 'MULTIPART_REQUEST', xid: 32, flags: 0, multipart: 'GROUP_DESC' }],
    ['MULTIPART_REQUEST METER', { type: 'MULTIPART_REQUEST', xid: 33, flags: 0, multipart: 'METER', meter_id: 0xffffffff }],
    ['MULTIPART_REQUEST PORT_DESC', { type: 'MULTIPART_REQUEST', xid: 34, flags: 0, multipart: 'PORT_DESC' }],
    ['MULTIPART_REQUEST opaque (TABLE_FEATURES)', { type: 'MULTIPART_REQUEST', xid: 35, flags: 1, multipart: 'OPAQUE', multipart_type: 12, data: Buffer.alloc(16, 3) }],
    ['MULTIPART_REPLY DESC', { type: 'MULTIPART_REPLY', xid: 36, flags: 0, multipart: 'DESC', body: {
      mfr_desc: 'Nicira, Inc.', hw_desc: 'Open vSwitch', sw_desc: '3.1.0', serial_num: 'None', dp_desc: 'ofc-br0' } }],
    ['MULTIPART_REPLY FLOW (REPLY_MORE)', { type: 'MULTIPART_REPLY', xid: 37, flags: OFPMPF_REPLY_MORE, multipart: 'FLOW', body: [
      FLOW_STATS, { ...FLOW_STATS, priority: 30000, match: ALL_FIELDS, instructions: ALL_INSTRUCTIONS }] }],
    ['MULTIPART_REPLY FLOW empty', { type: 'MULTIPART_REPLY', xid: 38, flags: 0, multipart: 'FLOW', body: [] }],
    ['MULTIPART_REPLY AGGREGATE', { type: 'MULTIPART_REPLY', xid: 39, flags: 0, multipart: 'AGGREGATE', body: { packet_count: 1n, byte_count: 2n, flow_count: 3 } }],
    ['MULTIPART_REPLY TABLE', { type: 'MULTIPART_REPLY', xid: 40, flags: 0, multipart: 'TABLE', body: [
      { table_id: 0, active_count: 5, lookup_count: 100n, matched_count: 90n }, { table_id: 1, active_count: 0, lookup_count: 0n, matched_count: 0n }] }],
    ['MULTIPART_REPLY PORT_STATS', { type: 'MULTIPART_REPLY', xid: 41, flags: 0, multipart: 'PORT_STATS', body: [{
      port_no: 3, rx_packets: 1n, tx_packets: 2n, rx_bytes: 3n, tx_bytes: 4n, rx_dropped: 5n, tx_dropped: 6n, rx_errors: 7n,
      tx_errors: 8n, rx_frame_err: 9n, rx_over_err: 10n, rx_crc_err: 11n, collisions: 12n, duration_sec: 13, duration_nsec: 14 }] }],
    ['MULTIPART_REPLY QUEUE', { type: 'MULTIPART_REPLY', xid: 42, flags: 0, multipart: 'QUEUE', body: [
      { port_no: 1, queue_id: 2, tx_bytes: 3n, tx_packets: 4n, tx_errors: 5n, duration_sec: 6, duration_nsec: 7 }] }],
    ['MULTIPART_REPLY GROUP', { type: 'MULTIPART_REPLY', xid: 43, flags: 0, multipart: 'GROUP', body: [
      { group_id: 5, ref_count: 1, packet_count: 2n, byte_count: 3n, duration_sec: 4, duration_nsec: 5,
        bucket_stats: [{ packet_count: 6n, byte_count: 7n }, { packet_count: 8n, byte_count: 9n }] }] }],
    ['MULTIPART_REPLY GROUP_DESC', { type: 'MULTIPART_REPLY', xid: 44, flags: 0, multipart: 'GROUP_DESC', body: [
      { type: 1, group_id: 5, buckets: [{ weight: 1, watch_port: OFPP_ANY, watch_group: OFPG_ANY, actions: [{ type: 'OUTPUT', port: OFPP_NORMAL, max_len: 0 }] }] },
      { type: 0, group_id: 6, buckets: [] }] }],
    ['MULTIPART_REPLY METER', { type: 'MULTIPART_REPLY', xid: 45, flags: 0, multipart: 'METER', body: [
      { meter_id: 1, flow_count: 2, packet_in_count: 3n, byte_in_count: 4n, duration_sec: 5, duration_nsec: 6,
        band_stats: [{ packet_band_count: 7n, byte_band_count: 8n }] }] }],
    ['MULTIPART_REPLY PORT_DESC', { type: 'MULTIPART_REPLY', xid: 46, flags: 0, multipart: 'PORT_DESC', body: [PORT, { ...PORT, port_no: 0xfffffffe, name: 'ofc-br0-local-xx' }] }],
    ['MULTIPART_REPLY opaque', { type: 'MULTIPART_REPLY', xid: 47, flags: 0, multipart: 'OPAQUE', multipart_type: 0xffff, data: Buffer.from('0000232000000001', 'hex') }],
    ['BARRIER_REQUEST', { type: 'BARRIER_REQUEST', xid: 48 }],
    ['BARRIER_REPLY', { type: 'BARRIER_REPLY', xid: 49 }],
    ['QUEUE_GET_CONFIG_REQUEST', { type: 'QUEUE_GET_CONFIG_REQUEST', xid: 50, port: 3 }],
    ['ROLE_REQUEST', { type: 'ROLE_REQUEST', xid: 51, role: OFPCR_ROLE_MASTER, generation_id: 0xffffffffffffffffn }],
    ['ROLE_REPLY', { type: 'ROLE_REPLY', xid: 52, role: OFPCR_ROLE_MASTER, generation_id: 1n }],
    ['GET_ASYNC_REQUEST', { type: 'GET_ASYNC_REQUEST', xid: 53 }],
    ['GET_ASYNC_REPLY', { type: 'GET_ASYNC_REPLY', xid: 54, packet_in_mask: [3, 1], port_status_mask: [7, 7], flow_removed_mask: [15, 0] }],
    ['SET_ASYNC', { type: 'SET_ASYNC', xid: 55, packet_in_mask: [3, 1], port_status_mask: [7, 7], flow_removed_mask: [15, 0] }],
    ['OPAQUE (QUEUE_GET_CONFIG_REPLY)', { type: 'OPAQUE', xid: 56, msg_type: 23, data: Buffer.from('00000003000000000000000100100000', 'hex') }],
    ['OPAQUE (type 99)', { type: 'OPAQUE', xid: 0xffffffff, msg_type: 99, data: Buffer.alloc(0) }],
  ];
}
