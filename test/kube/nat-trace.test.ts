/**
 * The DNAT hop: when kube-proxy's chains rewrite a packet in the simulated netfilter, the
 * trace carries a `nat` event with the packet before and after and the nat-table rules that
 * chose the binding (PREROUTING → KUBE-SERVICES → KUBE-SVC draw → KUBE-SEP DNAT), as
 * iptables-save prints them; replies are rewritten back by conntrack with no rules. The
 * event becomes a packet event (`podlab run`, recordings) and a hop the UI's path follows
 * across the rewrite.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { topology, up } from '../calico/e2e/helpers.ts';
import type { TraceEvent } from '../../engine/sim/trace.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';
import { FrameStore, packetEvent } from '../../engine/scenario/packet-events.ts';
import { LiveFeed } from '../../engine/server/live-feed.ts';
import { packetPath } from '../../web/src/domain/packet-path.ts';
import { progressPrinter } from '../../engine/scenario/render.ts';
import type { PodlabEvent } from '../../engine/events.ts';

type Nat = Extract<TraceEvent, { type: 'nat' }>;

describe('NAT hops in the simulator trace', async () => {
  const u = await up(await topology('topologies/two-nodes.yaml'));
  const sh = (node: string, line: string) => u.lab.execAsync(node, line);
  await sh('master-01', 'kubectl create deployment web --image=nginx --replicas=2 --port=80');
  await sh('master-01', 'kubectl expose deploy web --port=80 --type=NodePort');
  await sh('master-01', 'kubectl run client --image=curl');
  const svc = parse((await sh('master-01', 'kubectl get svc web -o yaml')).stdout).spec;
  const clusterIP = svc.clusterIP as string;
  const nodePort = svc.ports[0].nodePort as number;
  const clientNode = parse((await sh('master-01', 'kubectl get pod client -o yaml')).stdout).spec.nodeName as string;

  const traced = async (node: string, line: string): Promise<{ events: TraceEvent[]; stdout: string }> => {
    const events: TraceEvent[] = [];
    const off = u.lab.world.trace.on((e) => events.push(e));
    try {
      return { events, stdout: (await sh(node, line)).stdout };
    } finally {
      off();
    }
  };

  it('a ClusterIP connection shows the DNAT, the KUBE-SVC rule that drew the backend and the KUBE-SEP rule that rewrote it', async () => {
    const { events, stdout } = await traced('client', `curl -s http://${clusterIP}/`);
    expect(stdout).toMatch(/^web-/);
    const nats = events.filter((e): e is Nat => e.type === 'nat');
    const first = nats.find((e) => e.rules.length > 0)!;
    expect(first.node).toBe(clientNode); // DNAT where the packet enters the host: the client's node
    expect(first.hook).toBe('PREROUTING');
    expect(formatIPv4(first.before.dst)).toBe(clusterIP);
    const backend = formatIPv4(first.pkt.dst);
    expect(backend).toMatch(/^10\.5\./);
    const save = (await sh(clientNode, 'iptables-save -t nat')).stdout.split('\n');
    // Every rule named is one iptables-save shows, in the order the packet took them.
    for (const r of first.rules) expect(save).toContain(r);
    expect(first.rules[0]).toBe('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(first.rules[1]).toMatch(new RegExp(`^-A KUBE-SERVICES -d ${clusterIP.replace(/\./g, '\\.')}/32 -p tcp .* -j (KUBE-SVC-[A-Z2-7]{16})$`));
    const svcChain = /-j (KUBE-SVC-\S+)$/.exec(first.rules[1]!)![1]!;
    const draw = first.rules[first.rules.length - 2]!;
    expect(draw).toMatch(new RegExp(`^-A ${svcChain} -m comment --comment "default/web -> ${backend.replace(/\./g, '\\.')}:80"( -m statistic --mode random --probability 0\\.\\d{11})? -j (KUBE-SEP-[A-Z2-7]{16})$`));
    const sep = /-j (KUBE-SEP-\S+)$/.exec(draw)![1]!;
    expect(first.rules[first.rules.length - 1]).toBe(`-A ${sep} -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination ${backend}:80`);
    // Later packets of the flow and the replies: rewritten by conntrack, no rules walked.
    const later = nats.filter((e) => e !== first);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((e) => e.rules.length === 0)).toBe(true);
    const reply = later.find((e) => formatIPv4(e.before.src) === backend)!;
    expect(formatIPv4(reply.pkt.src)).toBe(clusterIP);

    // As a packet event: DNAT of dst ip:port, the rules attached.
    const ev = packetEvent(first, new FrameStore());
    expect(ev).toMatchObject({ type: 'packet', hop: 'nat', node: clientNode, nat: { hook: 'PREROUTING', by: 'DNAT', field: 'dst', to: `${backend}:80`, rules: first.rules } });
    expect((ev as { nat: { from: string } }).nat.from).toBe(`${clusterIP}:80`);
    expect(packetEvent(reply, new FrameStore())).toMatchObject({ hop: 'nat', nat: { by: 'conntrack', field: 'src', from: `${backend}:80`, to: `${clusterIP}:80` } });
    expect((packetEvent(reply, new FrameStore()) as { nat: object }).nat).not.toHaveProperty('rules');
  });

  it('a NodePort from outside shows the DNAT and then kube-proxy\'s MASQUERADE', async () => {
    const { events } = await traced('outside', `curl -s http://10.30.200.1:${nodePort}/`);
    const firsts = events.filter((e): e is Nat => e.type === 'nat' && e.rules.length > 0);
    expect(firsts.map((e) => `${e.node} ${e.hook}`)).toEqual(['master-01 PREROUTING', 'master-01 POSTROUTING']);
    expect(firsts[0]!.rules.some((r) => /^-A KUBE-NODEPORTS -p tcp .* --dport \d+ -j KUBE-EXT-/.test(r))).toBe(true);
    expect(firsts[1]!.rules).toEqual([
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]);
    const masq = packetEvent(firsts[1]!, new FrameStore());
    expect(masq).toMatchObject({ nat: { by: 'MASQUERADE', field: 'src', hook: 'POSTROUTING' } });
    expect((masq as { nat: { from: string } }).nat.from).toMatch(/^198\.51\.100\.10:\d+$/);
  });

  it('the UI\'s hop log carries the NAT, and a packet\'s path follows it across the rewrite', async () => {
    const feed = new LiveFeed(u.lab);
    await sh('client', `curl -s http://${clusterIP}/`);
    const hops = feed.hopsSince(0);
    feed.close();
    const dnat = hops.find((h) => h.hop === 'nat' && h.nat?.rules)!;
    expect(dnat.text).toMatch(new RegExp(`^DNAT dst ${clusterIP.replace(/\./g, '\\.')}:80 → 10\\.5\\.\\d+\\.\\d+:80$`));
    expect(dnat.natFrom).not.toBe(dnat.key);
    // The SYN as the client sent it: its path reaches the backend's delivery, past the DNAT.
    const sent = hops.find((h) => h.key === dnat.natFrom && h.hop === 'tx')!;
    const path = packetPath({ key: sent.key!, hop: sent.seq, t: sent.t }, hops);
    expect(path.map((h) => h.hop)).toContain('nat');
    expect(path[path.length - 1]!.hop).toBe('deliver');
    expect(path[path.length - 1]!.dst).toBe(/→ (\S+):80$/.exec(dnat.text)![1]);
  });

  it('podlab run\'s progress prints the NAT under its step with the rules', () => {
    let out = '';
    const print = progressPrinter((s) => { out += s; });
    const base = { seq: 0, t: 0, step: 1 };
    print({ ...base, type: 'step-start', step: 1, title: 'curl', narration: '', action: 'exec' } as PodlabEvent);
    print({ ...base, type: 'packet', hop: 'nat', node: 'master-01', dev: 'cali1', nat: { hook: 'PREROUTING', by: 'DNAT', field: 'dst', from: '10.96.0.10:80', to: '10.5.1.2:80', rules: ['-A KUBE-SEP-X -p tcp -j DNAT --to-destination 10.5.1.2:80'] } } as PodlabEvent);
    print({ ...base, type: 'packet', hop: 'nat', node: 'master-01', nat: { hook: 'POSTROUTING', by: 'conntrack', field: 'src', from: '10.5.1.2:80', to: '10.96.0.10:80' } } as PodlabEvent);
    print({ ...base, type: 'step-end', ok: true } as PodlabEvent);
    expect(out).toBe('[1/0] curl … ok\n      nat master-01 cali1 PREROUTING: DNAT dst 10.96.0.10:80 → 10.5.1.2:80\n          -A KUBE-SEP-X -p tcp -j DNAT --to-destination 10.5.1.2:80\n');
  });
});
