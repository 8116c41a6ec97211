/**
 * A scripted OpenFlow 1.3 switch over a real loopback TCP socket, written
 * with the codec. It answers the handshake, barriers, echoes and roles by
 * itself; a test's `onMessage` runs first and may take over any message.
 */
import * as net from 'net';
import * as tls from 'tls';
import { decode, encode, Framer } from '../../src/openflow';
import type { Desc, OfMessage, Port } from '../../src/openflow/types';

export interface FakeSwitchOptions {
  dpid: bigint;
  ports?: Port[];
  desc?: Desc;
  /** Header version of our HELLO (default 4). */
  helloVersion?: number;
  /** Version bitmap words; null sends no bitmap element (default [1 << 4]). */
  helloBitmaps?: number[] | null;
  /** Answer the controller's echoes (default true). */
  answerEcho?: boolean;
  /** Split the PORT_DESC reply into this many parts (REPLY_MORE on all but the last). */
  portDescParts?: number;
  /** Runs first for every message; return true when it answered (the defaults then stay quiet). */
  onMessage?: (msg: OfMessage, sw: FakeSwitch) => boolean | void;
}

export function mkPort(port_no: number, name = `p${port_no}`): Port {
  const b = port_no & 0xff;
  return {
    port_no, name, hw_addr: `02:00:00:00:00:${b.toString(16).padStart(2, '0')}`,
    config: 0, state: 4, curr: 0x2008, advertised: 0, supported: 0, peer: 0, curr_speed: 10000000, max_speed: 0,
  };
}

export const FAKE_DESC: Desc = { mfr_desc: 'op25b tests', hw_desc: 'fake switch', sw_desc: '0.0', serial_num: 'none', dp_desc: 'loopback fake' };

export class FakeSwitch {
  readonly received: OfMessage[] = [];
  /** Resolves when the controller (or we) closed the socket. */
  readonly closed: Promise<void>;
  private readonly framer = new Framer();
  private waiters: { pred: (m: OfMessage) => boolean; resolve: (m: OfMessage) => void }[] = [];
  /** Bytes of everything received, for raw assertions. */
  decodeErrors: unknown[] = [];

  private constructor(readonly socket: net.Socket, readonly opts: FakeSwitchOptions) {
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.framer.push(chunk);
      } catch (e) {
        this.decodeErrors.push(e);
        return;
      }
      for (const f of frames) {
        let msg: OfMessage;
        try {
          msg = decode(f);
        } catch (e) {
          this.decodeErrors.push(e);
          continue;
        }
        this.received.push(msg);
        this.handle(msg);
        const ws = this.waiters;
        this.waiters = [];
        for (const w of ws) {
          if (w.pred(msg)) w.resolve(msg);
          else this.waiters.push(w);
        }
      }
    });
  }

  /** With `tlsOptions`, connects over TLS (as OVS's ssl: target does). */
  static connect(port: number, opts: FakeSwitchOptions, sendHello = true, tlsOptions?: tls.ConnectionOptions): Promise<FakeSwitch> {
    return new Promise((resolve, reject) => {
      const socket = tlsOptions ? tls.connect({ ...tlsOptions, port, host: '127.0.0.1' }) : net.connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        const sw = new FakeSwitch(socket, opts);
        if (sendHello) {
          const bitmaps = opts.helloBitmaps === undefined ? [1 << 4] : opts.helloBitmaps;
          sw.send({
            type: 'HELLO', xid: 1, version: opts.helloVersion ?? 4,
            elements: bitmaps === null ? [] : [{ type: 'VERSIONBITMAP', bitmaps }],
          });
        }
        resolve(sw);
      });
    });
  }

  send(msg: OfMessage): void {
    this.socket.write(encode(msg));
  }

  sendRaw(buf: Buffer): void {
    this.socket.write(buf);
  }

  /** The first received message (past or future) matching `pred`. */
  waitFor(pred: (m: OfMessage) => boolean, what = 'message', timeoutMs = 5000): Promise<OfMessage> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`fake switch: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  end(): void {
    this.socket.destroy();
  }

  private handle(msg: OfMessage): void {
    if (this.opts.onMessage?.(msg, this) === true) return;
    const ports = this.opts.ports ?? [mkPort(1), mkPort(2)];
    switch (msg.type) {
      case 'FEATURES_REQUEST':
        this.send({ type: 'FEATURES_REPLY', xid: msg.xid, datapath_id: this.opts.dpid, n_buffers: 0, n_tables: 254, auxiliary_id: 0, capabilities: 0x4f });
        return;
      case 'ECHO_REQUEST':
        if (this.opts.answerEcho !== false) this.send({ type: 'ECHO_REPLY', xid: msg.xid, data: msg.data });
        return;
      case 'BARRIER_REQUEST':
        this.send({ type: 'BARRIER_REPLY', xid: msg.xid });
        return;
      case 'ROLE_REQUEST':
        this.send({ type: 'ROLE_REPLY', xid: msg.xid, role: msg.role, generation_id: msg.generation_id });
        return;
      case 'MULTIPART_REQUEST':
        if (msg.multipart === 'PORT_DESC') {
          const n = Math.max(1, this.opts.portDescParts ?? 1);
          const per = Math.ceil(ports.length / n);
          for (let i = 0; i < n; i++) {
            this.send({
              type: 'MULTIPART_REPLY', xid: msg.xid, flags: i < n - 1 ? 1 : 0, multipart: 'PORT_DESC',
              body: ports.slice(i * per, (i + 1) * per),
            });
          }
        } else if (msg.multipart === 'DESC') {
          this.send({ type: 'MULTIPART_REPLY', xid: msg.xid, flags: 0, multipart: 'DESC', body: this.opts.desc ?? FAKE_DESC });
        }
        return;
      default:
        return;
    }
  }
}
