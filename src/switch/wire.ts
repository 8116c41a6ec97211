/**
 * The few OpenFlow 1.3 wire values the channel itself needs (spec 7.1 - 7.5).
 * Kept here as plain numbers so the channel depends on the codec only for
 * encode/decode/framing/error names.
 */

/** Highest value of enum ofp_type in 1.3 (OFPT_METER_MOD); a type above it is unknown (OFPBRC_BAD_TYPE). */
export const OFPT_MAX_1_3 = 29;

/** Bit 4 of the first bitmap word of OFPHET_VERSIONBITMAP is wire version 0x04 (spec 7.5.1). */
export const VERSION_1_3_BIT = 1 << 4;

export const OFPET_HELLO_FAILED = 0;
export const OFPHFC_INCOMPATIBLE = 0;
export const OFPET_BAD_REQUEST = 1;
export const OFPBRC_BAD_VERSION = 0;
export const OFPBRC_BAD_TYPE = 1;
export const OFPBRC_BAD_LEN = 6;

export const OFPP_ANY = 0xffffffff;
export const OFPG_ANY = 0xffffffff;
export const OFPTT_ALL = 0xff;
export const OFPMPF_REPLY_MORE = 1;
/** miss_send_len: send whole packets, no buffering (the OP25B app does not use packet-ins). */
export const OFPCML_NO_BUFFER = 0xffff;

/** ofp_port_reason */
export const PORT_REASONS = ['add', 'delete', 'modify'] as const;

/** The spec's rule for OFPT_ERROR data: at least 64 bytes of the offending message (spec 7.5.4). */
export const ERROR_DATA_BYTES = 64;
