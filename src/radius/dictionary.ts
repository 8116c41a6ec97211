/**
 * A FreeRADIUS-style dictionary for the attributes this product reads or
 * writes (names as in /usr/share/freeradius/dictionary.rfc*). Attributes not
 * listed here are kept as opaque octets; Vendor-Specific is kept opaque except
 * the ADSL-Forum / Broadband Forum sub-attributes (RFC 4679, vendor 3561).
 *
 * | type       | wire format (RFC 8044)                                   |
 * |------------|----------------------------------------------------------|
 * | text       | 1-253 octets, UTF-8                                      |
 * | string     | 1-253 octets, opaque (kept as Buffer)                    |
 * | integer    | exactly 4 octets, unsigned big-endian                    |
 * | date       | exactly 4 octets, seconds since 1970-01-01 UTC           |
 * | ipaddr     | exactly 4 octets                                         |
 * | ipv6addr   | exactly 16 octets                                        |
 * | ifid       | exactly 8 octets                                         |
 * | ipv6prefix | Reserved(1)=0, Prefix-Length(1)<=128, Prefix(0-16 octets) |
 * | vsa        | Vendor-Id(4), then vendor data (>= 1 octet)              |
 */

export type AttributeType = 'text' | 'string' | 'integer' | 'date' | 'ipaddr' | 'ipv6addr' | 'ifid' | 'ipv6prefix' | 'vsa';

export interface AttributeDef {
  name: string;
  type: number;
  kind: AttributeType;
}

const DEFS: readonly [string, number, AttributeType][] = [
  ['User-Name', 1, 'text'],
  ['User-Password', 2, 'string'],
  ['CHAP-Password', 3, 'string'],
  ['NAS-IP-Address', 4, 'ipaddr'],
  ['NAS-Port', 5, 'integer'],
  ['Service-Type', 6, 'integer'],
  ['Framed-Protocol', 7, 'integer'],
  ['Framed-IP-Address', 8, 'ipaddr'],
  ['Framed-IP-Netmask', 9, 'ipaddr'],
  ['Filter-Id', 11, 'text'],
  ['Framed-MTU', 12, 'integer'],
  ['Reply-Message', 18, 'text'],
  ['State', 24, 'string'],
  ['Class', 25, 'string'],
  ['Vendor-Specific', 26, 'vsa'],
  ['Session-Timeout', 27, 'integer'],
  ['Idle-Timeout', 28, 'integer'],
  ['Termination-Action', 29, 'integer'],
  ['Called-Station-Id', 30, 'text'],
  ['Calling-Station-Id', 31, 'text'],
  ['NAS-Identifier', 32, 'text'],
  ['Proxy-State', 33, 'string'],
  ['Acct-Status-Type', 40, 'integer'],
  ['Acct-Delay-Time', 41, 'integer'],
  ['Acct-Input-Octets', 42, 'integer'],
  ['Acct-Output-Octets', 43, 'integer'],
  ['Acct-Session-Id', 44, 'text'],
  ['Acct-Authentic', 45, 'integer'],
  ['Acct-Session-Time', 46, 'integer'],
  ['Acct-Input-Packets', 47, 'integer'],
  ['Acct-Output-Packets', 48, 'integer'],
  ['Acct-Terminate-Cause', 49, 'integer'],
  ['Acct-Multi-Session-Id', 50, 'text'],
  ['Acct-Link-Count', 51, 'integer'],
  ['Acct-Input-Gigawords', 52, 'integer'],
  ['Acct-Output-Gigawords', 53, 'integer'],
  ['Event-Timestamp', 55, 'date'],
  ['CHAP-Challenge', 60, 'string'],
  ['NAS-Port-Type', 61, 'integer'],
  ['Acct-Interim-Interval', 85, 'integer'],
  ['Message-Authenticator', 80, 'string'],
  ['NAS-Port-Id', 87, 'text'],
  ['Chargeable-User-Identity', 89, 'string'],
  ['NAS-IPv6-Address', 95, 'ipv6addr'],
  ['Framed-Interface-Id', 96, 'ifid'],
  ['Framed-IPv6-Prefix', 97, 'ipv6prefix'],
  ['Error-Cause', 101, 'integer'],
  ['Delegated-IPv6-Prefix', 123, 'ipv6prefix'],
  ['Framed-IPv6-Address', 168, 'ipv6addr'],
];

export const ATTRIBUTES_BY_NAME: ReadonlyMap<string, AttributeDef> = new Map(DEFS.map(([name, type, kind]) => [name, { name, type, kind }]));
export const ATTRIBUTES_BY_TYPE: ReadonlyMap<number, AttributeDef> = new Map(DEFS.map(([name, type, kind]) => [type, { name, type, kind }]));

export type AttributeName = (typeof DEFS)[number][0];

/** ADSL-Forum (now Broadband Forum) vendor id, RFC 4679. */
export const VENDOR_ADSL_FORUM = 3561;
/** RFC 4679 sub-attributes of vendor 3561 that we decode (both octets; we expose them as text). */
export const ADSL_FORUM_ATTRIBUTES: ReadonlyMap<number, string> = new Map([
  [1, 'ADSL-Agent-Circuit-Id'],
  [2, 'ADSL-Agent-Remote-Id'],
]);

/** Packet codes (RFC 2865 section 3, RFC 2866, RFC 5176, RFC 5997). */
export const CODE = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
  STATUS_SERVER: 12,
  STATUS_CLIENT: 13,
  DISCONNECT_REQUEST: 40,
  DISCONNECT_ACK: 41,
  DISCONNECT_NAK: 42,
  COA_REQUEST: 43,
  COA_ACK: 44,
  COA_NAK: 45,
} as const;

export const CODE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Access-Request'], [2, 'Access-Accept'], [3, 'Access-Reject'], [4, 'Accounting-Request'],
  [5, 'Accounting-Response'], [11, 'Access-Challenge'], [12, 'Status-Server'], [13, 'Status-Client'],
  [40, 'Disconnect-Request'], [41, 'Disconnect-ACK'], [42, 'Disconnect-NAK'],
  [43, 'CoA-Request'], [44, 'CoA-ACK'], [45, 'CoA-NAK'],
]);

/** Acct-Status-Type values (RFC 2866 section 5.1). */
export const ACCT_STATUS_TYPE = {
  START: 1,
  STOP: 2,
  INTERIM_UPDATE: 3,
  ACCOUNTING_ON: 7,
  ACCOUNTING_OFF: 8,
} as const;

/** Error-Cause values (RFC 5176 section 3.5). */
export const ERROR_CAUSE = {
  RESIDUAL_SESSION_CONTEXT_REMOVED: 201,
  INVALID_EAP_PACKET: 202,
  UNSUPPORTED_ATTRIBUTE: 401,
  MISSING_ATTRIBUTE: 402,
  NAS_IDENTIFICATION_MISMATCH: 403,
  INVALID_REQUEST: 404,
  UNSUPPORTED_SERVICE: 405,
  UNSUPPORTED_EXTENSION: 406,
  INVALID_ATTRIBUTE_VALUE: 407,
  ADMINISTRATIVELY_PROHIBITED: 501,
  REQUEST_NOT_ROUTABLE: 502,
  SESSION_CONTEXT_NOT_FOUND: 503,
  SESSION_CONTEXT_NOT_REMOVABLE: 504,
  OTHER_PROXY_PROCESSING_ERROR: 505,
  RESOURCES_UNAVAILABLE: 506,
  REQUEST_INITIATED: 507,
  MULTIPLE_SESSION_SELECTION_UNSUPPORTED: 508,
} as const;
