/**
 * `op25b ofp decode|encode`: OpenFlow 1.3 bytes <-> Ryu JSON, for operators
 * debugging a switch (paste a capture, get Ryu's view of it; or write a
 * message as Ryu JSON and get the bytes to replay).
 *
 *   op25b ofp decode [--binary] [--xid]   stdin: hex text (whitespace, newlines,
 *                                         0x prefixes, ':' separators and # comments
 *                                         tolerated; several messages in a row, a
 *                                         message may span lines) or raw bytes;
 *                                         stdout: one Ryu JSON message per line
 *   op25b ofp encode                      stdin: one Ryu JSON message per line
 *                                         (an optional "xid" key inside the class
 *                                         object sets the xid); stdout: hex, one
 *                                         message per line
 *
 * A bad input line or message gets one line on stderr naming the input line,
 * the byte offset and the problem; the rest is still processed, and the exit
 * status is 1 if anything failed.
 */
import type { Command } from 'commander';
import { decode, encode } from '../openflow';
import { isOfError } from '../openflow/errors';
import { fromJsonDict, toJsonDict } from '../openflow/json';
import { parseJson, stringifyJson } from '../openflow/bigjson';

export interface RunResult {
  /** What goes to stdout, one entry per line. */
  out: string[];
  /** One-line error messages for stderr. */
  errors: string[];
}

export interface DecodeOptions {
  binary?: boolean;
  /** Add the xid inside each message's class object (not in Ryu's form). */
  xid?: boolean;
}

function problem(e: unknown): string {
  return isOfError(e) || e instanceof Error ? e.message : String(e);
}

function decodeOne(msg: Buffer, opts: DecodeOptions): string {
  return stringifyJson(toJsonDict(decode(msg), { xid: opts.xid === true }));
}

/** Raw bytes: messages back to back. A header length below 8 cannot be resynchronised, so it ends the run. */
function decodeBinary(input: Buffer, opts: DecodeOptions, res: RunResult): void {
  let off = 0;
  while (off < input.length) {
    const left = input.length - off;
    if (left < 8) {
      res.errors.push(`byte offset ${off}: OF_ERR_TRUNCATED: ${left} trailing bytes, less than an 8-byte header`);
      return;
    }
    const len = input.readUInt16BE(off + 2);
    if (len < 8) {
      res.errors.push(`byte offset ${off}: OF_ERR_BAD_LEN: header length ${len} < 8; cannot find the next message, stopping`);
      return;
    }
    if (len > left) {
      res.errors.push(`byte offset ${off}: OF_ERR_TRUNCATED: header length ${len}, only ${left} bytes left`);
      return;
    }
    try {
      res.out.push(decodeOne(input.subarray(off, off + len), opts));
    } catch (e) {
      res.errors.push(`byte offset ${off}: ${problem(e)}`);
    }
    off += len;
  }
}

/** Cleans one line of hex text; returns its bytes or a problem naming the column. */
function hexLine(line: string): Buffer | string {
  const text = line.replace(/#.*$/, '');
  let digits = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === ':' || c === ',') continue;
    if (c === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
      i++;
      continue;
    }
    if (!/[0-9a-fA-F]/.test(c)) return `column ${i + 1}: ${JSON.stringify(c)} is not a hex digit`;
    digits += c;
  }
  if (digits.length % 2 !== 0) return `odd number of hex digits (${digits.length})`;
  return Buffer.from(digits, 'hex');
}

/**
 * Hex text: bytes accumulate across lines and are cut into messages by
 * their header length. A line that is not hex is reported and skipped, and
 * so is a pending partial message it interrupts; a header length below 8
 * drops the pending bytes and decoding resumes at the next line.
 */
function decodeHex(text: string, opts: DecodeOptions, res: RunResult): void {
  let pending: Buffer = Buffer.alloc(0);
  let pendingLine = 0; // line where the pending message starts
  let streamOff = 0; // byte offset of pending[0] in the decoded stream
  const lines = text.split('\n');
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    const bytes = hexLine(line);
    if (typeof bytes === 'string') {
      res.errors.push(`line ${lineNo}: ${bytes}` + (pending.length ? `; dropping the ${pending.length} bytes of the message begun on line ${pendingLine}` : ''));
      streamOff += pending.length;
      pending = Buffer.alloc(0);
      return;
    }
    if (bytes.length === 0) return;
    if (pending.length === 0) pendingLine = lineNo;
    pending = pending.length ? Buffer.concat([pending, bytes]) : bytes;
    while (pending.length >= 8) {
      const len = pending.readUInt16BE(2);
      if (len < 8) {
        res.errors.push(`line ${pendingLine}, byte offset ${streamOff}: OF_ERR_BAD_LEN: header length ${len} < 8; skipping to the next line`);
        streamOff += pending.length;
        pending = Buffer.alloc(0);
        return;
      }
      if (pending.length < len) return; // the message continues on a later line
      try {
        res.out.push(decodeOne(pending.subarray(0, len), opts));
      } catch (e) {
        res.errors.push(`line ${pendingLine}, byte offset ${streamOff}: ${problem(e)}`);
      }
      pending = pending.subarray(len);
      streamOff += len;
      pendingLine = lineNo;
    }
  });
  if (pending.length > 0) {
    const need = pending.length >= 4 ? `header length ${pending.readUInt16BE(2)}, only ${pending.length} bytes` : `${pending.length} bytes, less than an 8-byte header`;
    res.errors.push(`line ${pendingLine}, byte offset ${streamOff}: OF_ERR_TRUNCATED: input ends inside a message (${need})`);
  }
}

export function runDecode(input: Buffer, opts: DecodeOptions = {}): RunResult {
  const res: RunResult = { out: [], errors: [] };
  if (opts.binary) decodeBinary(input, opts, res);
  else decodeHex(input.toString('latin1'), opts, res);
  return res;
}

/** One Ryu JSON message per line; blank lines and lines starting with # are skipped. */
export function runEncode(text: string): RunResult {
  const res: RunResult = { out: [], errors: [] };
  text.split('\n').forEach((line, idx) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    try {
      res.out.push(encode(fromJsonDict(parseJson(t))).toString('hex'));
    } catch (e) {
      res.errors.push(`line ${idx + 1}: ${problem(e)}`);
    }
  });
  return res;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function finish(name: string, res: RunResult): void {
  if (res.out.length) process.stdout.write(res.out.join('\n') + '\n');
  for (const e of res.errors) process.stderr.write(`op25b ofp ${name}: ${e}\n`);
  if (res.errors.length) process.exitCode = 1;
}

export function registerOfp(program: Command): void {
  const ofp = program.command('ofp').description('OpenFlow 1.3 messages: bytes <-> Ryu JSON (stdin to stdout)');
  ofp.command('decode')
    .description('read OpenFlow messages (hex text, or raw bytes with --binary) and print each as Ryu JSON, one per line')
    .option('--binary', 'stdin is raw bytes, not hex text')
    .option('--xid', 'add each message\'s xid inside its class object (not part of Ryu\'s form)')
    .action(async (opts: { binary?: boolean; xid?: boolean }) => {
      finish('decode', runDecode(await readStdin(), opts));
    });
  ofp.command('encode')
    .description('read Ryu JSON messages, one per line, and print each one\'s bytes as hex, one per line')
    .action(async () => {
      finish('encode', runEncode((await readStdin()).toString('utf8')));
    });
}
