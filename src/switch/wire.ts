/**
 * Wire facts the channel itself relies on, beyond the codec's constants
 * (OpenFlow Switch Specification 1.3.5).
 */
import { OFPT_METER_MOD, OFPPR_ADD, OFPPR_DELETE, OFPPR_MODIFY } from '../openflow';

/** Highest enum ofp_type value in 1.3: a type above it is unknown (answer OFPBRC_BAD_TYPE). */
export const OFPT_MAX_1_3 = OFPT_METER_MOD;

/** OFPHET_VERSIONBITMAP: bit n of the first word is wire version n; 1.3 is 0x04 (spec 7.5.1). */
export const VERSION_1_3_BIT = 1 << 4;

/** ofp_port_reason to the SwitchEvent word. */
export const PORT_REASONS: Record<number, 'add' | 'delete' | 'modify'> = {
  [OFPPR_ADD]: 'add', [OFPPR_DELETE]: 'delete', [OFPPR_MODIFY]: 'modify',
};

/** OFPT_ERROR data: at least 64 bytes of the offending message (spec 7.5.4). */
export const ERROR_DATA_BYTES = 64;
