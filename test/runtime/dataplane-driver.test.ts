/**
 * The sim driver's ownership rules: it removes only what it programmed, leaves BIRD's and
 * the user's routes, rewrites only changed chains (counters of others survive), destroys IP
 * sets after the rules that use them, and retries what could not be programmed yet.
 */
import { describe, expect, it } from 'vitest';
import { computeDesired } from '../../engine/calico/felix/index.ts';
import type { FelixSnapshot, FelixWorkload } from '../../engine/calico/felix/index.ts';
import { SimDataplane, hostInterfaces } from '../../engine/runtime/sim/dataplane-driver.ts';
import { World } from '../../engine/sim/index.ts';
import type { Kernel } from '../../engine/sim/index.ts';
import { Netfilter, runNetfilterCommand } from '../../engine/sim/netfilter/index.ts';
import { runTool } from '../../engine/sim/tools/index.ts';
import { parsePolicyManifests } from '../../engine/calico/policy/index.ts';
import { toCommands } from '../../engine/dataplane/index.ts';
import type { DesiredDataplane } from '../../engine/dataplane/index.ts';

function node(): { k: Kernel; nf: Netfilter; w: World } {
  const w = new World();
  const k = w.addNode('n1');
  w.addNode('peer');
  w.connect('n1', 'eth0', 'peer', 'eth0');
  runTool(k, ['ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0']);
  runTool(k, ['ip', 'link', 'set', 'eth0', 'up']);
  const nf = new Netfilter();
  k.setPacketFilter(nf);
  return { k, nf, w };
}

function pod(w: World, k: Kernel, name: string, ip: string): FelixWorkload {
  const iface = `cali${name.padEnd(11, '0')}`;
  w.addNode(name);
  k.addLink({ kind: 'veth', name: iface, peerName: 'eth0', peerNode: name });
  k.setLink(iface, { up: true });
  return { node: 'n1', namespace: 'default', pod: name, iface, ips: [ip], labels: { app: name } };
}

function snap(k: Kernel, workloads: FelixWorkload[], vxlan: 'Always' | 'Never', policies: FelixSnapshot['policies'] = []): FelixSnapshot {
  return {
    nodeName: 'n1',
    pools: [{ name: 'p', cidr: '10.5.0.0/16', blockSize: 26, ipipMode: vxlan === 'Never' ? 'Always' : 'Never', vxlanMode: vxlan, natOutgoing: true, disabled: false, nodeSelector: 'all()' }],
    nodes: [
      { name: 'n1', labels: {}, ipv4Address: '10.0.0.1/24', ipv4VXLANTunnelAddr: '10.5.1.0', ipv4IPIPTunnelAddr: '10.5.1.0' },
      { name: 'n2', labels: {}, ipv4Address: '10.0.0.2/24', ipv4VXLANTunnelAddr: '10.5.2.0', ipv4IPIPTunnelAddr: '10.5.2.0' },
    ],
    blocks: [{ cidr: '10.5.1.0/26', affinity: 'n1' }, { cidr: '10.5.2.0/26', affinity: 'n2' }],
    workloads, namespaces: [{ name: 'default', labels: {} }], policies, hostInterfaces: hostInterfaces(k),
  };
}

const route = (k: Kernel): string => runTool(k, ['ip', 'route']).stdout;

describe('SimDataplane', () => {
  it('reports what changed in the tools\' words, then nothing on a repeat', () => {
    const { k, nf, w } = node();
    const a = pod(w, k, 'a', '10.5.1.2');
    const dp = new SimDataplane(k, nf);
    const first = dp.apply(computeDesired(snap(k, [a], 'Always')));
    const texts = first.map((c) => c.text);
    expect(texts).toContain('route added 10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink');
    expect(texts).toContain('route added blackhole 10.5.1.0/26 proto 80');
    expect(texts).toContain(`route added 10.5.1.2 dev ${a.iface} scope link`);
    expect(texts).toContain('neighbour added 10.5.2.0 dev vxlan.calico lladdr ' + (first.find((c) => c.kind === 'fdb')!.object.split(' ')[0]) + ' PERMANENT');
    expect(texts.some((t) => t.startsWith('device added vxlan.calico: vxlan id 4096 local 10.0.0.1 dev eth0 dstport 4789 nolearning mtu 1450'))).toBe(true);
    expect(texts.filter((t) => t.startsWith(`chain added filter cali-tw-${a.iface}`))).toHaveLength(1);
    expect(dp.apply(computeDesired(snap(k, [a], 'Always')))).toEqual([]);
    // The simulator has no neigh.*.proxy_delay; the driver says so instead of failing.
    expect([...dp.unmodelledSysctls]).toEqual([`net.ipv4.neigh.${a.iface}.proxy_delay`]);
  });

  it('removing a workload removes its route and chains; BIRD\'s and the user\'s routes stay', () => {
    const { k, nf, w } = node();
    const a = pod(w, k, 'a', '10.5.1.2');
    const b = pod(w, k, 'b', '10.5.1.3');
    const dp = new SimDataplane(k, nf);
    dp.apply(computeDesired(snap(k, [a, b], 'Never')));
    runTool(k, ['ip', 'route', 'add', '10.5.2.0/26', 'via', '10.0.0.2', 'dev', 'tunl0', 'onlink', 'proto', 'bird']);
    runTool(k, ['ip', 'route', 'add', '192.0.2.0/24', 'via', '10.0.0.254']);
    const changes = dp.apply(computeDesired(snap(k, [a], 'Never'))).map((c) => c.text);
    expect(changes).toContain(`chain removed filter cali-tw-${b.iface}`);
    expect(changes).toContain(`route removed 10.5.1.3 dev ${b.iface} scope link`);
    const r = route(k);
    expect(r).not.toContain('10.5.1.3');
    expect(r).toContain('10.5.2.0/26 via 10.0.0.2 dev tunl0 proto bird onlink');
    expect(r).toContain('192.0.2.0/24 via 10.0.0.254 dev eth0');
    expect(runNetfilterCommand(nf, ['iptables', '-S', 'cali-from-wl-dispatch'])!.stdout).not.toContain(b.iface);
  });

  it('a route whose cali device is not up yet is programmed on a later apply', () => {
    const { k, nf, w } = node();
    const a = pod(w, k, 'a', '10.5.1.2');
    k.setLink(a.iface, { up: false });
    const dp = new SimDataplane(k, nf);
    dp.apply(computeDesired(snap(k, [a], 'Never')));
    expect(route(k)).not.toContain('10.5.1.2');
    k.setLink(a.iface, { up: true });
    expect(dp.apply(computeDesired(snap(k, [a], 'Never'))).map((c) => c.text)).toContain(`route added 10.5.1.2 dev ${a.iface} scope link`);
  });

  it('only changed chains are rewritten (others keep their counters); unused IP sets are destroyed after their rules', () => {
    const { k, nf, w } = node();
    const a = pod(w, k, 'a', '10.5.1.2');
    const dp = new SimDataplane(k, nf);
    const pol = parsePolicyManifests([{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'from-b', namespace: 'default' }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }] }] } }]).policies;
    dp.apply(computeDesired(snap(k, [a], 'Never', pol)));
    const sets = (): string => runNetfilterCommand(nf, ['ipset', 'list', '-n'])!.stdout;
    expect(sets()).toMatch(/^cali40s:/m);
    // Count a packet on cali-FORWARD's first rule, then change only the policy.
    nf.rules.chain('filter', 'cali-FORWARD').rules[0]!.packets = 7;
    const changes = dp.apply(computeDesired(snap(k, [a], 'Never'))).map((c) => c.text);
    expect(changes.some((t) => t.startsWith('chain changed filter cali-tw-'))).toBe(true);
    expect(changes.some((t) => t.startsWith('ipset removed cali40s:'))).toBe(true);
    expect(nf.rules.chain('filter', 'cali-FORWARD').rules[0]!.packets).toBe(7);
    expect(sets()).not.toMatch(/^cali40s:/m);
  });

  it('pass after pass, the rules it hands over in parts leave exactly what iptables-restore of Felix\'s text leaves on a fresh node', () => {
    const { k, nf, w } = node();
    const [a, b, c] = [pod(w, k, 'a', '10.5.1.2'), pod(w, k, 'b', '10.5.1.3'), pod(w, k, 'c', '10.5.1.4')];
    const pols = parsePolicyManifests([
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'from-b', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 'http' }] }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-out', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
    ]).policies;
    const steps: DesiredDataplane[] = [
      computeDesired(snap(k, [a], 'Never')),
      computeDesired(snap(k, [a, b, c], 'Never')),
      computeDesired(snap(k, [a, b, c], 'Never', pols)),
      computeDesired(snap(k, [a, c], 'Never', pols)),
      computeDesired(snap(k, [a, c], 'Always')),
    ];
    const save = (n: Netfilter): string => runNetfilterCommand(n, ['iptables-save'])!.stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const dp = new SimDataplane(k, nf);
    const saves: string[] = [];
    for (const desired of steps) {
      dp.apply(desired);
      saves.push(save(nf));
      const fresh = new Netfilter();
      for (const cmd of toCommands(desired)) {
        if (cmd.argv[0] === 'ipset' || cmd.argv[0] === 'iptables-restore') expect(runNetfilterCommand(fresh, cmd.argv, cmd.stdin ?? '')!.code).toBe(0);
      }
      expect(save(nf)).toBe(save(fresh));
    }
    // The policies' chains and their named-port set were there, then went.
    expect(saves[2]).toMatch(/-A cali-pi-[^\n]*-m set --match-set cali40n:/);
    expect(saves[1]).toMatch(new RegExp(`-A cali-to-wl-dispatch -o ${c.iface} -m comment --comment "cali:[\\w-]{16}" -g cali-tw-${c.iface}`));
    expect(saves[4]).not.toContain('cali-pi-');
  });

  it('switching IPIP → VXLAN removes tunl0 and brings up vxlan.calico with its routes', () => {
    const { k, nf } = node();
    const dp = new SimDataplane(k, nf);
    dp.apply(computeDesired(snap(k, [], 'Never')));
    expect(runTool(k, ['ip', 'link', 'show', 'tunl0']).code).toBe(0);
    const changes = dp.apply(computeDesired(snap(k, [], 'Always'))).map((c) => c.text);
    expect(changes).toContain('device removed tunl0');
    expect(runTool(k, ['ip', 'link', 'show', 'tunl0']).code).not.toBe(0);
    expect(route(k)).toContain('10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink');
  });
});
