/**
 * The I/O edge of the RADIUS servers: one UDP socket, a handler that turns a
 * datagram into an optional reply. The handler never rejects (servers catch
 * and count everything); a reply is sent to the datagram's source.
 */
import { createSocket, type Socket } from 'dgram';

export interface Peer {
  address: string;
  port: number;
}

export type DatagramHandler = (msg: Buffer, peer: Peer) => Promise<Buffer | undefined>;

export class UdpEndpoint {
  private socket: Socket | undefined;

  constructor(private readonly handler: DatagramHandler, private readonly onError: (e: Error) => void) {}

  async listen(host: string, port: number): Promise<Peer> {
    const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    this.socket = sock;
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', (e) => this.onError(e));
    try {
      // Bursts of accounting (a NAS reboot, a relay draining its queue) must not overflow the kernel buffer.
      sock.setRecvBufferSize(4 * 1024 * 1024);
    } catch {
      /* capped by net.core.rmem_max: keep the default */
    }
    sock.on('message', (msg, rinfo) => {
      void this.handler(msg, { address: rinfo.address, port: rinfo.port }).then((reply) => {
        if (reply && this.socket) this.socket.send(reply, rinfo.port, rinfo.address, (e) => { if (e) this.onError(e); });
      }, (e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))));
    });
    const a = sock.address();
    return { address: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
