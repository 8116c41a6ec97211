/**
 * Classic pcap files (libpcap format, linktype 1 = Ethernet) built from
 * application payloads, so an independent decoder (tshark) can read what our
 * encoders produce.
 *
 *   const frames = [
 *     ...tcpStream([{ data: helloBytes }, { data: featuresReply, fromServer: false }], { serverPort: 6653 }),
 *     udpFrame(radiusBytes, { srcPort: 50000, dstPort: 1813 }),
 *   ];
 *   writeFileSync(path, pcapFile(frames));
 *
 * Every frame is Ethernet II / IPv4 (no options) / TCP (20-octet header) or
 * UDP. All lengths and the IPv4, TCP and UDP checksums are computed, so
 * tshark sees no checksum or length complaints even with checksum validation
 * on.
 *
 * pcap layout (little-endian, as written by libpcap on x86):
 * | off | size | global header field                        |
 * |-----|------|--------------------------------------------|
 * | 0   | 4    | magic 0xa1b2c3d4 (microsecond timestamps)  |
 * | 4   | 2+2  | version 2.4                                |
 * | 8   | 4+4  | thiszone 0, sigfigs 0                      |
 * | 16  | 4    | snaplen 65535                              |
 * | 20  | 4    | linktype 1 (Ethernet)                      |
 * then per record: ts_sec(4) ts_usec(4) incl_len(4) orig_len(4) and the frame.
 */

export const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;
const ETH_HEADER_LEN = 14;
const IPV4_HEADER_LEN = 20;
const TCP_HEADER_LEN = 20;
const UDP_HEADER_LEN = 8;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const ETHERTYPE_IPV4 = 0x0800;

/** TCP flag bits (RFC 9293 section 3.1). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** One link-layer frame and its capture time (microseconds since the epoch; default: frame index). */
export interface PcapRecord { frame: Buffer; timeUs?: number }

/** A whole pcap file: global header then one record per frame, in order. */
export function pcapFile(frames: (Buffer | PcapRecord)[], linktype = LINKTYPE_ETHERNET): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeInt32LE(0, 8);
  head.writeUInt32LE(0, 12);
  head.writeUInt32LE(SNAPLEN, 16);
  head.writeUInt32LE(linktype, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const rec: PcapRecord = Buffer.isBuffer(f) ? { frame: f } : f;
    if (rec.frame.length > SNAPLEN) throw new RangeError(`frame ${i} of ${rec.frame.length} octets exceeds the snaplen ${SNAPLEN}`);
    // A fixed base time keeps files reproducible; one millisecond per frame keeps them ordered.
    const us = rec.timeUs ?? 1_700_000_000_000_000 + i * 1000;
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(Math.floor(us / 1e6), 0);
    rh.writeUInt32LE(us % 1e6, 4);
    rh.writeUInt32LE(rec.frame.length, 8);
    rh.writeUInt32LE(rec.frame.length, 12);
    parts.push(rh, rec.frame);
  });
  return Buffer.concat(parts);
}

/** Internet checksum (RFC 1071) of the concatenated buffers, each starting on an even offset of the sum. */
export function internetChecksum(...bufs: Buffer[]): number {
  let sum = 0;
  for (const b of bufs) {
    let i = 0;
    for (; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    if (i < b.length) sum += b[i]! << 8;
    // fold often enough that the sum stays a small integer
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4Bytes(s: string): Buffer {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`not an IPv4 address: ${s}`);
  return Buffer.from(parts);
}

function macBytes(s: string): Buffer {
  const b = Buffer.from(s.replace(/:/g, ''), 'hex');
  if (b.length !== 6) throw new RangeError(`not a MAC address: ${s}`);
  return b;
}

export interface Endpoints {
  srcMac?: string;
  dstMac?: string;
  /** Default 192.0.2.1 (TEST-NET-1). */
  srcIp?: string;
  /** Default 192.0.2.2. */
  dstIp?: string;
}

/** Ethernet II + IPv4 (DF, TTL 64, no options) around an L4 segment; total length and header checksum computed. */
export function ipv4Frame(proto: number, l4: Buffer, ep: Endpoints = {}, ipId = 0): Buffer {
  const totalLen = IPV4_HEADER_LEN + l4.length;
  if (totalLen > 0xffff) throw new RangeError(`IPv4 datagram of ${totalLen} octets > 65535`);
  const eth = Buffer.alloc(ETH_HEADER_LEN);
  macBytes(ep.dstMac ?? '02:00:00:00:00:02').copy(eth, 0);
  macBytes(ep.srcMac ?? '02:00:00:00:00:01').copy(eth, 6);
  eth.writeUInt16BE(ETHERTYPE_IPV4, 12);
  const ip = Buffer.alloc(IPV4_HEADER_LEN);
  ip[0] = 0x45; // version 4, IHL 5 words
  ip.writeUInt16BE(totalLen, 2);
  ip.writeUInt16BE(ipId & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // DF, fragment offset 0
  ip[8] = 64;
  ip[9] = proto;
  ipv4Bytes(ep.srcIp ?? '192.0.2.1').copy(ip, 12);
  ipv4Bytes(ep.dstIp ?? '192.0.2.2').copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  return Buffer.concat([eth, ip, l4]);
}

/** Pseudo-header for the TCP/UDP checksum (RFC 768, RFC 9293 section 3.1). */
function pseudoHeader(src: string, dst: string, proto: number, l4len: number): Buffer {
  const p = Buffer.alloc(12);
  ipv4Bytes(src).copy(p, 0);
  ipv4Bytes(dst).copy(p, 4);
  p[9] = proto;
  p.writeUInt16BE(l4len, 10);
  return p;
}

export interface UdpOptions extends Endpoints { srcPort: number; dstPort: number }

/** One UDP datagram in an Ethernet/IPv4 frame; UDP length and checksum computed. */
export function udpFrame(payload: Buffer, o: UdpOptions): Buffer {
  const len = UDP_HEADER_LEN + payload.length;
  const udp = Buffer.alloc(UDP_HEADER_LEN);
  udp.writeUInt16BE(o.srcPort, 0);
  udp.writeUInt16BE(o.dstPort, 2);
  udp.writeUInt16BE(len, 4);
  const src = o.srcIp ?? '192.0.2.1';
  const dst = o.dstIp ?? '192.0.2.2';
  // A computed zero is sent as 0xffff: zero means "no checksum" (RFC 768).
  const sum = internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, len), udp, payload) || 0xffff;
  udp.writeUInt16BE(sum, 6);
  return ipv4Frame(IPPROTO_UDP, Buffer.concat([udp, payload]), { ...o, srcIp: src, dstIp: dst });
}

export interface TcpSegmentOptions extends Endpoints {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
}

/** One TCP segment (20-octet header, no options) in an Ethernet/IPv4 frame; checksum computed. */
export function tcpFrame(payload: Buffer, o: TcpSegmentOptions): Buffer {
  const tcp = Buffer.alloc(TCP_HEADER_LEN);
  tcp.writeUInt16BE(o.srcPort, 0);
  tcp.writeUInt16BE(o.dstPort, 2);
  tcp.writeUInt32BE(o.seq >>> 0, 4);
  tcp.writeUInt32BE(o.ack >>> 0, 8);
  tcp[12] = (TCP_HEADER_LEN / 4) << 4;
  tcp[13] = o.flags;
  tcp.writeUInt16BE(o.window ?? 0xffff, 14);
  const src = o.srcIp ?? '192.0.2.1';
  const dst = o.dstIp ?? '192.0.2.2';
  tcp.writeUInt16BE(internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, TCP_HEADER_LEN + payload.length), tcp, payload), 16);
  return ipv4Frame(IPPROTO_TCP, Buffer.concat([tcp, payload]), { ...o, srcIp: src, dstIp: dst });
}

/** A payload of a TCP stream; `fromServer` true means the listening side sent it. */
export interface StreamPayload { data: Buffer; fromServer?: boolean }

export interface TcpStreamOptions {
  /** The listening port (6653 for OpenFlow). */
  serverPort: number;
  /** Default 40000. */
  clientPort?: number;
  /** Default 192.0.2.1. */
  clientIp?: string;
  /** Default 192.0.2.2. */
  serverIp?: string;
  /** Start with SYN / SYN-ACK / ACK so the stream is complete from its first octet (default true). */
  handshake?: boolean;
  /** Initial sequence numbers (defaults 1000 and 5000). */
  clientIsn?: number;
  serverIsn?: number;
}

/**
 * One TCP connection carrying the payloads in order, one segment each (PSH,ACK),
 * with sequence and acknowledgement numbers consistent in both directions, so
 * tshark's stream reassembly sees no gaps, overlaps or retransmissions. The
 * frame of payload i is at index i + 3 with the handshake, i without.
 */
export function tcpStream(payloads: StreamPayload[], o: TcpStreamOptions): Buffer[] {
  const client = { ip: o.clientIp ?? '192.0.2.1', mac: '02:00:00:00:00:01', port: o.clientPort ?? 40000 };
  const server = { ip: o.serverIp ?? '192.0.2.2', mac: '02:00:00:00:00:02', port: o.serverPort };
  // next sequence number each side sends
  let cseq = (o.clientIsn ?? 1000) >>> 0;
  let sseq = (o.serverIsn ?? 5000) >>> 0;
  const frames: Buffer[] = [];
  const seg = (fromServer: boolean, data: Buffer, flags: number): void => {
    const [a, b] = fromServer ? [server, client] : [client, server];
    frames.push(tcpFrame(data, {
      srcMac: a.mac, dstMac: b.mac, srcIp: a.ip, dstIp: b.ip, srcPort: a.port, dstPort: b.port,
      seq: fromServer ? sseq : cseq, ack: flags & TCP_ACK ? (fromServer ? cseq : sseq) : 0, flags,
    }));
    const advance = data.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
    if (fromServer) sseq = (sseq + advance) >>> 0;
    else cseq = (cseq + advance) >>> 0;
  };
  if (o.handshake ?? true) {
    seg(false, Buffer.alloc(0), TCP_SYN);
    seg(true, Buffer.alloc(0), TCP_SYN | TCP_ACK);
    seg(false, Buffer.alloc(0), TCP_ACK);
  }
  for (const p of payloads) seg(p.fromServer ?? false, p.data, TCP_PSH | TCP_ACK);
  return frames;
}
