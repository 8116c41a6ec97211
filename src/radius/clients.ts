/**
 * RADIUS clients (NAS or relaying server) by source address, exact or CIDR,
 * each with its shared secret, like FreeRADIUS's clients.conf. The most
 * specific prefix wins.
 */
import { isIPv4, isIPv6 } from 'net';
import { parseIPv4, parseIPv6 } from './codec';

export interface RadiusClientConfig {
  /** "192.0.2.10", "192.0.2.0/24", "2001:db8::1", "2001:db8::/32". */
  address: string;
  secret: string;
  /** Short name for logs (defaults to the address). */
  name?: string;
}

export interface RadiusClient {
  name: string;
  secret: Buffer;
}

interface Entry {
  net: Buffer;
  bits: number;
  client: RadiusClient;
}

function addrBytes(a: string): Buffer | undefined {
  // dgram reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (m) return parseIPv4(m[1]!);
  if (isIPv4(a)) return parseIPv4(a);
  if (isIPv6(a)) return parseIPv6(a.replace(/%.*$/, ''));
  return undefined;
}

function prefixMatch(addr: Buffer, net: Buffer, bits: number): boolean {
  if (addr.length !== net.length) return false;
  for (let i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

export class ClientTable {
  private readonly entries: Entry[];
  constructor(clients: RadiusClientConfig[]) {
    this.entries = clients.map((c) => {
      const [a, b] = c.address.split('/');
      const net = addrBytes(a ?? '');
      if (!net) throw new Error(`RADIUS client ${JSON.stringify(c.address)}: not an IP address or CIDR`);
      const bits = b === undefined ? net.length * 8 : Number(b);
      if (!Number.isInteger(bits) || bits < 0 || bits > net.length * 8) throw new Error(`RADIUS client ${JSON.stringify(c.address)}: bad prefix length`);
      if (c.secret.length === 0) throw new Error(`RADIUS client ${JSON.stringify(c.address)}: empty secret`);
      return { net, bits, client: { name: c.name ?? c.address, secret: Buffer.from(c.secret, 'utf8') } };
    }).sort((x, y) => y.bits - x.bits);
  }

  private readonly cache = new Map<string, RadiusClient | null>();

  lookup(address: string): RadiusClient | undefined {
    const hit = this.cache.get(address);
    if (hit !== undefined) return hit ?? undefined;
    const a = addrBytes(address);
    const c = a ? this.entries.find((e) => prefixMatch(a, e.net, e.bits))?.client : undefined;
    // Bounded: a flood of spoofed sources must not grow memory.
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(address, c ?? null);
    return c;
  }
}
