/**
 * The one error type the OpenFlow library throws. Every failure has a stable
 * `code` (for logs, metrics and API responses), the byte offset where decoding
 * stopped, and what of the header was parsed before it.
 */

export type OfErrorCode =
  /** Header length below 8, or a structure length that disagrees with the bytes. */
  | 'OF_ERR_BAD_LEN'
  /** Header length above the framer's configured maximum. */
  | 'OF_ERR_TOO_LONG'
  /** Fewer bytes than a structure needs. */
  | 'OF_ERR_TRUNCATED'
  /** Header version is not 0x04 (HELLO and ERROR excepted). */
  | 'OF_ERR_BAD_VERSION'
  /** A field value outside what the spec allows (bad padding length, bad OXM length...). */
  | 'OF_ERR_BAD_VALUE'
  /** A match that breaks OXM prerequisites (spec 7.2.3.6), or a mask where none is allowed. */
  | 'OF_ERR_BAD_PREREQ'
  /** An input the caller gave that cannot be encoded (unknown field name, out-of-range value). */
  | 'OF_ERR_BAD_ARGUMENT'
  /** Ryu JSON or ofctl_rest form that does not describe a message. */
  | 'OF_ERR_BAD_JSON';

export interface OfHeaderSoFar {
  version?: number;
  type?: number;
  length?: number;
  xid?: number;
}

export class OfError extends Error {
  override readonly name = 'OfError';
  constructor(
    readonly code: OfErrorCode,
    message: string,
    /** Offset in the message (or stream) where the problem was found. */
    readonly offset?: number,
    readonly header?: OfHeaderSoFar,
  ) {
    super(offset === undefined ? `${code}: ${message}` : `${code} at offset ${offset}: ${message}`);
  }
}

export function isOfError(e: unknown): e is OfError {
  return e instanceof OfError;
}
