"""OP25B Mininet lab: real TCP from subscriber hosts proves the block.

    sudo npm run lab                      # every scenario, pass/fail table, exit 1 on any failure
    sudo /usr/bin/python3 mininet/lab.py --list
    sudo /usr/bin/python3 mininet/lab.py BlockedV4 MtaReachable

Each scenario is a small class on `LabTest` (mininet/labbase.py): a one-line
docstring (the table's wording), config overrides inline, and `test()`.
Scenarios with the same topology and config share one network and
controller, in the order they appear here (the controller restart last).
"""

import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import labbase  # noqa: E402
from labbase import LabTest, wait_for  # noqa: E402
from isp import MTA4, MTA6, MX4, MX6, WEB4, WEB6  # noqa: E402


class BlockedV4(LabTest):
    """External mail server :25 blocked over IPv4"""

    def test(self):
        self.assert_blocked('a1h1', MX4, 25)
        self.assert_blocked('a2h1', MX4, 25)
        return 'a1h1, a2h1 -> %s:25 time out' % MX4


class BlockedV6(LabTest):
    """External mail server :25 blocked over IPv6"""

    def test(self):
        self.assert_blocked('a1h1', MX6, 25)
        self.assert_blocked('a2h1', MX6, 25)
        return 'a1h1, a2h1 -> [%s]:25 time out' % MX6


class MtaReachable(LabTest):
    """ISP MTA :25 reachable (IPv4, IPv6)"""

    def test(self):
        for addr in (MTA4, MTA6):
            self.assert_reaches('a1h1', addr, 25)
            self.assert_reaches('a2h2', addr, 25)
        self.assert_reaches('a1h1', MTA4, 587)
        return 'a1h1, a2h2 -> mta:25 over both families, mta:587 ok'


class SubmissionReachable(LabTest):
    """External :587 and :465 reachable (IPv4, IPv6)"""

    def test(self):
        for addr in (MX4, MX6):
            for port in (587, 465):
                self.assert_reaches('a1h1', addr, port)
        return 'a1h1 -> mx 587, 465 over both families'


class WebReachable(LabTest):
    """External web :80 reachable (IPv4, IPv6)"""

    def test(self):
        self.assert_reaches('a1h2', WEB4, 80)
        self.assert_reaches('a2h1', WEB6, 80)
        return 'a1h2 -> web:80 (IPv4), a2h1 -> web:80 (IPv6): HTTP 200'


class ExemptSubscriber(LabTest):
    """Exempt subscriber (op25b-exempt) reaches external :25"""

    def test(self):
        lab, h = self.lab, 'a2h2'
        lab.acct_stop(h)
        lab.acct_start(h, filter_id='op25b-exempt')
        wait_for(lambda: lab.probe(h, MX4, 25, 0.5)[0], 5, 0.1, 'exempt a2h2 to reach mx:25')
        self.assert_reaches(h, MX6, 25)
        self.assert_blocked('a2h1', MX4, 25)  # its neighbour on the same switch is not
        # back to a default session, so later scenarios see the plain lab
        lab.acct_stop(h)
        lab.acct_start(h)
        wait_for(lambda: not lab.probe(h, MX4, 25, 0.5)[0], 5, 0.1, 'a2h2 blocked again')
        return 'a2h2 -> mx:25 over both families; a2h1 still blocked'


class RedialNewAddress(LabTest):
    """Re-dial with a new Framed-IP-Address still blocked"""

    def test(self):
        lab, h = self.lab, 'a1h2'
        old = lab.addr4[h]
        lab.acct_stop(h)
        lab.readdress(h, '100.64.1.%d' % (100 + lab.ports[h][1]), '2001:db8:64:1::%x' % (0x100 + lab.ports[h][1]))
        lab.acct_start(h)
        self.assert_reaches(h, WEB4, 80)  # the new address works ...
        self.assert_blocked(h, MX4, 25)   # ... and port 25 stays blocked
        self.assert_blocked(h, MX6, 25)
        return '%s -> %s: web ok, mx:25 blocked (v4, v6)' % (old, lab.addr4[h])


class NocQuarantine(LabTest):
    """NOC quarantine (CoA) cuts SMTP, MTA too, within 1 s; lift restores"""

    LIMIT = 1.0

    def test(self):
        lab, h = self.lab, 'a2h1'
        self.assert_reaches(h, MTA4, 25)
        t0 = time.time()
        lab.coa(h, 'op25b-quarantine')
        acked = time.time() - t0

        def cut():
            start = time.time()
            return None if lab.probe(h, MTA4, 25, 0.3)[0] else start
        first_fail = wait_for(cut, 5, 0.0, 'quarantine to cut a2h1 -> mta:25')
        took = first_fail - t0
        self.assert_blocked(h, MTA6, 25)
        self.assert_reaches('a2h2', MTA4, 25)  # same switch, other port
        self.assert_reaches('a1h1', MTA4, 25)  # other switch
        assert took <= self.LIMIT, 'quarantine took %.2fs (limit %.1fs)' % (took, self.LIMIT)
        lab.coa(h, 'op25b-default')
        wait_for(lambda: lab.probe(h, MTA4, 25, 0.5)[0], 5, 0.1, 'lifting the quarantine to restore mta:25')
        self.assert_reaches(h, MTA6, 25)
        self.assert_blocked(h, MX4, 25)  # back to the plain OP25B block
        return 'cut %.2fs after the CoA was sent (CoA-ACK at %.2fs); a2h2, a1h1 unaffected; lifted' % (took, acked)


class BotSynFlood(LabTest):
    """Bot SYN blast at :25: none through, drop counters rise"""

    COUNT4, COUNT6, CONTROL, PPS = 1000, 500, 50, 2000

    def test(self):
        lab, h = self.lab, 'bot1'
        before, rx_before = lab.drop_counter(h), lab.port_rx_packets(h)
        logs = {n: os.path.join(lab.tmp, 'sniff-%s.txt' % n) for n in ('v4', 'v6', 'sub')}
        duration = 3.5
        sniffs = [lab.popen_tool('mx', 'sniff', 'mx-eth0', 25, lab.addr4[h], duration, out=logs['v4']),
                  lab.popen_tool('mx', 'sniff', 'mx-eth0', 25, lab.addr6[h], duration, out=logs['v6']),
                  lab.popen_tool('mx', 'sniff', 'mx-eth0', 587, lab.addr4[h], duration, out=logs['sub'])]
        time.sleep(0.5)
        host = lab.host(h)
        t0 = time.time()
        sent4 = host.cmd('%s -I -S %s blast %s %s 25 %d %d' % (labbase.PY, labbase.TOOLS, lab.addr4[h], MX4, self.COUNT4, self.PPS))
        sent6 = host.cmd('%s -I -S %s blast %s %s 25 %d %d' % (labbase.PY, labbase.TOOLS, lab.addr6[h], MX6, self.COUNT6, self.PPS))
        host.cmd('%s -I -S %s blast %s %s 587 %d' % (labbase.PY, labbase.TOOLS, lab.addr4[h], MX4, self.CONTROL))
        blast_s = time.time() - t0
        for p in sniffs:
            p.wait(timeout=duration + 10)
        seen = {}
        for n, path in logs.items():
            with open(path) as f:
                text = f.read().strip()
            seen[n] = int(text) if text.isdigit() else -1
        sent = sum(int(s.split()[1]) for s in (sent4, sent6) if s.strip().startswith('sent'))
        assert seen['sub'] > 0, 'control failed: mx saw no SYNs to 587 from the bot (%r)' % seen
        assert seen['v4'] == 0 and seen['v6'] == 0, 'SYNs to 25 reached mx: %r' % seen
        # Stats reach the OpenFlow flow table from the datapath within ~1 s;
        # wait until the counter stops moving, then compare with what was sent.
        rise, last, stable_since = 0, -1, time.time()
        deadline = time.time() + 6
        while time.time() < deadline and time.time() - stable_since < 1.2:
            rise = lab.drop_counter(h) - before
            if rise != last:
                last, stable_since = rise, time.time()
            time.sleep(0.2)
        rx = lab.port_rx_packets(h) - rx_before
        assert rise > 0, 'drop counters on bot1\'s port did not rise (sent %d)' % sent
        # Under load a veth or the userspace datapath may lose part of a burst
        # before any flow sees it, so the figures are reported, not asserted equal.
        return '%d SYNs in %.1fs, 0 reached mx (control: %d/%d to :587 did); drop flows n_packets +%d, port rx +%d' % (
            sent, blast_s, seen['sub'], self.CONTROL, rise, rx)


class ControllerRestart(LabTest):
    """Controller killed + restarted: blocked stays blocked, allowed back"""

    def test(self):
        lab = self.lab
        blocked_log = os.path.join(lab.tmp, 'restart-blocked.txt')
        allowed_log = os.path.join(lab.tmp, 'restart-allowed.txt')
        lab.popen_tool('a1h1', 'loop', MX4, 25, 0.2, blocked_log)
        lab.popen_tool('a2h2', 'loop', WEB4, 80, 0.2, allowed_log)
        time.sleep(1.0)
        lab.kill_controller()
        killed = time.time()
        time.sleep(2.0)
        lab.start_controller()
        restarted = time.time()
        wait_for(lambda: lab.connected_switches() >= lab.k + 1, 30, 0.2, 'switches to reconnect')
        reconnected = time.time()
        # the restarted controller works: a fresh session is applied
        lab.acct('Interim-Update', 'a1h1', lab.addr4['a1h1'])
        time.sleep(1.5)
        for p in lab.procs:
            lab._kill(p)
        lab.procs = []
        blocked = read_loop(blocked_log)
        allowed = read_loop(allowed_log)
        leaked = [t for t, ok in blocked if ok]
        during = [ok for t, ok in blocked if killed * 1000 <= t <= reconnected * 1000]
        after_ok = [ok for t, ok in allowed if t > reconnected * 1000]
        allowed_during = [ok for t, ok in allowed if killed * 1000 <= t <= reconnected * 1000]
        assert not leaked, '%d blocked probes connected (first at %+.2fs)' % (len(leaked), leaked[0] / 1000 - killed)
        assert during, 'no blocked probes ran while the controller was away'
        assert after_ok and all(after_ok), 'allowed probes after reconnect: %r' % after_ok
        self.assert_blocked('a1h1', MX6, 25)
        self.assert_reaches('a1h1', MX4, 587)
        return ('controller away %.1fs, switches back %.1fs later; blocked: %d/%d probes failed '
                '(%d while away); allowed: %d/%d ok while away, %d/%d after' % (
                    restarted - killed, reconnected - restarted, len(blocked) - len(leaked), len(blocked),
                    len(during), sum(allowed_during), len(allowed_during), sum(after_ok), len(after_ok)))


def read_loop(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out.append((int(parts[0]), parts[1] == 'ok'))
    except OSError:
        pass
    return out


SCENARIOS = [BlockedV4, BlockedV6, MtaReachable, SubmissionReachable, WebReachable,
             ExemptSubscriber, RedialNewAddress, NocQuarantine, BotSynFlood, ControllerRestart]


def print_table(results):
    width = max(len(r[0]) for r in results)
    print()
    print('%-*s  %-6s  %s' % (width, 'check', 'result', 'detail'))
    print('%s  %s  %s' % ('-' * width, '-' * 6, '-' * 40))
    for title, ok, detail, secs in results:
        print('%-*s  %-6s  %s (%.1fs)' % (width, title, 'PASS' if ok else 'FAIL', detail, secs))
    passed = sum(1 for r in results if r[1])
    print('\n%d/%d checks passed' % (passed, len(results)))


def finish(lab, results, leftovers):
    """Stop a lab (logs kept when something failed) and collect what it left behind."""
    failed = any(not r[1] for r in results)
    if failed:
        print('logs kept in %s' % lab.tmp, flush=True)
    lab.stop(keep_logs=failed)
    leftovers += lab.leftovers()


def run_scenarios(chosen, results):
    lab, key, leftovers = None, None, []
    try:
        for cls in chosen:
            if lab is None or cls.network_key() != key:
                if lab is not None:
                    finish(lab, results, leftovers)
                    lab = None
                key = cls.network_key()
                lab = labbase.Lab(cls.K, cls.M, cls.BOTS, cls.CONFIG)
                t = time.time()
                print('starting network %dx%d+%d bot(s) and controller ...' % (cls.K, cls.M, cls.BOTS), flush=True)
                try:
                    lab.start()
                except labbase.Interrupted:
                    raise
                except Exception as e:
                    print('network start failed: %s' % e, flush=True)
                    print('controller log tail:\n' + lab.controller_tail(), flush=True)
                    results += [(c.title(), False, 'network did not start: %s' % str(e).split(';')[0].splitlines()[0], 0.0)
                                for c in chosen[chosen.index(cls):]]
                    break
                print('  up in %.1fs (config %s)' % (time.time() - t, os.path.join(lab.tmp, 'op25b.json')), flush=True)
            t = time.time()
            try:
                detail = cls(lab).test() or ''
                ok = True
            except labbase.Interrupted:
                raise
            except AssertionError as e:
                ok, detail = False, str(e)
            except Exception as e:
                ok, detail = False, '%s: %s' % (type(e).__name__, e)
                traceback.print_exc()
            print('  %s %s: %s' % ('PASS' if ok else 'FAIL', cls.__name__, detail), flush=True)
            if not ok and lab.controller is not None and lab.controller.poll() is not None:
                print('  controller exited (%s); log tail:\n%s' % (lab.controller.returncode, lab.controller_tail()))
            results.append((cls.title(), ok, detail, time.time() - t))
    except labbase.Interrupted as e:
        labbase.ignore_signals()  # a second Ctrl-C must not cut the clean-up short
        print('\ninterrupted (%s): cleaning up' % e, file=sys.stderr, flush=True)
        results.append(('(interrupted)', False, str(e), 0.0))
    finally:
        if lab is not None:
            finish(lab, results, leftovers)
    results.append(('Clean-up: no bridges, veths or processes left', not leftovers,
                    ', '.join(leftovers) if leftovers else 'none left', 0.0))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('names', nargs='*', help='scenario class names (default: all)')
    ap.add_argument('--list', action='store_true', help='list scenarios and exit')
    args = ap.parse_args(argv)
    if args.list:
        for cls in SCENARIOS:
            print('%-22s %s' % (cls.__name__, cls.title()))
        return 0
    chosen = [c for c in SCENARIOS if not args.names or c.__name__ in args.names]
    unknown = set(args.names) - {c.__name__ for c in SCENARIOS}
    if unknown:
        print('unknown scenario(s): %s' % ', '.join(sorted(unknown)), file=sys.stderr)
        return 2
    problem = labbase.environment_problem()
    if problem:
        print('lab cannot run: %s' % problem, file=sys.stderr)
        return 2
    labbase.install_signal_handlers()
    results = []
    started = time.time()
    with labbase.exclusive():
        run_scenarios(chosen, results)
    if results:
        print_table(results)
    print('lab took %.1fs' % (time.time() - started))
    return 0 if results and all(r[1] for r in results) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
