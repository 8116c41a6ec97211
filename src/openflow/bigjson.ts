/**
 * JSON with exact 64-bit integers.
 *
 * Cookies, datapath ids, metadata, tunnel ids and counters are 64-bit
 * unsigned; `JSON.parse` would round anything above 2^53. Ryu (Python)
 * writes them as bare integer literals (`"cookie": 18446744073709551615`),
 * so we do the same: `bigint` is written as an integer literal, and on input
 * an integer literal outside the safe range comes back as `bigint`.
 *
 * | input literal                    | parseJson gives |
 * |----------------------------------|-----------------|
 * | integer, |n| <= 2^53 - 1         | number          |
 * | integer beyond that              | bigint (exact)  |
 * | fraction / exponent              | number          |
 */
import { parse, isInteger, isSafeNumber } from 'lossless-json';
import { OfError } from './errors';

function parseNumber(text: string): number | bigint {
  if (isInteger(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

/** Parse JSON text; integers beyond 2^53 - 1 become `bigint`. Throws OfError OF_ERR_BAD_JSON on bad syntax. */
export function parseJson(text: string): unknown {
  try {
    return parse(text, null, parseNumber);
  } catch (e) {
    throw new OfError('OF_ERR_BAD_JSON', `invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Serialize like `JSON.stringify(v, null, indent)`, but `bigint` is written
 * as a bare integer literal. Buffers are refused (Ryu JSON carries bytes as
 * base64 strings; convert first) so binary data never leaks as {type,data}.
 */
export function stringifyJson(v: unknown, indent?: number): string {
  const out: string[] = [];
  const pad = indent !== undefined && indent > 0 ? ' '.repeat(indent) : '';
  write(v, '', out, pad);
  return out.join('');
}

function write(v: unknown, cur: string, out: string[], pad: string): void {
  switch (typeof v) {
    case 'bigint':
      out.push(v.toString());
      return;
    case 'number':
      out.push(Number.isFinite(v) ? String(v) : 'null');
      return;
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      // undefined, function, symbol: JSON.stringify writes null inside arrays
      out.push('null');
      return;
  }
  if (v === null) {
    out.push('null');
    return;
  }
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
    throw new OfError('OF_ERR_BAD_ARGUMENT', 'stringifyJson: a Buffer has no JSON form (encode it as base64 first)');
  }
  const inner = cur + pad;
  const nl = pad ? '\n' : '';
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push('[]');
      return;
    }
    out.push('[');
    v.forEach((e, i) => {
      if (i > 0) out.push(',');
      out.push(nl, pad ? inner : '');
      write(e, inner, out, pad);
    });
    out.push(nl, pad ? cur : '', ']');
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(
    ([, e]) => e !== undefined && typeof e !== 'function' && typeof e !== 'symbol',
  );
  if (entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{');
  entries.forEach(([k, e], i) => {
    if (i > 0) out.push(',');
    out.push(nl, pad ? inner : '', JSON.stringify(k), pad ? ': ' : ':');
    write(e, inner, out, pad);
  });
  out.push(nl, pad ? cur : '', '}');
}
