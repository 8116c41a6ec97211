/**
 * OpenFlow 1.3 constants (OpenFlow Switch Specification 1.3.5, spec names).
 *
 * Each family is exported both as individual constants (`OFPT_FLOW_MOD`,
 * `OFPP_ANY`) and as a table keyed by the name without its prefix
 * (`OFPT.FLOW_MOD`), which is the form `type` strings in types.ts use.
 */

export const OFP_VERSION_1_3 = 0x04;
export const OFP_HEADER_LEN = 8;

// ---------------------------------------------------------------------------
// ofp_type (spec 7.1)

export const OFPT = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;
export const OFPT_HELLO = 0;
export const OFPT_ERROR = 1;
export const OFPT_ECHO_REQUEST = 2;
export const OFPT_ECHO_REPLY = 3;
export const OFPT_EXPERIMENTER = 4;
export const OFPT_FEATURES_REQUEST = 5;
export const OFPT_FEATURES_REPLY = 6;
export const OFPT_GET_CONFIG_REQUEST = 7;
export const OFPT_GET_CONFIG_REPLY = 8;
export const OFPT_SET_CONFIG = 9;
export const OFPT_PACKET_IN = 10;
export const OFPT_FLOW_REMOVED = 11;
export const OFPT_PORT_STATUS = 12;
export const OFPT_PACKET_OUT = 13;
export const OFPT_FLOW_MOD = 14;
export const OFPT_GROUP_MOD = 15;
export const OFPT_PORT_MOD = 16;
export const OFPT_TABLE_MOD = 17;
export const OFPT_MULTIPART_REQUEST = 18;
export const OFPT_MULTIPART_REPLY = 19;
export const OFPT_BARRIER_REQUEST = 20;
export const OFPT_BARRIER_REPLY = 21;
export const OFPT_QUEUE_GET_CONFIG_REQUEST = 22;
export const OFPT_QUEUE_GET_CONFIG_REPLY = 23;
export const OFPT_ROLE_REQUEST = 24;
export const OFPT_ROLE_REPLY = 25;
export const OFPT_GET_ASYNC_REQUEST = 26;
export const OFPT_GET_ASYNC_REPLY = 27;
export const OFPT_SET_ASYNC = 28;
export const OFPT_METER_MOD = 29;

/** OFPT number -> name without prefix ('FLOW_MOD'); undefined for unknown types. */
export const OFPT_NAME: readonly (string | undefined)[] = (() => {
  const names: string[] = [];
  for (const [k, v] of Object.entries(OFPT)) names[v] = k;
  return names;
})();

// ---------------------------------------------------------------------------
// Ports (spec 7.2.1)

export const OFPP_MAX = 0xffffff00;
export const OFPP_IN_PORT = 0xfffffff8;
export const OFPP_TABLE = 0xfffffff9;
export const OFPP_NORMAL = 0xfffffffa;
export const OFPP_FLOOD = 0xfffffffb;
export const OFPP_ALL = 0xfffffffc;
export const OFPP_CONTROLLER = 0xfffffffd;
export const OFPP_LOCAL = 0xfffffffe;
export const OFPP_ANY = 0xffffffff;
export const OFPP = {
  MAX: OFPP_MAX, IN_PORT: OFPP_IN_PORT, TABLE: OFPP_TABLE, NORMAL: OFPP_NORMAL, FLOOD: OFPP_FLOOD,
  ALL: OFPP_ALL, CONTROLLER: OFPP_CONTROLLER, LOCAL: OFPP_LOCAL, ANY: OFPP_ANY,
} as const;

export const OFPPC_PORT_DOWN = 1 << 0;
export const OFPPC_NO_RECV = 1 << 2;
export const OFPPC_NO_FWD = 1 << 5;
export const OFPPC_NO_PACKET_IN = 1 << 6;

export const OFPPS_LINK_DOWN = 1 << 0;
export const OFPPS_BLOCKED = 1 << 1;
export const OFPPS_LIVE = 1 << 2;

export const OFPPF_10MB_HD = 1 << 0;
export const OFPPF_10MB_FD = 1 << 1;
export const OFPPF_100MB_HD = 1 << 2;
export const OFPPF_100MB_FD = 1 << 3;
export const OFPPF_1GB_HD = 1 << 4;
export const OFPPF_1GB_FD = 1 << 5;
export const OFPPF_10GB_FD = 1 << 6;
export const OFPPF_40GB_FD = 1 << 7;
export const OFPPF_100GB_FD = 1 << 8;
export const OFPPF_1TB_FD = 1 << 9;
export const OFPPF_OTHER = 1 << 10;
export const OFPPF_COPPER = 1 << 11;
export const OFPPF_FIBER = 1 << 12;
export const OFPPF_AUTONEG = 1 << 13;
export const OFPPF_PAUSE = 1 << 14;
export const OFPPF_PAUSE_ASYM = 1 << 15;

/** ofp_port_reason (PORT_STATUS). */
export const OFPPR_ADD = 0;
export const OFPPR_DELETE = 1;
export const OFPPR_MODIFY = 2;
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

export const OFPQ_ALL = 0xffffffff;

// ---------------------------------------------------------------------------
// Features, config (spec 7.3.1, 7.3.2)

export const OFPC_FLOW_STATS = 1 << 0;
export const OFPC_TABLE_STATS = 1 << 1;
export const OFPC_PORT_STATS = 1 << 2;
export const OFPC_GROUP_STATS = 1 << 3;
export const OFPC_IP_REASM = 1 << 5;
export const OFPC_QUEUE_STATS = 1 << 6;
export const OFPC_PORT_BLOCKED = 1 << 8;

export const OFPC_FRAG_NORMAL = 0;
export const OFPC_FRAG_DROP = 1;
export const OFPC_FRAG_REASM = 2;
export const OFPC_FRAG_MASK = 3;

/** miss_send_len / max_len: send the whole packet, do not buffer. */
export const OFPCML_MAX = 0xffe5;
export const OFPCML_NO_BUFFER = 0xffff;
export const OFP_NO_BUFFER = 0xffffffff;

// ---------------------------------------------------------------------------
// Tables, flows (spec 7.3.3, 7.3.4)

export const OFPTT_MAX = 0xfe;
export const OFPTT_ALL = 0xff;
export const OFPTC_DEPRECATED_MASK = 3;

export const OFPFC_ADD = 0;
export const OFPFC_MODIFY = 1;
export const OFPFC_MODIFY_STRICT = 2;
export const OFPFC_DELETE = 3;
export const OFPFC_DELETE_STRICT = 4;
export const OFPFC = { ADD: 0, MODIFY: 1, MODIFY_STRICT: 2, DELETE: 3, DELETE_STRICT: 4 } as const;

export const OFPFF_SEND_FLOW_REM = 1 << 0;
export const OFPFF_CHECK_OVERLAP = 1 << 1;
export const OFPFF_RESET_COUNTS = 1 << 2;
export const OFPFF_NO_PKT_COUNTS = 1 << 3;
export const OFPFF_NO_BYT_COUNTS = 1 << 4;

export const OFP_DEFAULT_PRIORITY = 0x8000;

/** ofp_packet_in_reason. */
export const OFPR_NO_MATCH = 0;
export const OFPR_ACTION = 1;
export const OFPR_INVALID_TTL = 2;

/** ofp_flow_removed_reason. */
export const OFPRR_IDLE_TIMEOUT = 0;
export const OFPRR_HARD_TIMEOUT = 1;
export const OFPRR_DELETE = 2;
export const OFPRR_GROUP_DELETE = 3;

// ---------------------------------------------------------------------------
// Groups, meters (spec 7.3.4.2, 7.3.4.4)

export const OFPGC_ADD = 0;
export const OFPGC_MODIFY = 1;
export const OFPGC_DELETE = 2;
export const OFPGT_ALL = 0;
export const OFPGT_SELECT = 1;
export const OFPGT_INDIRECT = 2;
export const OFPGT_FF = 3;
export const OFPG_MAX = 0xffffff00;
export const OFPG_ALL = 0xfffffffc;
export const OFPG_ANY = 0xffffffff;

export const OFPMC_ADD = 0;
export const OFPMC_MODIFY = 1;
export const OFPMC_DELETE = 2;
export const OFPMF_KBPS = 1 << 0;
export const OFPMF_PKTPS = 1 << 1;
export const OFPMF_BURST = 1 << 2;
export const OFPMF_STATS = 1 << 3;
export const OFPMBT_DROP = 1;
export const OFPMBT_DSCP_REMARK = 2;
export const OFPMBT_EXPERIMENTER = 0xffff;
export const OFPM_MAX = 0xffff0000;
export const OFPM_SLOWPATH = 0xfffffffd;
export const OFPM_CONTROLLER = 0xfffffffe;
export const OFPM_ALL = 0xffffffff;

// ---------------------------------------------------------------------------
// Match (spec 7.2.3)

export const OFPMT_STANDARD = 0;
export const OFPMT_OXM = 1;
export const OFPXMC_NXM_0 = 0x0000;
export const OFPXMC_NXM_1 = 0x0001;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_EXPERIMENTER = 0xffff;
/** vlan_vid: bit set when a VLAN tag is present; OFPVID_NONE matches untagged only. */
export const OFPVID_PRESENT = 0x1000;
export const OFPVID_NONE = 0x0000;

export const OFPIEH_NONEXT = 1 << 0;
export const OFPIEH_ESP = 1 << 1;
export const OFPIEH_AUTH = 1 << 2;
export const OFPIEH_DEST = 1 << 3;
export const OFPIEH_FRAG = 1 << 4;
export const OFPIEH_ROUTER = 1 << 5;
export const OFPIEH_HOP = 1 << 6;
export const OFPIEH_UNREP = 1 << 7;
export const OFPIEH_UNSEQ = 1 << 8;

// ---------------------------------------------------------------------------
// Actions, instructions (spec 7.2.4, 7.2.5)

export const OFPAT = {
  OUTPUT: 0, COPY_TTL_OUT: 11, COPY_TTL_IN: 12, SET_MPLS_TTL: 15, DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17, POP_VLAN: 18, PUSH_MPLS: 19, POP_MPLS: 20, SET_QUEUE: 21, GROUP: 22,
  SET_NW_TTL: 23, DEC_NW_TTL: 24, SET_FIELD: 25, PUSH_PBB: 26, POP_PBB: 27, EXPERIMENTER: 0xffff,
} as const;
export const OFPAT_OUTPUT = 0;
export const OFPAT_COPY_TTL_OUT = 11;
export const OFPAT_COPY_TTL_IN = 12;
export const OFPAT_SET_MPLS_TTL = 15;
export const OFPAT_DEC_MPLS_TTL = 16;
export const OFPAT_PUSH_VLAN = 17;
export const OFPAT_POP_VLAN = 18;
export const OFPAT_PUSH_MPLS = 19;
export const OFPAT_POP_MPLS = 20;
export const OFPAT_SET_QUEUE = 21;
export const OFPAT_GROUP = 22;
export const OFPAT_SET_NW_TTL = 23;
export const OFPAT_DEC_NW_TTL = 24;
export const OFPAT_SET_FIELD = 25;
export const OFPAT_PUSH_PBB = 26;
export const OFPAT_POP_PBB = 27;
export const OFPAT_EXPERIMENTER = 0xffff;
export const OFPIT = {
  GOTO_TABLE: 1, WRITE_METADATA: 2, WRITE_ACTIONS: 3, APPLY_ACTIONS: 4, CLEAR_ACTIONS: 5, METER: 6,
  EXPERIMENTER: 0xffff,
} as const;
export const OFPIT_GOTO_TABLE = 1;
export const OFPIT_WRITE_METADATA = 2;
export const OFPIT_WRITE_ACTIONS = 3;
export const OFPIT_APPLY_ACTIONS = 4;
export const OFPIT_CLEAR_ACTIONS = 5;
export const OFPIT_METER = 6;
export const OFPIT_EXPERIMENTER = 0xffff;

// ---------------------------------------------------------------------------
// Multipart (spec 7.3.5)

export const OFPMP = {
  DESC: 0, FLOW: 1, AGGREGATE: 2, TABLE: 3, PORT_STATS: 4, QUEUE: 5, GROUP: 6, GROUP_DESC: 7,
  GROUP_FEATURES: 8, METER: 9, METER_CONFIG: 10, METER_FEATURES: 11, TABLE_FEATURES: 12,
  PORT_DESC: 13, EXPERIMENTER: 0xffff,
} as const;
export const OFPMP_DESC = 0;
export const OFPMP_FLOW = 1;
export const OFPMP_AGGREGATE = 2;
export const OFPMP_TABLE = 3;
export const OFPMP_PORT_STATS = 4;
export const OFPMP_QUEUE = 5;
export const OFPMP_GROUP = 6;
export const OFPMP_GROUP_DESC = 7;
export const OFPMP_GROUP_FEATURES = 8;
export const OFPMP_METER = 9;
export const OFPMP_METER_CONFIG = 10;
export const OFPMP_METER_FEATURES = 11;
export const OFPMP_TABLE_FEATURES = 12;
export const OFPMP_PORT_DESC = 13;
export const OFPMP_EXPERIMENTER = 0xffff;
export const OFPMPF_REQ_MORE = 1 << 0;
export const OFPMPF_REPLY_MORE = 1 << 0;

// ---------------------------------------------------------------------------
// Roles, hello (spec 7.3.9, 7.5.1)

export const OFPCR_ROLE_NOCHANGE = 0;
export const OFPCR_ROLE_EQUAL = 1;
export const OFPCR_ROLE_MASTER = 2;
export const OFPCR_ROLE_SLAVE = 3;
export const OFPCR_ROLE = { NOCHANGE: 0, EQUAL: 1, MASTER: 2, SLAVE: 3 } as const;

export const OFPHET_VERSIONBITMAP = 1;

// ---------------------------------------------------------------------------
// Errors (spec 7.4.4): every type and code by name.

export const OFPET_HELLO_FAILED = 0;
export const OFPET_BAD_REQUEST = 1;
export const OFPET_BAD_ACTION = 2;
export const OFPET_BAD_INSTRUCTION = 3;
export const OFPET_BAD_MATCH = 4;
export const OFPET_FLOW_MOD_FAILED = 5;
export const OFPET_GROUP_MOD_FAILED = 6;
export const OFPET_PORT_MOD_FAILED = 7;
export const OFPET_TABLE_MOD_FAILED = 8;
export const OFPET_QUEUE_OP_FAILED = 9;
export const OFPET_SWITCH_CONFIG_FAILED = 10;
export const OFPET_ROLE_REQUEST_FAILED = 11;
export const OFPET_METER_MOD_FAILED = 12;
export const OFPET_TABLE_FEATURES_FAILED = 13;
export const OFPET_EXPERIMENTER = 0xffff;

export const OFPHFC_INCOMPATIBLE = 0;
export const OFPHFC_EPERM = 1;

export const OFPBRC_BAD_VERSION = 0;
export const OFPBRC_BAD_TYPE = 1;
export const OFPBRC_BAD_MULTIPART = 2;
export const OFPBRC_BAD_EXPERIMENTER = 3;
export const OFPBRC_BAD_EXP_TYPE = 4;
export const OFPBRC_EPERM = 5;
export const OFPBRC_BAD_LEN = 6;
export const OFPBRC_BUFFER_EMPTY = 7;
export const OFPBRC_BUFFER_UNKNOWN = 8;
export const OFPBRC_BAD_TABLE_ID = 9;
export const OFPBRC_IS_SLAVE = 10;
export const OFPBRC_BAD_PORT = 11;
export const OFPBRC_BAD_PACKET = 12;
export const OFPBRC_MULTIPART_BUFFER_OVERFLOW = 13;

export const OFPBAC_BAD_TYPE = 0;
export const OFPBAC_BAD_LEN = 1;
export const OFPBAC_BAD_EXPERIMENTER = 2;
export const OFPBAC_BAD_EXP_TYPE = 3;
export const OFPBAC_BAD_OUT_PORT = 4;
export const OFPBAC_BAD_ARGUMENT = 5;
export const OFPBAC_EPERM = 6;
export const OFPBAC_TOO_MANY = 7;
export const OFPBAC_BAD_QUEUE = 8;
export const OFPBAC_BAD_OUT_GROUP = 9;
export const OFPBAC_MATCH_INCONSISTENT = 10;
export const OFPBAC_UNSUPPORTED_ORDER = 11;
export const OFPBAC_BAD_TAG = 12;
export const OFPBAC_BAD_SET_TYPE = 13;
export const OFPBAC_BAD_SET_LEN = 14;
export const OFPBAC_BAD_SET_ARGUMENT = 15;

export const OFPBIC_UNKNOWN_INST = 0;
export const OFPBIC_UNSUP_INST = 1;
export const OFPBIC_BAD_TABLE_ID = 2;
export const OFPBIC_UNSUP_METADATA = 3;
export const OFPBIC_UNSUP_METADATA_MASK = 4;
export const OFPBIC_BAD_EXPERIMENTER = 5;
export const OFPBIC_BAD_EXP_TYPE = 6;
export const OFPBIC_BAD_LEN = 7;
export const OFPBIC_EPERM = 8;

export const OFPBMC_BAD_TYPE = 0;
export const OFPBMC_BAD_LEN = 1;
export const OFPBMC_BAD_TAG = 2;
export const OFPBMC_BAD_DL_ADDR_MASK = 3;
export const OFPBMC_BAD_NW_ADDR_MASK = 4;
export const OFPBMC_BAD_WILDCARDS = 5;
export const OFPBMC_BAD_FIELD = 6;
export const OFPBMC_BAD_VALUE = 7;
export const OFPBMC_BAD_MASK = 8;
export const OFPBMC_BAD_PREREQ = 9;
export const OFPBMC_DUP_FIELD = 10;
export const OFPBMC_EPERM = 11;

export const OFPFMFC_UNKNOWN = 0;
export const OFPFMFC_TABLE_FULL = 1;
export const OFPFMFC_BAD_TABLE_ID = 2;
export const OFPFMFC_OVERLAP = 3;
export const OFPFMFC_EPERM = 4;
export const OFPFMFC_BAD_TIMEOUT = 5;
export const OFPFMFC_BAD_COMMAND = 6;
export const OFPFMFC_BAD_FLAGS = 7;

export const OFPGMFC_GROUP_EXISTS = 0;
export const OFPGMFC_INVALID_GROUP = 1;
export const OFPGMFC_WEIGHT_UNSUPPORTED = 2;
export const OFPGMFC_OUT_OF_GROUPS = 3;
export const OFPGMFC_OUT_OF_BUCKETS = 4;
export const OFPGMFC_CHAINING_UNSUPPORTED = 5;
export const OFPGMFC_WATCH_UNSUPPORTED = 6;
export const OFPGMFC_LOOP = 7;
export const OFPGMFC_UNKNOWN_GROUP = 8;
export const OFPGMFC_CHAINED_GROUP = 9;
export const OFPGMFC_BAD_TYPE = 10;
export const OFPGMFC_BAD_COMMAND = 11;
export const OFPGMFC_BAD_BUCKET = 12;
export const OFPGMFC_BAD_WATCH = 13;
export const OFPGMFC_EPERM = 14;

export const OFPPMFC_BAD_PORT = 0;
export const OFPPMFC_BAD_HW_ADDR = 1;
export const OFPPMFC_BAD_CONFIG = 2;
export const OFPPMFC_BAD_ADVERTISE = 3;
export const OFPPMFC_EPERM = 4;

export const OFPTMFC_BAD_TABLE = 0;
export const OFPTMFC_BAD_CONFIG = 1;
export const OFPTMFC_EPERM = 2;

export const OFPQOFC_BAD_PORT = 0;
export const OFPQOFC_BAD_QUEUE = 1;
export const OFPQOFC_EPERM = 2;

export const OFPSCFC_BAD_FLAGS = 0;
export const OFPSCFC_BAD_LEN = 1;
export const OFPSCFC_EPERM = 2;

export const OFPRRFC_STALE = 0;
export const OFPRRFC_UNSUP = 1;
export const OFPRRFC_BAD_ROLE = 2;

export const OFPMMFC_UNKNOWN = 0;
export const OFPMMFC_METER_EXISTS = 1;
export const OFPMMFC_INVALID_METER = 2;
export const OFPMMFC_UNKNOWN_METER = 3;
export const OFPMMFC_BAD_COMMAND = 4;
export const OFPMMFC_BAD_FLAGS = 5;
export const OFPMMFC_BAD_RATE = 6;
export const OFPMMFC_BAD_BURST = 7;
export const OFPMMFC_BAD_BAND = 8;
export const OFPMMFC_BAD_BAND_VALUE = 9;
export const OFPMMFC_OUT_OF_METERS = 10;
export const OFPMMFC_OUT_OF_BANDS = 11;

export const OFPTFFC_BAD_TABLE = 0;
export const OFPTFFC_BAD_METADATA = 1;
export const OFPTFFC_BAD_TYPE = 2;
export const OFPTFFC_BAD_LEN = 3;
export const OFPTFFC_BAD_ARGUMENT = 4;
export const OFPTFFC_EPERM = 5;

/** Error types with their code names in code order (index = code). */
const ERROR_TABLE: Record<number, { name: string; codes: readonly string[] }> = {
  0: { name: 'OFPET_HELLO_FAILED', codes: ['OFPHFC_INCOMPATIBLE', 'OFPHFC_EPERM'] },
  1: { name: 'OFPET_BAD_REQUEST', codes: [
    'OFPBRC_BAD_VERSION', 'OFPBRC_BAD_TYPE', 'OFPBRC_BAD_MULTIPART', 'OFPBRC_BAD_EXPERIMENTER',
    'OFPBRC_BAD_EXP_TYPE', 'OFPBRC_EPERM', 'OFPBRC_BAD_LEN', 'OFPBRC_BUFFER_EMPTY',
    'OFPBRC_BUFFER_UNKNOWN', 'OFPBRC_BAD_TABLE_ID', 'OFPBRC_IS_SLAVE', 'OFPBRC_BAD_PORT',
    'OFPBRC_BAD_PACKET', 'OFPBRC_MULTIPART_BUFFER_OVERFLOW'] },
  2: { name: 'OFPET_BAD_ACTION', codes: [
    'OFPBAC_BAD_TYPE', 'OFPBAC_BAD_LEN', 'OFPBAC_BAD_EXPERIMENTER', 'OFPBAC_BAD_EXP_TYPE',
    'OFPBAC_BAD_OUT_PORT', 'OFPBAC_BAD_ARGUMENT', 'OFPBAC_EPERM', 'OFPBAC_TOO_MANY',
    'OFPBAC_BAD_QUEUE', 'OFPBAC_BAD_OUT_GROUP', 'OFPBAC_MATCH_INCONSISTENT',
    'OFPBAC_UNSUPPORTED_ORDER', 'OFPBAC_BAD_TAG', 'OFPBAC_BAD_SET_TYPE', 'OFPBAC_BAD_SET_LEN',
    'OFPBAC_BAD_SET_ARGUMENT'] },
  3: { name: 'OFPET_BAD_INSTRUCTION', codes: [
    'OFPBIC_UNKNOWN_INST', 'OFPBIC_UNSUP_INST', 'OFPBIC_BAD_TABLE_ID', 'OFPBIC_UNSUP_METADATA',
    'OFPBIC_UNSUP_METADATA_MASK', 'OFPBIC_BAD_EXPERIMENTER', 'OFPBIC_BAD_EXP_TYPE',
    'OFPBIC_BAD_LEN', 'OFPBIC_EPERM'] },
  4: { name: 'OFPET_BAD_MATCH', codes: [
    'OFPBMC_BAD_TYPE', 'OFPBMC_BAD_LEN', 'OFPBMC_BAD_TAG', 'OFPBMC_BAD_DL_ADDR_MASK',
    'OFPBMC_BAD_NW_ADDR_MASK', 'OFPBMC_BAD_WILDCARDS', 'OFPBMC_BAD_FIELD', 'OFPBMC_BAD_VALUE',
    'OFPBMC_BAD_MASK', 'OFPBMC_BAD_PREREQ', 'OFPBMC_DUP_FIELD', 'OFPBMC_EPERM'] },
  5: { name: 'OFPET_FLOW_MOD_FAILED', codes: [
    'OFPFMFC_UNKNOWN', 'OFPFMFC_TABLE_FULL', 'OFPFMFC_BAD_TABLE_ID', 'OFPFMFC_OVERLAP',
    'OFPFMFC_EPERM', 'OFPFMFC_BAD_TIMEOUT', 'OFPFMFC_BAD_COMMAND', 'OFPFMFC_BAD_FLAGS'] },
  6: { name: 'OFPET_GROUP_MOD_FAILED', codes: [
    'OFPGMFC_GROUP_EXISTS', 'OFPGMFC_INVALID_GROUP', 'OFPGMFC_WEIGHT_UNSUPPORTED',
    'OFPGMFC_OUT_OF_GROUPS', 'OFPGMFC_OUT_OF_BUCKETS', 'OFPGMFC_CHAINING_UNSUPPORTED',
    'OFPGMFC_WATCH_UNSUPPORTED', 'OFPGMFC_LOOP', 'OFPGMFC_UNKNOWN_GROUP', 'OFPGMFC_CHAINED_GROUP',
    'OFPGMFC_BAD_TYPE', 'OFPGMFC_BAD_COMMAND', 'OFPGMFC_BAD_BUCKET', 'OFPGMFC_BAD_WATCH',
    'OFPGMFC_EPERM'] },
  7: { name: 'OFPET_PORT_MOD_FAILED', codes: [
    'OFPPMFC_BAD_PORT', 'OFPPMFC_BAD_HW_ADDR', 'OFPPMFC_BAD_CONFIG', 'OFPPMFC_BAD_ADVERTISE',
    'OFPPMFC_EPERM'] },
  8: { name: 'OFPET_TABLE_MOD_FAILED', codes: ['OFPTMFC_BAD_TABLE', 'OFPTMFC_BAD_CONFIG', 'OFPTMFC_EPERM'] },
  9: { name: 'OFPET_QUEUE_OP_FAILED', codes: ['OFPQOFC_BAD_PORT', 'OFPQOFC_BAD_QUEUE', 'OFPQOFC_EPERM'] },
  10: { name: 'OFPET_SWITCH_CONFIG_FAILED', codes: ['OFPSCFC_BAD_FLAGS', 'OFPSCFC_BAD_LEN', 'OFPSCFC_EPERM'] },
  11: { name: 'OFPET_ROLE_REQUEST_FAILED', codes: ['OFPRRFC_STALE', 'OFPRRFC_UNSUP', 'OFPRRFC_BAD_ROLE'] },
  12: { name: 'OFPET_METER_MOD_FAILED', codes: [
    'OFPMMFC_UNKNOWN', 'OFPMMFC_METER_EXISTS', 'OFPMMFC_INVALID_METER', 'OFPMMFC_UNKNOWN_METER',
    'OFPMMFC_BAD_COMMAND', 'OFPMMFC_BAD_FLAGS', 'OFPMMFC_BAD_RATE', 'OFPMMFC_BAD_BURST',
    'OFPMMFC_BAD_BAND', 'OFPMMFC_BAD_BAND_VALUE', 'OFPMMFC_OUT_OF_METERS', 'OFPMMFC_OUT_OF_BANDS'] },
  13: { name: 'OFPET_TABLE_FEATURES_FAILED', codes: [
    'OFPTFFC_BAD_TABLE', 'OFPTFFC_BAD_METADATA', 'OFPTFFC_BAD_TYPE', 'OFPTFFC_BAD_LEN',
    'OFPTFFC_BAD_ARGUMENT', 'OFPTFFC_EPERM'] },
  0xffff: { name: 'OFPET_EXPERIMENTER', codes: [] },
};

function hex4(n: number): string {
  return '0x' + n.toString(16).padStart(4, '0');
}

/**
 * Spec names for an ERROR's type and code, for logs and metrics:
 * errorNames(5, 1) -> { typeName: 'OFPET_FLOW_MOD_FAILED', codeName: 'OFPFMFC_TABLE_FULL' }.
 * Unknown values get 'OFPET_UNKNOWN_0x1234' / '<prefix>_UNKNOWN_0x0042'.
 */
export function errorNames(err_type: number, code: number): { typeName: string; codeName: string } {
  const t = ERROR_TABLE[err_type];
  if (t === undefined) return { typeName: `OFPET_UNKNOWN_${hex4(err_type)}`, codeName: `UNKNOWN_${hex4(code)}` };
  const name = t.codes[code];
  if (name !== undefined) return { typeName: t.name, codeName: name };
  if (err_type === OFPET_EXPERIMENTER) return { typeName: t.name, codeName: `EXP_TYPE_${hex4(code)}` };
  const prefix = t.codes[0]!.slice(0, t.codes[0]!.indexOf('_'));
  return { typeName: t.name, codeName: `${prefix}_UNKNOWN_${hex4(code)}` };
}
