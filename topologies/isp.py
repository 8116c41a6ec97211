"""ISP access network for OP25B: K access switches of M subscribers each.

Usable by hand against a running controller:

    sudo mn --custom topologies/isp.py --topo isp,2,2 \
        --switch ovs,datapath=user,protocols=OpenFlow13 \
        --controller remote,ip=127.0.0.1,port=6653

and from the lab runner (mininet/labbase.py).

Layout (the convention the controller's config follows):

    a1..aK   access switches, dpid 1..K; port 1 is the uplink to agg,
             subscribers on ports 2..M+1, then B bot hosts (on aK)
    agg      aggregation switch, dpid 0x100, no subscriber ports:
             port k goes to ak, then mta, mx, web
    mta      the ISP's MTA        198.51.100.25  2001:db8:100::25  (25, 587)
    mx       external mail server 203.0.113.25   2001:db8:203::25  (25, 587, 465)
    web      external web server  203.0.113.80   2001:db8:203::80  (80)
    akhi     subscriber i on ak   100.64.k.i/10  2001:db8:64:k::i

Addressing is one flat L2 domain: every host has an on-link default route
(IPv4) and all IPv6 addresses sit in the on-link 2001:db8::/32, so hosts in
different prefixes reach each other by ARP / neighbour discovery through the
switches; with the controller's table-miss NORMAL flow the switches forward
like learning switches apart from the OP25B rules. No router to configure.

Every host turns TX checksum offload off: with the OVS userspace datapath,
TCP over veth links fails otherwise (ping works either way).
"""

from mininet.node import Host
from mininet.topo import Topo

MTA4, MTA6 = '198.51.100.25', '2001:db8:100::25'
MX4, MX6 = '203.0.113.25', '2001:db8:203::25'
WEB4, WEB6 = '203.0.113.80', '2001:db8:203::80'
AGG_DPID = 0x100


def subscriber_ip4(k, i):
    """IPv4 address of subscriber i on access switch k (both from 1)."""
    return '100.64.%d.%d' % (k, i)


def subscriber_ip6(k, i):
    """IPv6 address of subscriber i on access switch k (both from 1)."""
    return '2001:db8:64:%x::%x' % (k, i)


class IspHost(Host):
    """A host with IPv4 + IPv6 (no DAD), on-link default routes, TX offload off."""

    def config(self, ip6=None, **params):
        result = super().config(**params)
        intf = self.defaultIntf()
        # DAD would leave the address tentative for a second or more.
        self.cmd('sysctl -qw net.ipv6.conf.all.accept_dad=0 '
                 'net.ipv6.conf.default.accept_dad=0 '
                 'net.ipv6.conf.%s.accept_dad=0' % intf)
        self.cmd('ethtool -K %s tx off >/dev/null 2>&1' % intf)
        self.cmd('ip route replace default dev %s' % intf)
        if ip6:
            self.cmd('ip -6 addr add %s dev %s nodad' % (ip6, intf))
            self.cmd('ip -6 route replace default dev %s' % intf)
        return result


class IspTopo(Topo):
    """K access switches of M subscribers (plus B bots on the last), agg, MTA, internet."""

    def build(self, k=2, m=2, b=0):
        k, m, b = int(k), int(m), int(b)
        if not 1 <= k <= 250 or not 1 <= m <= 250 or not 0 <= b <= 4:
            raise ValueError('isp topology: need 1 <= K, M <= 250 and 0 <= B <= 4')
        agg = self.addSwitch('agg', dpid='%016x' % AGG_DPID)
        self.subscribers = []
        for sw in range(1, k + 1):
            access = self.addSwitch('a%d' % sw, dpid='%016x' % sw)
            self.addLink(access, agg, port1=1, port2=sw)
            count = m + (b if sw == k else 0)
            for i in range(1, count + 1):
                name = 'a%dh%d' % (sw, i) if i <= m else 'bot%d' % (i - m)
                host = self.addHost(name, cls=IspHost,
                                    ip=subscriber_ip4(sw, i) + '/10',
                                    ip6=subscriber_ip6(sw, i) + '/32')
                self.addLink(host, access, port2=i + 1)
                self.subscribers.append((name, sw, i + 1))
        servers = [('mta', MTA4 + '/24', MTA6 + '/32'),
                   ('mx', MX4 + '/24', MX6 + '/32'),
                   ('web', WEB4 + '/24', WEB6 + '/32')]
        for n, (name, ip4, ip6) in enumerate(servers):
            host = self.addHost(name, cls=IspHost, ip=ip4, ip6=ip6)
            self.addLink(host, agg, port2=k + 1 + n)


topos = {'isp': IspTopo}
