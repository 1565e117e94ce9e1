/**
 * kube-proxy's rules against what the real one writes. The pinned lines are a real cluster's
 * `iptables-save` for Service default/nginx (port "80-80", ClusterIP 10.110.199.45, pods
 * 10.42.0.199/200, cluster CIDR 10.42.0.0/24) published at
 * https://qwerty.md/til/2023/examining-iptables-rules-for-a-kubernetes-service.html, and the
 * kubeadm `kubernetes` Service's well-known chain KUBE-SVC-NPX46M4PTMTKRN6Y.
 */
import { describe, expect, it } from 'vitest';
import { probability, proxyRules, restoreText } from '../../engine/kube/proxier.ts';
import type { AllocatedService } from '../../engine/kube/proxier.ts';
import { sepChain, svcChain } from '../../engine/kube/names.ts';
import { Netfilter, iptablesRestore, iptablesSave } from '../../engine/sim/netfilter/index.ts';
import type { EndpointSlice } from '../../engine/kube/types.ts';

const nginx: AllocatedService = {
  namespace: 'default', name: 'nginx', type: 'NodePort', clusterIP: '10.110.199.45', externalTrafficPolicy: 'Cluster', labels: {},
  selector: { app: 'nginx' }, ports: [{ name: '80-80', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 32754 }],
};
const slice: EndpointSlice = {
  namespace: 'default', name: 'nginx-abcde', service: 'nginx', ports: [{ name: '80-80', port: 80, protocol: 'TCP' }],
  endpoints: [{ ip: '10.42.0.200', nodeName: 'n2', pod: 'b', ready: true }, { ip: '10.42.0.199', nodeName: 'n1', pod: 'a', ready: true }],
};

function saved(svc: AllocatedService, slices: EndpointSlice[], node = 'n1'): string {
  const nf = new Netfilter();
  const r = proxyRules({ node, services: [svc], slices: new Map([[`${svc.namespace}/${svc.name}`, slices]]), clusterCIDR: '10.42.0.0/24' });
  const res = iptablesRestore(nf, ['--noflush'], restoreText(r, []));
  expect(res.stderr).toBe('');
  return iptablesSave(nf, ['-t', 'nat'], { date: 'D' }).stdout;
}

describe('kube-proxy chain names (v1.28 portProtoHash)', () => {
  it('hashes servicePortName + lowercase protocol like the real kube-proxy', () => {
    expect(svcChain('default/kubernetes:https', 'tcp')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(svcChain('default/nginx:80-80', 'tcp')).toBe('KUBE-SVC-OVTWZ4GROBJZO4C5');
    expect(sepChain('default/nginx:80-80', 'tcp', '10.42.0.199:80')).toBe('KUBE-SEP-ZGUCVTBPJNCW75NN');
    expect(sepChain('default/nginx:80-80', 'tcp', '10.42.0.200:80')).toBe('KUBE-SEP-UIOQG3KKGTPDCR56');
  });

  it('formats the 1/(n−i) ladder as kube-proxy does (%0.10f)', () => {
    expect([0, 1, 2].map((i) => probability(i, 3))).toEqual(['0.3333333333', '0.5000000000', '1.0000000000']);
  });
});

describe('iptables-save -t nat after a sync matches a real cluster', () => {
  it('prints the documented lines of a two-endpoint NodePort Service', () => {
    const out = saved(nginx, [slice]);
    for (const line of [
      '-A KUBE-SERVICES -d 10.110.199.45/32 -p tcp -m comment --comment "default/nginx:80-80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-OVTWZ4GROBJZO4C5',
      '-A KUBE-SVC-OVTWZ4GROBJZO4C5 ! -s 10.42.0.0/24 -d 10.110.199.45/32 -p tcp -m comment --comment "default/nginx:80-80 cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-OVTWZ4GROBJZO4C5 -m comment --comment "default/nginx:80-80 -> 10.42.0.199:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-ZGUCVTBPJNCW75NN',
      '-A KUBE-SVC-OVTWZ4GROBJZO4C5 -m comment --comment "default/nginx:80-80 -> 10.42.0.200:80" -j KUBE-SEP-UIOQG3KKGTPDCR56',
      '-A KUBE-SEP-ZGUCVTBPJNCW75NN -p tcp -m comment --comment "default/nginx:80-80" -m tcp -j DNAT --to-destination 10.42.0.199:80',
      '-A KUBE-SEP-UIOQG3KKGTPDCR56 -p tcp -m comment --comment "default/nginx:80-80" -m tcp -j DNAT --to-destination 10.42.0.200:80',
      '-A KUBE-SEP-ZGUCVTBPJNCW75NN -s 10.42.0.199/32 -m comment --comment "default/nginx:80-80" -j KUBE-MARK-MASQ',
      '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx:80-80" -m tcp --dport 32754 -j KUBE-EXT-OVTWZ4GROBJZO4C5',
      '-A KUBE-EXT-OVTWZ4GROBJZO4C5 -m comment --comment "masquerade traffic for default/nginx:80-80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-OVTWZ4GROBJZO4C5 -j KUBE-SVC-OVTWZ4GROBJZO4C5',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]) expect(out.split('\n')).toContain(line);
    // The nodeports rule is KUBE-SERVICES' last.
    const svcLines = out.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES'));
    expect(svcLines.at(-1)).toContain('-j KUBE-NODEPORTS');
  });

  it('externalTrafficPolicy Local: KUBE-SVL over this node\'s endpoints only; none local → filter DROP', () => {
    const local = { ...nginx, externalTrafficPolicy: 'Local' as const };
    const out = saved(local, [slice], 'n1');
    expect(out).toContain('-A KUBE-EXT-OVTWZ4GROBJZO4C5 -j KUBE-SVL-OVTWZ4GROBJZO4C5');
    expect(out).toContain('-A KUBE-SVL-OVTWZ4GROBJZO4C5 -m comment --comment "default/nginx:80-80 -> 10.42.0.199:80" -j KUBE-SEP-ZGUCVTBPJNCW75NN');
    expect(out).not.toContain('KUBE-SVL-OVTWZ4GROBJZO4C5 -m comment --comment "default/nginx:80-80 -> 10.42.0.200:80"');
    const r = proxyRules({ node: 'n3', services: [local], slices: new Map([['default/nginx', [slice]]]) });
    expect(r.filter).toContain('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/nginx:80-80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 32754 -j DROP');
  });

  it('sessionAffinity ClientIP: recent --rcheck in KUBE-SVC before the ladder, recent --set before DNAT; round-trips through iptables-save', () => {
    const sticky = { ...nginx, sessionAffinity: 'ClientIP' as const, affinityTimeout: 600 };
    const r = proxyRules({ node: 'n1', services: [sticky], slices: new Map([['default/nginx', [slice]]]), clusterCIDR: '10.42.0.0/24' });
    const out = saved(sticky, [slice]);
    // The recent rules restored are what iptables-save prints back, line for line (xt_recent's option order).
    for (const l of r.nat.filter((x) => x.includes(' -m recent '))) expect(out.split('\n')).toContain(l);
    expect(out).toContain('-A KUBE-SVC-OVTWZ4GROBJZO4C5 -m comment --comment "default/nginx:80-80 -> 10.42.0.199:80" -m recent --rcheck --seconds 600 --reap --name KUBE-SEP-ZGUCVTBPJNCW75NN --mask 255.255.255.255 --rsource -j KUBE-SEP-ZGUCVTBPJNCW75NN');
    expect(out).toContain('-A KUBE-SEP-ZGUCVTBPJNCW75NN -p tcp -m comment --comment "default/nginx:80-80" -m recent --set --name KUBE-SEP-ZGUCVTBPJNCW75NN --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.42.0.199:80');
    const svc = out.split('\n').filter((l) => l.startsWith('-A KUBE-SVC-OVTWZ4GROBJZO4C5 '));
    expect(svc.findIndex((l) => l.includes('--rcheck'))).toBeLessThan(svc.findIndex((l) => l.includes('statistic')));
  });

  it('external IPs and a LoadBalancer IP enter through KUBE-EXT', () => {
    const lb = { ...nginx, type: 'LoadBalancer' as const, externalIPs: ['192.0.2.10'], loadBalancerIP: '192.0.2.20' };
    const out = saved(lb, [slice]);
    expect(out).toContain('-A KUBE-SERVICES -d 192.0.2.10/32 -p tcp -m comment --comment "default/nginx:80-80 external IP" -m tcp --dport 80 -j KUBE-EXT-OVTWZ4GROBJZO4C5');
    expect(out).toContain('-A KUBE-SERVICES -d 192.0.2.20/32 -p tcp -m comment --comment "default/nginx:80-80 loadbalancer IP" -m tcp --dport 80 -j KUBE-EXT-OVTWZ4GROBJZO4C5');
  });

  it('no endpoints: REJECT in filter KUBE-SERVICES, no KUBE-SVC chain; a later sync deletes stale chains', () => {
    const r = proxyRules({ node: 'n1', services: [nginx], slices: new Map() });
    expect(r.filter).toContain('-A KUBE-SERVICES -d 10.110.199.45/32 -p tcp -m comment --comment "default/nginx:80-80 has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable');
    const nf = new Netfilter();
    const full = proxyRules({ node: 'n1', services: [nginx], slices: new Map([['default/nginx', [slice]]]) });
    expect(iptablesRestore(nf, ['--noflush'], restoreText(full, [])).code).toBe(0);
    const existing = [...full.natChains];
    expect(iptablesRestore(nf, ['--noflush'], restoreText(r, existing)).stderr).toBe('');
    expect(iptablesSave(nf, ['-t', 'nat'], { date: 'D' }).stdout).not.toMatch(/KUBE-(SVC|SEP|EXT)-/);
  });
});
