/** Felix's pure computation: MTU rule, names, route shapes, rule rendering, policy groups. */
import { describe, expect, it } from 'vitest';
import {
  computeDesired, encapsEnabled, hostMtu, podMtu, policyChainName, ruleToIptables, SetRegistry, tunnelMtus, vxlanMac,
} from '../../../engine/calico/felix/index.ts';
import type { FelixSnapshot } from '../../../engine/calico/felix/index.ts';
import { createHash } from 'node:crypto';
import { renderRule } from '../../../engine/dataplane/index.ts';
import { selectorToString } from '../../../engine/calico/selector/index.ts';
import { parsePolicyManifests } from '../../../engine/calico/policy/index.ts';
import type { Policy } from '../../../engine/calico/policy/index.ts';

const iface = (name: string, mtu: number, up = true) => ({ name, mtu, up, addresses: [] as string[] });

function base(over: Partial<FelixSnapshot> = {}): FelixSnapshot {
  return {
    nodeName: 'n1',
    pools: [{ name: 'p', cidr: '10.5.0.0/16', blockSize: 26, ipipMode: 'Never', vxlanMode: 'Always', natOutgoing: true, disabled: false, nodeSelector: 'all()' }],
    nodes: [
      { name: 'n1', labels: {}, ipv4Address: '10.0.1.1/24', ipv4VXLANTunnelAddr: '10.5.1.0' },
      { name: 'n2', labels: {}, ipv4Address: '10.0.1.2/24', ipv4VXLANTunnelAddr: '10.5.2.0', vxlanTunnelMACAddr: '66:AA:BB:CC:DD:EE' },
      { name: 'n3', labels: {}, ipv4Address: '10.0.9.3/24', ipv4VXLANTunnelAddr: '10.5.3.0' },
    ],
    blocks: [{ cidr: '10.5.1.0/26', affinity: 'n1' }, { cidr: '10.5.2.0/26', affinity: 'n2' }, { cidr: '10.5.3.0/26', affinity: 'n3' }],
    workloads: [],
    namespaces: [{ name: 'default', labels: {} }],
    policies: [],
    hostInterfaces: [{ name: 'eth0', mtu: 1500, up: true, addresses: ['10.0.1.1/24'] }],
    ...over,
  };
}

describe('MTU (auto mode)', () => {
  it('takes the smallest up interface matching the pattern, ignoring cali*, docker0 and down NICs; 1460 when none', () => {
    expect(hostMtu([iface('eth0', 1500), iface('eth1', 9000), iface('cali123', 1400), iface('docker0', 1280), iface('ens3', 1200, false)])).toBe(1500);
    expect(hostMtu([iface('enp0s3', 9000), iface('wlan0', 2304)])).toBe(2304);
    expect(hostMtu([iface('lo', 65536), iface('br0', 1500)])).toBe(1460);
  });
  it('IPIP 1480, VXLAN 1450 on 1500; pod MTU is the smallest enabled encapsulation; explicit settings win', () => {
    expect(tunnelMtus(1500, { ipip: true, vxlan: false })).toEqual({ ipip: 1480, vxlan: 1450, pod: 1480 });
    expect(tunnelMtus(1500, { ipip: true, vxlan: true }).pod).toBe(1450);
    expect(tunnelMtus(1500, { ipip: false, vxlan: false }).pod).toBe(1500);
    expect(tunnelMtus(9000, { ipip: false, vxlan: true }).pod).toBe(8950);
    expect(tunnelMtus(1500, { ipip: true, vxlan: false }, { ipipMTU: 1440 }).pod).toBe(1440);
    expect(podMtu(base({ hostInterfaces: [iface('eth0', 1460)] }))).toBe(1410);
  });
});

describe('encapsulation and VXLAN identity', () => {
  it('encapsulations follow the pools unless FelixConfiguration says otherwise', () => {
    expect(encapsEnabled(base())).toEqual({ ipip: false, vxlan: true });
    expect(encapsEnabled(base({ config: { vxlanEnabled: false, ipipEnabled: true } }))).toEqual({ ipip: true, vxlan: false });
    const disabled = base();
    expect(encapsEnabled({ ...disabled, pools: disabled.pools.map((p) => ({ ...p, disabled: true })) })).toEqual({ ipip: false, vxlan: false });
  });
  it('the VXLAN MAC is spec.vxlanTunnelMACAddr, else 66 followed by five bytes of SHA-1(nodename)', () => {
    expect(vxlanMac('n2', '66:AA:BB:CC:DD:EE')).toBe('66:aa:bb:cc:dd:ee');
    expect(vxlanMac('master-01')).toMatch(/^66(:[0-9a-f]{2}){5}$/);
    expect(vxlanMac('master-01')).not.toBe(vxlanMac('worker-01'));
  });
});

describe('VXLAN CrossSubnet route shapes', () => {
  it('same subnet: via node IP on the parent device, proto 80 onlink; other subnet: via the VTEP on vxlan.calico', () => {
    const s = base();
    const d = computeDesired({ ...s, pools: s.pools.map((p) => ({ ...p, vxlanMode: 'CrossSubnet' as const })) });
    expect(d.routes).toContainEqual({ dst: '10.5.2.0/26', type: 'unicast', gateway: '10.0.1.2', dev: 'eth0', protocol: 80, scope: 'global', onlink: true });
    expect(d.routes).toContainEqual({ dst: '10.5.3.0/26', type: 'unicast', gateway: '10.5.3.0', dev: 'vxlan.calico', protocol: 3, scope: 'global', onlink: true });
    expect(d.routes).toContainEqual({ dst: '10.5.1.0/26', type: 'blackhole', protocol: 80, scope: 'global', onlink: false });
    expect(d.fdb).toContainEqual({ dev: 'vxlan.calico', mac: '66:aa:bb:cc:dd:ee', dst: '10.0.1.2' });
  });
  it('a borrowed address (remote pod outside its node\'s blocks) gets a /32 via its node\'s VTEP', () => {
    const d = computeDesired(base({ workloads: [{ node: 'n3', namespace: 'default', pod: 'x', iface: 'calixxxxxxxxxxx', ips: ['10.5.2.7'], labels: {} }] }));
    expect(d.routes).toContainEqual({ dst: '10.5.2.7/32', type: 'unicast', gateway: '10.5.3.0', dev: 'vxlan.calico', protocol: 3, scope: 'global', onlink: true });
  });
  it('IPIP pools: tunl0 and its address only — no block routes, no blackholes (BIRD programs those)', () => {
    const s = base();
    const d = computeDesired({ ...s, pools: s.pools.map((p) => ({ ...p, vxlanMode: 'Never' as const, ipipMode: 'Always' as const })), nodes: s.nodes.map((n) => ({ ...n, ipv4IPIPTunnelAddr: n.ipv4VXLANTunnelAddr! })) });
    expect(d.devices).toEqual([{ kind: 'ipip', name: 'tunl0', mtu: 1480 }]);
    expect(d.addresses).toEqual([{ dev: 'tunl0', cidr: '10.5.1.0/32' }]);
    expect(d.routes).toEqual([]);
  });
});

function policy(manifest: Record<string, unknown>): Policy {
  const r = parsePolicyManifests([manifest]);
  return r.policies[0]!;
}

describe('policy rules → iptables (felix/rules/policy.go)', () => {
  it('several nets and notNets become match blocks in the scratch marks; the rule then tests the all-blocks bit', () => {
    const p = policy({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'nets' }, spec: { selector: 'all()', ingress: [{ action: 'Allow', protocol: 'TCP', source: { nets: ['10.1.0.0/16', '10.2.0.0/16'], notNets: ['10.1.5.0/24'] }, destination: { ports: [80, '8000:8080'] } }] } });
    const out = ruleToIptables(p.ingress[0]!, p, new SetRegistry(), []).map((r) => renderRule('c', r, undefined).slice(5));
    expect(out).toEqual([
      '--jump MARK --set-mark 0/0xc0000',
      '--source 10.1.0.0/16 --jump MARK --set-mark 0x40000/0x40000',
      '--source 10.2.0.0/16 --jump MARK --set-mark 0x40000/0x40000',
      // The positive block took the source nets out of the rule, so the one negated net fits in it.
      '-p tcp -m multiport --destination-ports 80,8000:8080 ! --source 10.1.5.0/24 -m mark --mark 0x40000/0x40000 --jump MARK --set-mark 0x10000/0x10000',
      '-m mark --mark 0x10000/0x10000 --jump RETURN',
    ]);
  });
  it('one net plus two negated ones: the negated block starts with the all-blocks bit set and clears it', () => {
    const p = policy({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'neg' }, spec: { selector: 'all()', ingress: [{ action: 'Deny', source: { nets: ['10.1.0.0/16'], notNets: ['10.1.5.0/24', '10.1.6.0/24'] } }] } });
    const out = ruleToIptables(p.ingress[0]!, p, new SetRegistry(), []).map((r) => renderRule('c', r, undefined).slice(5));
    expect(out).toEqual([
      '--jump MARK --set-mark 0x40000/0xc0000',
      '--source 10.1.5.0/24 --jump MARK --set-mark 0/0x40000',
      '--source 10.1.6.0/24 --jump MARK --set-mark 0/0x40000',
      '--source 10.1.0.0/16 -m mark --mark 0x40000/0x40000 --jump DROP',
    ]);
  });
  it('Deny is a DROP, Pass sets the pass mark, Log logs calico-packet; selectors become cali40s: sets', () => {
    const p = policy({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'mix', namespace: 'default' }, spec: { selector: 'all()', egress: [
      { action: 'Log', protocol: 'ICMP', icmp: { type: 8 } },
      { action: 'Deny', destination: { selector: 'app == "db"' } },
      { action: 'Pass', notProtocol: 'UDP' },
    ] } });
    const sets = new SetRegistry();
    const r = p.egress.flatMap((x) => ruleToIptables(x, p, sets, [])).map((x) => renderRule('c', x, undefined).slice(5));
    expect(r[0]).toBe('-p icmp -m icmp --icmp-type 8 --jump LOG --log-prefix "calico-packet: " --log-level 5');
    expect(r[1]).toMatch(/^-m set --match-set cali40s:[\w-]{23} dst --jump DROP$/);
    expect(r[2]).toBe('! -p udp --jump MARK --set-mark 0x20000/0x20000');
    // The set's selector is the rule's, scoped to the policy's namespace as libcalico-go scopes it.
    expect([...sets.sets.values()][0]!.text).toContain('projectcalico.org/namespace == "default"');
  });
  it('chain names: tier/name when short, hashed to 28 characters when long (k8s policies always are)', () => {
    expect(policyChainName('cali-pi-', 'default', 'allow')).toBe('cali-pi-default/allow');
    expect(policyChainName('cali-pi-', 'default', 'default/knp.default.allow-web')).toMatch(/^cali-pi-_[\w-]{19}$/);
  });
});

describe('endpoint chains', () => {
  const w = { node: 'n1', namespace: 'default', pod: 'a', iface: 'cali0123456789a', ips: ['10.5.1.2'], labels: { app: 'a' } };
  const knp = (name: string, spec: Record<string, unknown>) => policy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'default' }, spec });

  it('two consecutive policies with one selector share a cali-gi- group chain; one policy is jumped to directly', () => {
    const one = computeDesired(base({ workloads: [w], policies: [knp('deny', { podSelector: {} })] }));
    const tw = one.iptables.filter.chains.find((c) => c.name === `cali-tw-${w.iface}`)!;
    expect(tw.rules.some((r) => r.action?.a === 'jump' && r.action.chain.startsWith('cali-pi-_'))).toBe(true);
    const two = computeDesired(base({ workloads: [w], policies: [knp('p1', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] }), knp('p2', { podSelector: {}, ingress: [{ ports: [{ port: 81 }] }] })] }));
    const tw2 = two.iptables.filter.chains.find((c) => c.name === `cali-tw-${w.iface}`)!;
    const jumps = tw2.rules.filter((r) => r.action?.a === 'jump').map((r) => (r.action as { chain: string }).chain);
    expect(jumps.filter((j) => j.startsWith('cali-gi-'))).toHaveLength(1);
    const group = two.iptables.filter.chains.find((c) => c.name === jumps.find((j) => j.startsWith('cali-gi-')))!;
    expect(group.name).toHaveLength(28);
    expect(group.rules.map((r) => renderRule(group.name, r, undefined).replace(/cali-pi-_[\w-]+/, 'P'))).toEqual([
      `-A ${group.name} --jump P`,
      `-A ${group.name} -m mark --mark 0/0x30000 --jump P`,
    ]);
  });

  it('per workload: /32 scope link route, permanent ARP for its MAC, Felix\'s interface sysctls', () => {
    const d = computeDesired(base({ workloads: [{ ...w, mac: '0A:58:0A:05:01:02' }] }));
    expect(d.routes).toContainEqual({ dst: '10.5.1.2/32', type: 'unicast', dev: w.iface, protocol: 3, scope: 'link', onlink: false });
    expect(d.neighbours).toContainEqual({ dev: w.iface, ip: '10.5.1.2', mac: '0a:58:0a:05:01:02' });
    expect(d.sysctls.filter((s) => s.key.includes(w.iface))).toEqual([
      { key: `net.ipv4.conf.${w.iface}.route_localnet`, value: '1' },
      { key: `net.ipv4.neigh.${w.iface}.proxy_delay`, value: '0' },
      { key: `net.ipv4.conf.${w.iface}.proxy_arp`, value: '1' },
      { key: `net.ipv4.conf.${w.iface}.forwarding`, value: '1' },
      { key: `net.ipv4.conf.${w.iface}.rp_filter`, value: '1' },
    ]);
    expect(d.sysctls).toContainEqual({ key: 'net.ipv4.ip_forward', value: '1' });
  });

  it('a named port is a hash:ip,port set of (IP, tcp:port) for every endpoint with that port, matched dst,dst', () => {
    const other = { node: 'n2', namespace: 'other', pod: 'b', iface: 'cali0123456789b', ips: ['10.5.2.9'], labels: {}, ports: [{ name: 'http', port: 8080 }, { name: 'dns', protocol: 'UDP', port: 53 }] };
    const noPort = { node: 'n2', namespace: 'other', pod: 'c', iface: 'cali0123456789c', ips: ['10.5.2.10'], labels: {} };
    const udpHttp = { node: 'n3', namespace: 'other', pod: 'd', iface: 'cali0123456789d', ips: ['10.5.3.4'], labels: {}, ports: [{ name: 'http', protocol: 'UDP', port: 80 }] };
    const self = { ...w, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] };
    const d = computeDesired(base({ workloads: [self, other, noPort, udpHttp], policies: [knp('named', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] })] }));
    expect(d.notes).toEqual([]);
    // felix/calc: ID n:<MakeUniqueID("n", "<selector ID>,tcp,http")>, the selector all() since the rule has none.
    const sha = (x: string): string => createHash('sha224').update(x).digest('base64url');
    const name = `cali40n:${sha(`n:s:${sha('s:all()')},tcp,http`)}`.slice(0, 31);
    expect(d.ipsets.find((x) => x.name === name)).toEqual({ name, type: 'hash:ip,port', members: ['10.5.1.2,tcp:80', '10.5.2.9,tcp:8080'] });
    const chain = d.iptables.filter.chains.find((c) => c.name === policyChainName('cali-pi-', 'default', 'default/knp.default.named'))!;
    expect(renderRule(chain.name, chain.rules[0]!, undefined)).toBe(
      `-A ${chain.name} -m comment --comment "Policy default/knp.default.named ingress" -p tcp -m set --match-set ${name} dst,dst --jump MARK --set-mark 0x10000/0x10000`);
  });
  it('numeric and named ports together are OR-ed in a port block; a UDP rule uses the udp named-port set', () => {
    // (A k8s NetworkPolicy splits its ports into one rule each; a Calico rule keeps the list.)
    const p = policy({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'mixed' }, spec: { selector: 'all()', ingress: [
      { action: 'Allow', protocol: 'TCP', destination: { ports: [81, 'http'] } },
      { action: 'Allow', protocol: 'UDP', destination: { ports: ['dns'] } },
    ] } });
    const sets = new SetRegistry();
    const out = p.ingress.flatMap((r) => ruleToIptables(r, p, sets, [])).map((r) => renderRule('c', r, undefined).slice(5));
    const [tcpSet, udpSet] = [...sets.namedPorts.keys()];
    expect([...sets.namedPorts.values()].map((x) => [x.protocol, x.port])).toEqual([['tcp', 'http'], ['udp', 'dns']]);
    expect(out).toEqual([
      '--jump MARK --set-mark 0/0xc0000',
      '-p tcp -m multiport --destination-ports 81 --jump MARK --set-mark 0x40000/0x40000',
      `-m set --match-set ${tcpSet} dst,dst --jump MARK --set-mark 0x40000/0x40000`,
      '-p tcp -m mark --mark 0x40000/0x40000 --jump MARK --set-mark 0x10000/0x10000',
      '-m mark --mark 0x10000/0x10000 --jump RETURN',
      `-p udp -m set --match-set ${udpSet} dst,dst --jump MARK --set-mark 0x10000/0x10000`,
      '-m mark --mark 0x10000/0x10000 --jump RETURN',
    ]);
  });
  it('a named port beside a selector filters by it (no separate selector set); beside numeric ports both stay', () => {
    const p = knp('sel', { podSelector: {}, egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 'pg' }] }], policyTypes: ['Egress'] });
    const sets = new SetRegistry();
    const out = ruleToIptables(p.egress[0]!, p, sets, []).map((r) => renderRule('c', r, undefined).slice(5));
    expect(sets.sets.size).toBe(0);
    const [np] = [...sets.namedPorts.values()];
    expect(selectorToString(np!.selector)).toContain('app == "db"');
    expect(out[0]).toMatch(/^-p tcp -m set --match-set cali40n:[\w-]{23} dst,dst --jump MARK/);
  });
});
