#!/usr/bin/python3
"""podlab's Mininet helper: builds and drives one lab's namespaces, veths and bridges.

The engine (Node) starts this with Debian's /usr/bin/python3 (Mininet imports only there)
and speaks JSON lines: one request {id, op, ...} on stdin, one response {id, ok, result} or
{id, ok: false, error} on stdout. Log lines go to stderr; lines starting "progress: " are
shown to the user.

Ops
  build  {hosts: [name], bridges: [name], filtering?: [bridge], veths: [{a, b, mtu, alias}]}
         an end is {host, ifname} (created inside that host) or {bridge, ifname, vlans?}
         (root ns; vlans = {pvid, tagged} for a port of a VLAN-filtering bridge)
         -> {hosts: {name: pid}, bridges: {name: pid}}
  link   {ends: [end], state?: 'up'|'down', impair?: {delayMs, lossPct, via}} -> {}
         via 'netem' (tc qdisc on the end) or 'nft' (loss only: a netdev egress chain)
  stop   tears everything down, answers, exits.

Lifetime: everything is torn down when stdin closes (the engine died), on SIGTERM/SIGHUP,
and when the parent process dies (PR_SET_PDEATHSIG). Teardown also kills every process
carrying this lab's marker (PODLAB_LAB_ID in its environment: the engine starts agents,
BIRD and tcpdump inside nodes with it) and removes root-namespace objects named with the
lab id, so nothing of the lab survives the helper.
"""
import ctypes
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

# The protocol owns the real stdout; anything Mininet prints goes to stderr instead.
PROTO = os.fdopen(os.dup(1), 'w', buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

from mininet.log import setLogLevel  # noqa: E402
from mininet.link import TCLink  # noqa: E402
from mininet.net import Mininet  # noqa: E402
from mininet.nodelib import LinuxBridge  # noqa: E402

LAB = os.environ.get('PODLAB_LAB', '')
LAB_ID = os.environ.get('PODLAB_LAB_ID', '')
IFNAME = re.compile(r'^[A-Za-z0-9_.-]{1,15}$')
NODE_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$')


def log(msg):
    sys.stderr.write('%s\n' % msg)
    sys.stderr.flush()


def progress(msg):
    log('progress: ' + msg)


def check_ifname(name):
    if not isinstance(name, str) or not IFNAME.match(name):
        raise ValueError('invalid interface name %r' % (name,))
    return name


def run(argv, check=True):
    """Runs argv (never a shell string); returns stdout, raises with stderr on failure."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except OSError as e:
        if check:
            raise RuntimeError("'%s' failed: %s" % (' '.join(argv), e))
        return ''
    if check and p.returncode != 0:
        raise RuntimeError("'%s' failed (exit %d): %s" % (' '.join(argv), p.returncode, p.stderr.strip()))
    return p.stdout


# Bridges that filter by VLAN, and each port's VLANs there ({pvid, tagged}), set by build.
FILTERING = set()
PORT_VLANS = {}


class PodlabBridge(LinuxBridge):
    """A LinuxBridge driven with iproute2: no STP, every interface enslaved, no IPv6 chatter."""

    def start(self, _controllers):
        name = check_ifname(self.name)
        argv = ['ip', 'link', 'add', 'name', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']
        if name in FILTERING:
            argv += ['vlan_filtering', '1']
        run(argv)
        quiet_ipv6(name)
        for intf in self.intfList():
            if intf.name == 'lo':
                continue
            port = check_ifname(intf.name)
            run(['ip', 'link', 'set', 'dev', port, 'master', name])
            cfg = PORT_VLANS.get(port)
            if name in FILTERING and cfg is not None:
                # Enslaving gives the port PVID 1; replace it with the port's own VLANs.
                run(['bridge', 'vlan', 'del', 'dev', port, 'vid', '1'])
                for vid in cfg.get('tagged', []):
                    run(['bridge', 'vlan', 'add', 'dev', port, 'vid', str(int(vid))])
                if cfg.get('pvid') is not None:
                    run(['bridge', 'vlan', 'add', 'dev', port, 'vid', str(int(cfg['pvid'])), 'pvid', 'untagged'])
        run(['ip', 'link', 'set', 'dev', name, 'up'])

    def stop(self, deleteIntfs=True):
        run(['ip', 'link', 'del', 'dev', check_ifname(self.name)], check=False)
        super(LinuxBridge, self).stop(deleteIntfs)


def quiet_ipv6(ifname):
    # Root-namespace bridges and ports would otherwise send router solicitations and MLD
    # reports into the lab, noise no real switch makes.
    path = '/proc/sys/net/ipv6/conf/%s/disable_ipv6' % ifname
    try:
        with open(path, 'w') as f:
            f.write('1')
    except OSError:
        pass


class Lab(object):
    def __init__(self):
        self.net = None
        self.hosts = {}
        self.bridges = {}

    # ---- build ----------------------------------------------------------------------
    def build(self, req):
        if self.net is not None:
            raise RuntimeError('build may run once per helper')
        self.net = Mininet(controller=None, switch=PodlabBridge, link=TCLink, build=False,
                           autoSetMacs=False, waitConnected=False)
        for name in req['hosts']:
            if not NODE_NAME.match(name):
                raise ValueError('invalid node name %r' % (name,))
            progress('host %s' % name)
            # ip=None: Mininet would otherwise plan a 10.0.0.x address; the setup commands
            # give every interface its topology address instead.
            self.hosts[name] = self.net.addHost(name, ip=None)
        FILTERING.update(req.get('filtering', []))
        for v in req['veths']:
            for end in (v['a'], v['b']):
                if 'vlans' in end:
                    PORT_VLANS[check_ifname(end['ifname'])] = end['vlans']
        for idx, name in enumerate(req['bridges']):
            check_ifname(name)
            if name in self.hosts:
                raise ValueError('bridge name %s collides with a node' % name)
            self.bridges[name] = self.net.addSwitch(name, stp=False, dpid='%016x' % (idx + 1))
        for v in req['veths']:
            a, b = v['a'], v['b']
            progress('cable %s' % v.get('alias', ''))
            self.net.addLink(self.node_of(a), self.node_of(b),
                             intfName1=check_ifname(a['ifname']), intfName2=check_ifname(b['ifname']))
            for end in (a, b):
                if 'bridge' in end:
                    self.root_end_setup(end['ifname'], v.get('mtu', 1500), v.get('alias', ''))
        progress('bridges up')
        for sw in self.bridges.values():
            sw.start([])
        return {'hosts': dict((n, h.pid) for n, h in self.hosts.items()),
                'bridges': dict((n, s.pid) for n, s in self.bridges.items())}

    def root_end_setup(self, ifname, mtu, alias):
        run(['ip', 'link', 'set', 'dev', ifname, 'mtu', str(int(mtu))])
        if alias:
            run(['ip', 'link', 'set', 'dev', ifname, 'alias', ('podlab %s: %s' % (LAB, alias))[:250]])
        quiet_ipv6(ifname)
        run(['ip', 'link', 'set', 'dev', ifname, 'up'])

    def node_of(self, end):
        if 'host' in end:
            h = self.hosts.get(end['host'])
            if h is None:
                raise ValueError('unknown host %r' % (end['host'],))
            return h
        s = self.bridges.get(end['bridge'])
        if s is None:
            raise ValueError('unknown bridge %r' % (end['bridge'],))
        return s

    # ---- link -----------------------------------------------------------------------
    def in_end(self, end, argv):
        """argv run where the end lives: inside its host (mnexec -a PID) or in the root ns."""
        if 'host' in end:
            return ['mnexec', '-a', str(self.node_of(end).pid)] + argv
        return argv

    def link(self, req):
        ends = req['ends']
        for end in ends:
            check_ifname(end['ifname'])
            self.node_of(end)
        state = req.get('state')
        if state is not None:
            if state not in ('up', 'down'):
                raise ValueError('state must be up or down')
            for end in ends:
                run(self.in_end(end, ['ip', 'link', 'set', 'dev', end['ifname'], state]))
        impair = req.get('impair')
        if impair is not None:
            delay = float(impair.get('delayMs', 0))
            loss = float(impair.get('lossPct', 0))
            via = impair.get('via', 'netem')
            for end in ends:
                if via == 'netem':
                    self.netem(end, delay, loss)
                elif via == 'nft':
                    if delay > 0:
                        raise RuntimeError('cannot delay %s: this kernel has no netem qdisc (sch_netem)' % end['ifname'])
                    self.nft_loss(end, loss)
                else:
                    raise ValueError('impair.via must be netem or nft')
        return {}

    def netem(self, end, delay, loss):
        dev = end['ifname']
        if delay <= 0 and loss <= 0:
            # Deleting an absent root qdisc fails harmlessly ("No such file or directory").
            run(self.in_end(end, ['tc', 'qdisc', 'del', 'dev', dev, 'root']), check=False)
            return
        argv = ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'handle', '10:', 'netem']
        if delay > 0:
            argv += ['delay', '%gms' % delay]
        if loss > 0:
            argv += ['loss', '%g%%' % loss]
        run(self.in_end(end, argv))

    def nft_loss(self, end, loss):
        """Random loss without netem: an nftables netdev egress chain on the end's device."""
        dev = end['ifname']
        # Inside a node the table is the node's own; in the root namespace it carries the lab id.
        table = 'podlab' if 'host' in end else 'podlab_%s' % LAB_ID
        chain = 'loss_' + re.sub(r'[^A-Za-z0-9_]', '_', dev)
        if loss <= 0:
            run(self.in_end(end, ['nft', 'delete', 'chain', 'netdev', table, chain]), check=False)
            return
        script = ('add table netdev %s\n'
                  'add chain netdev %s %s { type filter hook egress device "%s" priority 0; }\n'
                  'flush chain netdev %s %s\n'
                  'add rule netdev %s %s numgen random mod 10000 < %d counter drop comment "podlab: link loss %g%%"\n'
                  % (table, table, chain, dev, table, chain, table, chain, int(round(loss * 100)), loss))
        p = subprocess.run(self.in_end(end, ['nft', '-f', '-']), input=script, universal_newlines=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError('nft loss on %s failed: %s' % (dev, p.stderr.strip()))

    # ---- teardown ---------------------------------------------------------------------
    def teardown(self):
        # A wedged Mininet shell must not keep the lab alive: past the deadline, the hard path.
        watchdog = threading.Timer(10.0, hard_exit)
        watchdog.daemon = True
        watchdog.start()
        shells = set(n.pid for n in list(self.hosts.values()) + list(self.bridges.values()))
        # The engine's processes in the nodes first (they hold the namespaces), but not the
        # node shells: net.stop talks to them to delete the interfaces.
        kill_marked(exclude=shells)
        if self.net is not None:
            try:
                self.net.stop()
            except BaseException as e:  # keep going: what stop missed is swept below
                log('net.stop: %r' % (e,))
            self.net = None
        kill_marked()
        sweep_by_name()
        watchdog.cancel()


def hard_exit():
    log('teardown stuck: killing the lab by marker and name')
    kill_marked()
    sweep_by_name()
    os._exit(1)


def marked_pids():
    """Pids (other than ours) whose environment carries this lab's marker."""
    out = []
    if not LAB_ID:
        return out
    marker = ('PODLAB_LAB_ID=%s' % LAB_ID).encode()
    me = os.getpid()
    parent = os.getppid()
    for e in os.listdir('/proc'):
        if not e.isdigit() or int(e) in (me, parent):
            continue
        try:
            with open('/proc/%s/environ' % e, 'rb') as f:
                if marker in f.read().split(b'\0'):
                    out.append(int(e))
        except OSError:
            pass
    return out


def kill_marked(exclude=()):
    pids = [p for p in marked_pids() if p not in exclude]
    for sig in (signal.SIGCONT, signal.SIGTERM):
        for p in pids:
            try:
                os.kill(p, sig)
            except OSError:
                pass
    deadline = time.time() + 1.0
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    for p in marked_pids():
        if p in exclude:
            continue
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def sweep_by_name():
    """Removes root-ns links, named netns and iptables rules that carry this lab's id."""
    if not re.match(r'^pl[0-9a-z]{3}$', LAB_ID):
        return
    obj = re.compile(r'^%s[bwpt][0-9]' % LAB_ID)
    try:
        names = os.listdir('/sys/class/net')
    except OSError:
        names = []
    # veths before bridges: deleting one end removes its peer
    for n in sorted((n for n in names if obj.match(n)), key=lambda n: n[len(LAB_ID)] == 'b'):
        run(['ip', 'link', 'del', 'dev', n], check=False)
    try:
        for n in os.listdir('/run/netns'):
            if n.startswith('plab-%s-' % LAB_ID):
                run(['ip', 'netns', 'del', n], check=False)
    except OSError:
        pass
    run(['nft', 'delete', 'table', 'netdev', 'podlab_%s' % LAB_ID], check=False)
    try:
        rules = run(['iptables', '-w', '-S', 'FORWARD'], check=False)
    except OSError:
        return
    for line in rules.splitlines():
        if line.startswith('-A ') and ('podlab:%s:' % LAB_ID) in line:
            argv = [m.group(1) if m.group(1) is not None else m.group(2)
                    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\S+)', line[3:])]
            run(['iptables', '-w', '-D'] + argv, check=False)


def reply(obj):
    PROTO.write(json.dumps(obj) + '\n')
    PROTO.flush()


def main():
    setLogLevel('warning')
    lab = Lab()
    requests = queue.Queue()

    def reader():
        for line in sys.stdin:
            requests.put(line)
        requests.put(None)  # EOF: the engine is gone

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, on_signal)
    try:
        # Linux: deliver SIGTERM to us when the engine dies, even while we are busy building.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception as e:
        log('prctl(PR_SET_PDEATHSIG): %s' % e)
    if os.getppid() == 1:
        raise SystemExit('parent already gone')

    t = threading.Thread(target=reader)
    t.daemon = True
    t.start()
    reply({'id': 0, 'ok': True, 'result': {'ready': True, 'pid': os.getpid()}})
    try:
        while True:
            try:
                line = requests.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                log('stdin closed: tearing the lab down')
                return
            line = line.strip()
            if not line:
                continue
            rid = None
            try:
                req = json.loads(line)
                rid = req.get('id')
                op = req.get('op')
                if op == 'build':
                    result = lab.build(req)
                elif op == 'link':
                    result = lab.link(req)
                elif op == 'stop':
                    lab.teardown()
                    reply({'id': rid, 'ok': True, 'result': {}})
                    return
                else:
                    raise ValueError('unknown op %r' % (op,))
                reply({'id': rid, 'ok': True, 'result': result})
            except Exception as e:
                reply({'id': rid, 'ok': False, 'error': str(e) or e.__class__.__name__})
    finally:
        lab.teardown()


if __name__ == '__main__':
    main()
