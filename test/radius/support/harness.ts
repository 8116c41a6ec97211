/**
 * Test harness for the RADIUS servers: a signed-packet builder (our encoder,
 * checked against hand-built bytes in codec.test.ts), metric readers, and a
 * UDP front that forwards datagrams to a server's handleDatagram so a test can
 * see (and drop) individual replies.
 */
import { createSocket, type Socket } from 'dgram';
import { encodePacket, type AttributeInputValue } from '../../../src/radius/codec';
import { packetsTotal } from '../../../src/radius/accounting';
import { answerSeconds } from '../../../src/radius/server-base';
import type { Peer } from '../../../src/radius/udp';

export function acct(id: number, attrs: [string, AttributeInputValue][], secret = 'testing123'): Buffer {
  return encodePacket({ code: 4, identifier: id, attributes: attrs }, secret);
}

export async function counted(server: string, result: string): Promise<number> {
  const m = await packetsTotal.get();
  return m.values.find((v) => v.labels.server === server && v.labels.result === result)?.value ?? 0;
}

/** op25b_radius_answer_seconds of one server: how many answers, their summed time (s), and how many took <= `le` seconds. */
export async function answerTimes(server: string, le: number): Promise<{ count: number; sum: number; within: number }> {
  const m = await answerSeconds.get();
  const mine = m.values.filter((v) => v.labels.server === server);
  const of = (name: string, extra?: (l: Record<string, unknown>) => boolean): number =>
    mine.find((v) => v.metricName === name && (extra ? extra(v.labels) : true))?.value ?? 0;
  return {
    count: of('op25b_radius_answer_seconds_count'),
    sum: of('op25b_radius_answer_seconds_sum'),
    within: of('op25b_radius_answer_seconds_bucket', (l) => l.le === le),
  };
}

export interface Front {
  port: number;
  received: number;
  close(): Promise<void>;
}

/** A socket on 127.0.0.1:0 that hands each datagram to `handle`; `filter(n, reply)` decides whether reply n (1-based) is sent. */
export async function front(handle: (m: Buffer, p: Peer) => Promise<Buffer | undefined>, hooks: { onDatagram?: (n: number) => void; sendReply?: (n: number) => boolean } = {}): Promise<Front> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const f: Front = {
    port: sock.address().port,
    received: 0,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
  sock.on('message', (msg, rinfo) => {
    const n = ++f.received;
    const p = handle(msg, { address: rinfo.address, port: rinfo.port });
    hooks.onDatagram?.(n);
    void p.then((reply) => {
      if (reply && (hooks.sendReply?.(n) ?? true)) sock.send(reply, rinfo.port, rinfo.address);
    });
  });
  return f;
}
