#!/usr/bin/python3
"""os-ken's side of test/bench/openflow.bench.ts.

Reads {"flow_mod": hex, "reply": [hex, ...], "seconds": s} on stdin, where
flow_mod is the OP25B FLOW_MOD the TypeScript bench encodes and reply the
messages of a 1,000-entry flow-stats reply. Times os-ken (Debian's
python3-os-ken, run with /usr/bin/python3):
  - FLOW_MOD encode: OFPFlowMod.serialize() of a prebuilt message (checked
    byte-equal to the TypeScript encoder's output first);
  - FLOW_MOD decode: ofproto_parser.msg() on the bytes;
  - flow-stats reply decode: ofproto_parser.msg() on each message of the reply.
os-ken cannot encode a multipart reply (it has no serializer for them).
Prints {"flow_mod_encode": per_s, "flow_mod_decode": per_s, "reply_decode": per_s}.
"""
import json
import sys
import time

from os_ken.ofproto import ofproto_parser, ofproto_protocol
from os_ken.ofproto import ofproto_v1_3 as ofp
from os_ken.ofproto import ofproto_v1_3_parser as p

DP = ofproto_protocol.ProtocolDesc(ofp.OFP_VERSION)


def rate(fn, seconds):
    """Best of 3 runs, each at least seconds/3 long: ops per second."""
    best = 0.0
    n = 1
    for _ in range(3):
        while True:
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            dt = time.perf_counter() - t0
            if dt >= seconds / 3:
                break
            n *= 2
        best = max(best, n / dt)
    return best


def main():
    req = json.load(sys.stdin)
    seconds = float(req.get('seconds', 1.5))
    fm_bytes = bytes.fromhex(req['flow_mod'])
    reply = [bytes.fromhex(h) for h in req['reply']]

    fm = p.OFPFlowMod(
        DP, cookie=0x0b25200000000003, cookie_mask=0, table_id=0, command=ofp.OFPFC_ADD,
        idle_timeout=0, hard_timeout=0, priority=30000, buffer_id=ofp.OFP_NO_BUFFER,
        out_port=ofp.OFPP_ANY, out_group=ofp.OFPG_ANY, flags=0,
        match=p.OFPMatch(in_port=3, eth_type=0x0800, ip_proto=6,
                         ipv4_dst=('203.0.113.0', '255.255.255.0'), tcp_dst=25),
        instructions=[p.OFPInstructionGotoTable(1)])
    fm.set_xid(int.from_bytes(fm_bytes[4:8], 'big'))
    fm.serialize()
    if bytes(fm.buf) != fm_bytes:
        sys.exit('os-ken FLOW_MOD bytes differ from the TypeScript ones:\n%s\n%s' % (bytes(fm.buf).hex(), fm_bytes.hex()))

    def encode():
        fm.serialize()

    def dec(b):
        return lambda: ofproto_parser.msg(DP, b[0], b[1], len(b), 0, b)

    decode_fm = dec(fm_bytes)
    parsed = decode_fm()
    assert parsed.priority == 30000 and len(parsed.match._fields2) == 5

    decoders = [dec(b) for b in reply]
    entries = sum(len(d().body) for d in decoders)
    if entries != 1000:
        sys.exit('os-ken parsed %d flow-stats entries, expected 1000' % entries)

    def decode_reply():
        for d in decoders:
            d()

    print(json.dumps({
        'flow_mod_encode': rate(encode, seconds),
        'flow_mod_decode': rate(decode_fm, seconds),
        'reply_decode': rate(decode_reply, seconds),
    }))


if __name__ == '__main__':
    main()
