"""Base of the OP25B Mininet lab: Open vSwitch, topology, controller, RADIUS, probes.

`Lab` owns one running network: it checks Open vSwitch, builds the ISP
topology (topologies/isp.py) on userspace-datapath switches, starts the
controller (`op25b start`) with a generated config in a temp dir and its log
captured there, starts the servers, and sends RADIUS Accounting-Start for
every subscriber with radclient as the NAS would. `LabTest` is the class a
scenario subclasses: a one-line docstring, its config overrides inline, and a
`test()` that raises `AssertionError` on failure. Scenarios with the same
topology and config share one network, so the whole lab stays short.

Clean-up is owned here too: `Lab.stop()` removes exactly what this lab made
(its bridges, veths, host shells, servers, controller) and runs on success,
failure, exceptions and SIGINT/SIGTERM/SIGHUP. It never runs `mn -c`, which
would delete every bridge on the machine.
"""

import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, 'topologies'))

from mininet.log import setLogLevel  # noqa: E402
from mininet.net import Mininet  # noqa: E402
from mininet.node import OVSSwitch, RemoteController  # noqa: E402

import isp  # noqa: E402

PY = '/usr/bin/python3'
TOOLS = os.path.join(HERE, 'labtools.py')
RADIUS_SECRET = 'op25b-lab-secret'
OP25B_COOKIE_TAG = 0x0B25


class Interrupted(Exception):
    """A signal asked the lab to stop; raised so every `finally` runs."""


def _on_signal(signum, _frame):
    raise Interrupted('signal %d' % signum)


LOCK_PATH = '/run/lock/op25b-lab.lock'


class exclusive:
    """Hold the lab lock: two labs on one machine would fight over the same bridge names."""

    def __enter__(self):
        os.makedirs(os.path.dirname(LOCK_PATH), exist_ok=True)
        self.f = open(LOCK_PATH, 'w')
        try:
            fcntl.flock(self.f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print('another lab holds %s; waiting for it' % LOCK_PATH, flush=True)
            fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def alive(pid):
    """True while pid runs (a zombie has already left its namespaces)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def group_alive(pgid):
    """True while any non-zombie process is in process group pgid."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[0] != 'Z' and int(fields[2]) == pgid:
            return True
    return False


def install_signal_handlers():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def ignore_signals():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


def run(cmd, check=False, timeout=30):
    """Run a command in the root namespace; returns (rc, stdout+stderr)."""
    p = subprocess.run(cmd, shell=isinstance(cmd, str), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (cmd, p.returncode, p.stdout.strip()))
    return p.returncode, p.stdout


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(predicate, timeout, interval=0.1, what='condition'):
    """Poll predicate until it returns a truthy value; raises AssertionError on timeout."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() >= deadline:
            raise AssertionError('timed out after %.1fs waiting for %s' % (timeout, what))
        time.sleep(interval)


def environment_problem():
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return 'not root (the lab creates namespaces and bridges)'
    if not os.path.exists('/usr/bin/mn'):
        return 'mininet not installed (apt-get install mininet)'
    if shutil.which('radclient') is None:
        return 'radclient not installed (apt-get install freeradius-utils)'
    if shutil.which('ethtool') is None:
        return 'ethtool not installed (apt-get install ethtool)'
    rc, out = run('ovs-vsctl --timeout=5 show')
    if rc != 0:
        return 'Open vSwitch not running (/usr/share/openvswitch/scripts/ovs-ctl start): ' + out.strip()
    return None


def parse_flows(text):
    """ovs-ofctl dump-flows output -> list of dicts (cookie, priority, n_packets, match, actions)."""
    flows = []
    for line in text.splitlines():
        line = line.strip()
        if 'actions=' not in line or line.startswith('OFPST'):
            continue
        head, actions = line.split('actions=', 1)
        flow = {'actions': actions, 'match': {}, 'raw': line}
        for part in re.split(r',\s*|\s+', head.strip()):
            if not part:
                continue
            if '=' in part:
                key, value = part.split('=', 1)
                if key in ('cookie',):
                    flow['cookie'] = int(value, 16)
                elif key in ('n_packets', 'n_bytes', 'priority', 'table'):
                    flow[key] = int(value)
                elif key in ('duration', 'idle_age', 'hard_age', 'reset_counts'):
                    continue
                else:
                    flow['match'][key] = value
            else:
                flow['match'][part] = True
        flow.setdefault('priority', 32768)
        flow.setdefault('cookie', 0)
        flows.append(flow)
    return flows


class Lab:
    """One running ISP network with its controller; every helper a scenario needs."""

    def __init__(self, k=2, m=2, bots=1, config=None, controller=True, log=print):
        self.k, self.m, self.bots = k, m, bots
        self.overrides = config or {}
        self.use_controller = controller
        self.log = log
        self.net = None
        self.tmp = tempfile.mkdtemp(prefix='op25b-lab-')
        self.controller = None
        self.controller_log = os.path.join(self.tmp, 'controller.log')
        self.servers = []
        self.procs = []
        self.of_port = free_port()
        self.acct_port = free_port(socket.SOCK_DGRAM)
        self.coa_port = free_port(socket.SOCK_DGRAM)
        self.api_port = free_port()
        self.topo = isp.IspTopo(k, m, bots)
        # name -> (access switch number, OpenFlow port) for every subscriber host
        self.ports = {name: (sw, port) for name, sw, port in self.topo.subscribers}
        self.addr4 = {}
        self.addr6 = {}
        for name, sw, port in self.topo.subscribers:
            self.addr4[name] = isp.subscriber_ip4(sw, port - 1)
            self.addr6[name] = isp.subscriber_ip6(sw, port - 1)
        self.sessions = {}
        self.session_seq = 0
        self.pids = set()  # every process this lab started, for the leftover check
        self.pgids = set()  # controller process groups (tsx forks node)

    # ---- names this lab owns (clean-up removes exactly these) ----

    def switch_names(self):
        return ['agg'] + ['a%d' % i for i in range(1, self.k + 1)]

    # ---- lifecycle ----

    def start(self):
        problem = environment_problem()
        if problem:
            raise RuntimeError(problem)
        self.remove_leftovers()
        if self.use_controller:
            self.start_controller()
        setLogLevel('warning')
        fail_mode = 'secure' if self.use_controller else 'standalone'

        class LabSwitch(OVSSwitch):
            def __init__(self, name, **params):
                params.update(datapath='user', protocols='OpenFlow13', failMode=fail_mode)
                super().__init__(name, **params)

        self.net = Mininet(topo=self.topo, switch=LabSwitch, controller=None,
                           autoSetMacs=False, build=False, waitConnected=False)
        if self.use_controller:
            self.net.addController(RemoteController('c0', ip='127.0.0.1', port=self.of_port))
        self.net.build()
        self.net.start()
        self.pids.update(n.pid for n in self.net.hosts + self.net.switches if n.pid)
        self.start_servers()
        if self.use_controller:
            self.wait_switches_enforced()
            for name in self.ports:
                self.acct_start(name)

    def stop(self, keep_logs=False):
        """Remove everything this lab made; safe to call more than once, and after a partial start."""
        for p in self.servers + self.procs:
            self._kill(p)
        self.servers, self.procs = [], []
        self.stop_controller()
        if self.net is not None:
            try:
                self.net.stop()
            except Exception as e:  # keep cleaning up whatever is left
                self.log('  mininet stop: %s' % e)
            self.net = None
        self.remove_leftovers()
        if not keep_logs:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def leftovers(self):
        """What stop() failed to remove: our bridges, veths and processes (empty when clean)."""
        left = []
        _, brs = run('ovs-vsctl --timeout=10 list-br')
        left += ['bridge %s' % b for b in brs.split() if b in self.switch_names()]
        _, links = run('ip -o link show')
        mine = re.compile(r'^(%s)(-eth\d+)?$' % '|'.join(re.escape(n) for n in self.switch_names()))
        for line in links.splitlines():
            m = re.match(r'^\d+:\s+([^:@\s]+)', line)
            if m and mine.match(m.group(1)):
                left.append('link %s' % m.group(1))
        left += ['process %d' % pid for pid in sorted(self.pids) if alive(pid)]
        left += ['controller group %d' % g for g in sorted(self.pgids) if group_alive(g)]
        return left

    def remove_leftovers(self):
        """Delete this lab's bridges and switch-side veths by exact name (never `mn -c`)."""
        names = self.switch_names()
        run('ovs-vsctl --timeout=10 ' + ' '.join('-- --if-exists del-br %s' % n for n in names))
        _, links = run('ip -o link show')
        mine = re.compile(r'^(%s)(-eth\d+)?$' % '|'.join(re.escape(n) for n in names))
        for line in links.splitlines():
            m = re.match(r'^\d+:\s+([^:@\s]+)', line)
            if m and mine.match(m.group(1)):
                run(['ip', 'link', 'del', m.group(1)])

    def _kill(self, p):
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    # ---- controller ----

    def base_config(self):
        """The controller config for this topology; a scenario's CONFIG overrides keys."""
        return lab_config(self)

    def write_config(self):
        config = deep_merge(self.base_config(), self.overrides)
        path = os.path.join(self.tmp, 'op25b.json')
        with open(path, 'w') as f:
            json.dump(config, f, indent=2)
        return path

    def start_controller(self):
        path = self.write_config()
        tsx = os.path.join(REPO, 'node_modules', '.bin', 'tsx')
        cmd = [tsx, os.path.join(REPO, 'src', 'cli', 'main.ts'), 'start', '--config', path]
        logf = open(self.controller_log, 'ab')
        logf.write(('\n=== %s %s\n' % (time.strftime('%H:%M:%S'), ' '.join(cmd))).encode())
        logf.flush()
        self.controller = subprocess.Popen(cmd, cwd=REPO, stdout=logf, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True)
        self.pgids.add(self.controller.pid)
        logf.close()

        def listening():
            if self.controller.poll() is not None:
                raise RuntimeError('controller exited with %s; log tail:\n%s'
                                   % (self.controller.returncode, self.controller_tail()))
            try:
                socket.create_connection(('127.0.0.1', self.of_port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_for(listening, 60, 0.2, 'the controller to listen on OpenFlow port %d' % self.of_port)

    def _signal_controller_group(self, sig):
        """Signal the controller's whole process group (it is ours: started with a new session)."""
        try:
            os.killpg(self.controller.pid, sig)
        except OSError:
            pass

    def kill_controller(self):
        """SIGKILL the controller's whole process group."""
        if self.controller is None:
            return
        if self.controller.poll() is None:
            self._signal_controller_group(signal.SIGKILL)
        self.controller.wait(timeout=10)

    def stop_controller(self):
        if self.controller is None:
            return
        if self.controller.poll() is None:
            self._signal_controller_group(signal.SIGTERM)
            try:
                self.controller.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # tsx forks node; SIGTERM to the group reaches both, SIGKILL anything left.
        self._signal_controller_group(signal.SIGKILL)
        self.controller.wait(timeout=10)
        self.controller = None

    def connected_switches(self):
        """OpenFlow connections established to the controller's port (ss sees them at once;
        the Controller table's is_connected lags by up to ~5 s)."""
        _, out = run(['ss', '-Htn', 'state', 'established', '( dport = :%d )' % self.of_port])
        return len([line for line in out.splitlines() if line.strip()])

    def controller_tail(self, lines=30):
        try:
            with open(self.controller_log, errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return '(no log)'

    # ---- hosts, servers, probes ----

    def host(self, name):
        return self.net.get(name)

    def start_servers(self):
        for name, ports in (('mta', [25, 587]), ('mx', [25, 587, 465]), ('web', [80])):
            h = self.host(name)
            log = open(os.path.join(self.tmp, '%s.log' % name), 'w')
            p = h.popen([PY, '-u', TOOLS, 'serve'] + [str(x) for x in ports],
                        stdout=log, stderr=subprocess.STDOUT)
            log.close()
            self.servers.append(p)
            self.pids.add(p.pid)
        for name in ('mta', 'mx', 'web'):
            wait_for(lambda n=name: 'listening' in self.server_log(n), 20, 0.1,
                     '%s to listen' % name)

    def server_log(self, name):
        try:
            with open(os.path.join(self.tmp, '%s.log' % name)) as f:
                return f.read()
        except OSError:
            return ''

    def probe(self, host, addr, port, timeout=1.0):
        """One real TCP connection from host to addr:port; returns (ok, detail)."""
        out = self.host(host).cmd('%s -I -S %s probe %s %d %s' % (PY, TOOLS, addr, port, timeout))
        out = out.strip().splitlines()
        last = out[-1] if out else 'fail no output'
        return last.startswith('ok'), last

    def popen_tool(self, host, *args, out=None):
        """Start a labtools command in a host; tracked so stop() kills it."""
        stdout = open(out, 'w') if out else subprocess.DEVNULL
        p = self.host(host).popen([PY, '-I', '-S', TOOLS] + [str(a) for a in args],
                                  stdout=stdout, stderr=subprocess.STDOUT)
        if out:
            stdout.close()
        self.procs.append(p)
        self.pids.add(p.pid)
        return p

    def readdress(self, host, new4=None, new6=None):
        """Give a subscriber host a new address (what a re-dial does)."""
        h = self.host(host)
        intf = h.defaultIntf()
        if new4:
            h.cmd('ip -4 addr flush dev %s' % intf)
            h.cmd('ip addr add %s/10 dev %s' % (new4, intf))
            h.cmd('ip route replace default dev %s' % intf)
            self.addr4[host] = new4
        if new6:
            h.cmd('ip -6 addr del %s/32 dev %s' % (self.addr6[host], intf))
            h.cmd('ip -6 addr add %s/32 dev %s nodad' % (new6, intf))
            h.cmd('ip -6 route replace default dev %s' % intf)
            self.addr6[host] = new6

    # ---- switches ----

    def dpid(self, switch):
        return isp.AGG_DPID if switch == 'agg' else int(switch[1:])

    def flows(self, switch):
        rc, out = run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', switch])
        if rc != 0:
            raise RuntimeError('dump-flows %s: %s' % (switch, out.strip()))
        return parse_flows(out)

    def op25b_flows(self, switch):
        return [f for f in self.flows(switch) if f['cookie'] >> 48 == OP25B_COOKIE_TAG]

    def port_flows(self, host, kind=None):
        """OP25B flows matching in_port of host's access port (kind: cookie rule-kind nibble)."""
        sw, port = self.ports[host]
        flows = [f for f in self.op25b_flows('a%d' % sw) if f['match'].get('in_port') == str(port)]
        if kind is not None:
            flows = [f for f in flows if (f['cookie'] >> 44) & 0xF == kind]
        return flows

    def drop_counter(self, host):
        """Packets counted by the drop flows for TCP to port 25 on host's port."""
        return sum(f['n_packets'] for f in self.port_flows(host)
                   if f['match'].get('tp_dst') == '25' and f['actions'] == 'drop')

    def port_rx_packets(self, host):
        """rx packets the switch counted on host's access port (ovs-ofctl dump-ports)."""
        sw, port = self.ports[host]
        rc, out = run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-ports', 'a%d' % sw, str(port)])
        m = re.search(r'rx pkts=(\d+)', out)
        if rc != 0 or not m:
            raise RuntimeError('dump-ports a%d %d: %s' % (sw, port, out.strip()))
        return int(m.group(1))

    def wait_switches_enforced(self, timeout=60):
        """Every access switch connected and carrying block flows on its subscriber ports."""
        for sw in range(1, self.k + 1):
            def enforced(sw=sw):
                hosts = [h for h, (s, _) in self.ports.items() if s == sw]
                return all(any(f['actions'] == 'drop' and f['match'].get('tp_dst') == '25'
                               for f in self.port_flows(h)) for h in hosts)
            wait_for(enforced, timeout, 0.2, 'OP25B block flows on a%d' % sw)

    # ---- RADIUS (radclient as the NAS) ----

    def radclient(self, kind, port, attrs, timeout=10):
        body = ', '.join('%s = %s' % (k, v) for k, v in attrs)
        cmd = ['radclient', '-r', '3', '-t', '2', '-x', '127.0.0.1:%d' % port, kind, RADIUS_SECRET]
        p = subprocess.run(cmd, input=body + '\n', stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
        return p.returncode, p.stdout

    def nas_attrs(self, host):
        sw, port = self.ports[host]
        return [('NAS-Identifier', '"a%d"' % sw), ('NAS-IP-Address', '127.0.0.1'),
                ('NAS-Port', str(port)), ('NAS-Port-Type', 'Ethernet')]

    def acct(self, status, host, framed_ip=None, filter_id=None, session=None):
        if session is None:
            session = self.sessions.get(host)
        attrs = [('Acct-Status-Type', status), ('Acct-Session-Id', '"%s"' % session),
                 ('User-Name', '"%s@lab"' % host)] + self.nas_attrs(host)
        if framed_ip:
            attrs.append(('Framed-IP-Address', framed_ip))
        if filter_id:
            attrs.append(('Filter-Id', '"%s"' % filter_id))
        rc, out = self.radclient('acct', self.acct_port, attrs)
        if rc != 0 or 'Accounting-Response' not in out:
            raise AssertionError('Accounting-Request %s for %s not answered: %s'
                                 % (status, host, out.strip()[-300:]))
        return out

    def acct_start(self, host, filter_id=None):
        self.session_seq += 1
        session = '%s-%d' % (host, self.session_seq)
        self.sessions[host] = session
        return self.acct('Start', host, self.addr4[host], filter_id, session)

    def acct_stop(self, host):
        out = self.acct('Stop', host, self.addr4[host])
        self.sessions.pop(host, None)
        return out

    def coa(self, host, filter_id):
        """RFC 5176 CoA-Request naming the host's port; returns once CoA-ACK arrives."""
        # Acct-Session-Id identifies the session (and so the port); NAS-Identifier
        # and NAS-Port only help the port mapping (src/radius/coa.ts).
        sw, port = self.ports[host]
        attrs = [('Acct-Session-Id', '"%s"' % self.sessions[host]), ('NAS-Identifier', '"a%d"' % sw),
                 ('NAS-Port', str(port)), ('Filter-Id', '"%s"' % filter_id)]
        rc, out = self.radclient('coa', self.coa_port, attrs)
        if rc != 0 or 'CoA-ACK' not in out:
            raise AssertionError('CoA %s for %s not acknowledged: %s'
                                 % (filter_id, host, out.strip()[-300:]))
        return out


def deep_merge(base, over):
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def lab_config(lab):
    """Controller config for the lab topology (schema: src/app/config-schema.ts).

    Access switch ak: dpid k, uplink port 1, subscribers (and bots) on the
    rest; agg: dpid 0x100, every port an uplink. NAS-Identifier "ak" and
    NAS-Port = the OpenFlow port map a RADIUS session to (k, port).
    """
    switches, rules, names = [], [], {}
    for sw in range(1, lab.k + 1):
        last = 1 + lab.m + (lab.bots if sw == lab.k else 0)
        switches.append({'dpid': sw, 'name': 'a%d' % sw, 'uplinks': [1],
                         'subscriber_ports': '2-%d' % last})
        rules.append({'kind': 'nas-port', 'nas': 'a%d' % sw, 'switch': 'a%d' % sw})
        names['a%d' % sw] = sw
    switches.append({'dpid': '0x%x' % isp.AGG_DPID, 'name': 'agg',
                     'uplinks': '1-%d' % (lab.k + 3), 'subscriber_ports': []})
    return {
        'openflow': {'host': '127.0.0.1', 'port': lab.of_port},
        'switches': switches,
        'mtas': [isp.MTA4 + '/32', isp.MTA6 + '/128'],
        'blocked_ports': [25],
        'continue': {'output': 'NORMAL'},
        'default_policy': 'block',
        'radius': {
            'accounting': {'host': '127.0.0.1', 'port': lab.acct_port},
            'coa': {'host': '127.0.0.1', 'port': lab.coa_port},
            'clients': [{'address': '127.0.0.1', 'secret': RADIUS_SECRET, 'name': 'lab-nas'}],
            'mapping': {'rules': rules, 'switches': names},
        },
        'store': {'kind': 'embedded', 'path': os.path.join(lab.tmp, 'data')},
        'api': {'enabled': True, 'host': '127.0.0.1', 'port': lab.api_port},
        'log': {'format': 'json', 'level': 'info'},
    }


class LabTest:
    """Base of a lab scenario: subclasses set a docstring, CONFIG and test()."""

    K, M, BOTS = 2, 2, 1
    CONFIG = {}

    def __init__(self, lab):
        self.lab = lab

    @classmethod
    def network_key(cls):
        return (cls.K, cls.M, cls.BOTS, json.dumps(cls.CONFIG, sort_keys=True))

    @classmethod
    def title(cls):
        return (cls.__doc__ or cls.__name__).strip().splitlines()[0]

    def test(self):
        raise NotImplementedError

    # helpers for scenarios
    def assert_reaches(self, host, addr, port):
        ok, detail = self.lab.probe(host, addr, port)
        assert ok, '%s -> [%s]:%d should connect: %s' % (host, addr, port, detail)
        return detail

    def assert_blocked(self, host, addr, port):
        ok, detail = self.lab.probe(host, addr, port)
        assert not ok, '%s -> [%s]:%d should be blocked, got: %s' % (host, addr, port, detail)
        return detail
