"""Traffic tools the lab runs inside Mininet hosts (stdlib only, /usr/bin/python3).

    serve PORT...                   dual-stack TCP listeners; port 80 answers HTTP,
                                    the others an SMTP-style 220 banner
    probe ADDR PORT TIMEOUT         one TCP connection; prints "ok <first reply line>"
                                    or "fail <reason>"; exit 0 / 1
    loop ADDR PORT INTERVAL OUT     probe forever, one "epoch_ms ok|fail" line per try in OUT
    blast SRC DST PORT COUNT [PPS]  COUNT raw TCP SYNs from SRC to DST:PORT (IPv4 or IPv6),
                                    paced to PPS per second (default 4000: a veth's
                                    receive backlog drops bigger bursts before the switch)
    sniff IFACE PORT SRC SECONDS    count TCP SYNs to PORT from SRC seen on IFACE; prints the count

A connection counts as "ok" only when the server's first reply line arrives:
that proves the SYN, SYN-ACK and data all crossed the switches with valid
checksums, which ping alone never shows.
"""

import ipaddress
import random
import select
import socket
import struct
import sys
import time


def serve(ports):
    listeners = {}
    for port in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(('::', port))
        s.listen(128)
        listeners[s.fileno()] = (s, port)
    host = socket.gethostname()
    print('listening', ' '.join(str(p) for p in ports), flush=True)
    while True:
        ready, _, _ = select.select([s for s, _ in listeners.values()], [], [])
        for s in ready:
            port = listeners[s.fileno()][1]
            try:
                conn, peer = s.accept()
            except OSError:
                continue
            print('accept', port, peer[0], flush=True)
            try:
                if port == 80:
                    conn.settimeout(1.0)
                    try:
                        conn.recv(1024)
                    except OSError:
                        pass
                    conn.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n')
                else:
                    conn.sendall(('220 %s ESMTP lab port %d\r\n' % (host, port)).encode())
            except OSError:
                pass
            conn.close()


def probe_once(addr, port, timeout):
    family = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        if port == 80:
            s.sendall(b'GET / HTTP/1.0\r\n\r\n')
        data = s.recv(200)
        if not data:
            return False, 'closed without reply'
        return True, data.decode(errors='replace').splitlines()[0]
    except socket.timeout:
        return False, 'timeout'
    except OSError as e:
        return False, e.strerror or str(e)
    finally:
        s.close()


def probe(addr, port, timeout):
    ok, detail = probe_once(addr, int(port), float(timeout))
    print('ok' if ok else 'fail', detail, flush=True)
    return 0 if ok else 1


def loop(addr, port, interval, out):
    port, interval = int(port), float(interval)
    with open(out, 'a', buffering=1) as f:
        while True:
            start = time.time()
            ok, _ = probe_once(addr, port, max(interval, 0.3))
            f.write('%d %s\n' % (int(start * 1000), 'ok' if ok else 'fail'))
            left = interval - (time.time() - start)
            if left > 0:
                time.sleep(left)


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def blast(src, dst, port, count, pps=4000):
    port, count, pps = int(port), int(count), float(pps)
    start = time.time()
    v6 = ':' in dst
    family = socket.AF_INET6 if v6 else socket.AF_INET
    s = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_TCP)
    srcb, dstb = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    sent = 0
    for _ in range(count):
        sport = random.randint(20000, 60000)
        seq = random.getrandbits(32)
        # TCP header: ports, seq, ack, offset 5 words, SYN, window, csum, urg.
        hdr = struct.pack('!HHIIBBHHH', sport, port, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        if v6:
            pseudo = srcb + dstb + struct.pack('!I3xB', len(hdr), socket.IPPROTO_TCP)
        else:
            pseudo = srcb + dstb + struct.pack('!xBH', socket.IPPROTO_TCP, len(hdr))
        hdr = hdr[:16] + struct.pack('!H', checksum(pseudo + hdr)) + hdr[18:]
        try:
            s.sendto(hdr, (dst, 0))
            sent += 1
        except OSError:
            time.sleep(0.001)
        ahead = sent / pps - (time.time() - start)
        if ahead > 0.005:
            time.sleep(ahead)
    print('sent', sent, flush=True)
    return 0


def sniff(iface, port, src, seconds):
    port, deadline = int(port), time.time() + float(seconds)
    srcb = ipaddress.ip_address(src).packed
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.2)
    count = 0
    while time.time() < deadline:
        try:
            frame = s.recv(2048)
        except socket.timeout:
            continue
        ethertype = struct.unpack('!H', frame[12:14])[0]
        if ethertype == 0x0800 and frame[23] == 6 and frame[26:30] == srcb:
            tcp = 14 + (frame[14] & 0x0f) * 4
        elif ethertype == 0x86dd and frame[20] == 6 and frame[22:38] == srcb:
            tcp = 54
        else:
            continue
        if len(frame) >= tcp + 14:
            dport, flags = struct.unpack('!H', frame[tcp + 2:tcp + 4])[0], frame[tcp + 13]
            if dport == port and flags & 0x02:
                count += 1
    print(count, flush=True)
    return 0


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == 'serve':
        serve([int(p) for p in args])
        return 0
    table = {'probe': probe, 'loop': loop, 'blast': blast, 'sniff': sniff}
    if cmd not in table:
        print('unknown command %r' % cmd, file=sys.stderr)
        return 2
    return table[cmd](*args)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
