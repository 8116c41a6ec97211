/**
 * Typed RADIUS errors with stable codes (used in logs and in the
 * op25b_radius_packets_total{result} metric). Every way a datagram can be
 * refused surfaces as a RadiusError; nothing else may escape the decoder.
 */

export type RadiusErrorCode =
  /** Datagram shorter than the 20-octet header, or shorter than its Length field. */
  | 'RADIUS_ERR_SHORT'
  /** Length field below 20 or above 4096 (RFC 2865 section 3). */
  | 'RADIUS_ERR_BAD_LENGTH'
  /** Attribute Length below 2, running past Length, or a value of the wrong size/format for its type. */
  | 'RADIUS_ERR_BAD_ATTRIBUTE'
  /** Request/Response Authenticator or Message-Authenticator does not match the shared secret. */
  | 'RADIUS_ERR_BAD_AUTHENTICATOR'
  /** A packet that must carry Message-Authenticator (Status-Server, RFC 5997) has none. */
  | 'RADIUS_ERR_MISSING_AUTHENTICATOR'
  /** Source address is not a configured client. */
  | 'RADIUS_ERR_UNKNOWN_CLIENT'
  /** Code this server does not serve (e.g. Access-Request on the accounting port). */
  | 'RADIUS_ERR_UNSUPPORTED_CODE'
  /** Well-formed but a required attribute is missing or has a bad value (RFC 2866 Acct-Session-Id, ...). */
  | 'RADIUS_ERR_MISSING_ATTRIBUTE'
  /** Encoder: value does not fit its attribute type, or packet over 4096 octets. */
  | 'RADIUS_ERR_ENCODE';

export class RadiusError extends Error {
  override readonly name = 'RadiusError';
  constructor(
    readonly code: RadiusErrorCode,
    message: string,
    /** Octet offset in the datagram where the problem was found, when known. */
    readonly offset?: number,
    /** Attribute type number concerned, when known. */
    readonly attribute?: number,
  ) {
    super(`${code}: ${message}${offset !== undefined ? ` (offset ${offset})` : ''}`);
  }
}

export function isRadiusError(e: unknown): e is RadiusError {
  return e instanceof RadiusError;
}
