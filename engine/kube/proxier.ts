/**
 * kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go, v1.28) as a pure function:
 * Services + EndpointSlices + the node → the `iptables-restore --noflush` text one full sync
 * writes, plus the jump rules it ensures in the built-in chains. Chains and rules are the
 * ones kube-proxy writes, in its order, with its comments: KUBE-SERVICES → KUBE-SVC-<h>
 * (a 1/(n−i) `statistic` ladder) → KUBE-SEP-<h> (hairpin KUBE-MARK-MASQ, DNAT ip:port);
 * KUBE-NODEPORTS → KUBE-EXT-<h> (masquerade for Cluster policy; for Local, KUBE-SVL-<h> over
 * the node's own endpoints); KUBE-POSTROUTING masquerades what KUBE-MARK-MASQ marked.
 * Lines are written as iptables-save prints them, so the text round-trips unchanged.
 */
import { saveQuote } from './quote.ts';
import { extChain, sepChain, servicePortName, svcChain, svlChain } from './names.ts';
import type { EndpointSlice, Service, ServicePort } from './types.ts';

/** A Service with its allocated ClusterIP and node ports (what the API server stores). */
export interface AllocatedService extends Service {
  readonly clusterIP: string;
  readonly ports: readonly (ServicePort & { readonly nodePort?: number })[];
}

/** Everything one node's kube-proxy reads. */
export interface ProxierInput {
  readonly node: string;
  readonly services: readonly AllocatedService[];
  /** EndpointSlices by `namespace/service`. */
  readonly slices: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** --cluster-cidr (the pod network): traffic from outside it to a ClusterIP is masqueraded. */
  readonly clusterCIDR?: string;
  /** The node's own addresses (informational: NodePorts match `--dst-type LOCAL`). */
  readonly nodeIPs?: readonly string[];
}

/** A jump kube-proxy ensures (prepends, once) in a built-in chain. */
export interface JumpRule {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  /** The rule after `-A CHAIN `, as iptables-save prints it. */
  readonly rule: string;
}

/** One sync's output: restore text per table and the jumps into built-in chains. */
export interface ProxyRules {
  readonly filter: readonly string[];
  readonly nat: readonly string[];
  /** Every KUBE- chain of the nat table this sync keeps (stale ones get deleted). */
  readonly natChains: ReadonlySet<string>;
  readonly jumps: readonly JumpRule[];
}

/** kube-proxy's default --iptables-masquerade-bit 14. */
export const MASQ_MARK = '0x4000';

const c = saveQuote;

/** The built-in-chain jumps of iptablesJumpChains, in the order they end up in each chain. */
export const JUMPS: readonly JumpRule[] = [
  { table: 'filter', chain: 'INPUT', rule: `-m conntrack --ctstate NEW -m comment --comment ${c('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES` },
  { table: 'filter', chain: 'INPUT', rule: `-m comment --comment ${c('kubernetes health check service ports')} -j KUBE-NODEPORTS` },
  { table: 'filter', chain: 'FORWARD', rule: `-m conntrack --ctstate NEW -m comment --comment ${c('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES` },
  { table: 'filter', chain: 'FORWARD', rule: `-m conntrack --ctstate NEW -m comment --comment ${c('kubernetes service portals')} -j KUBE-SERVICES` },
  { table: 'filter', chain: 'FORWARD', rule: `-m comment --comment ${c('kubernetes forwarding rules')} -j KUBE-FORWARD` },
  { table: 'filter', chain: 'OUTPUT', rule: `-m conntrack --ctstate NEW -m comment --comment ${c('kubernetes service portals')} -j KUBE-SERVICES` },
  { table: 'nat', chain: 'PREROUTING', rule: `-m comment --comment ${c('kubernetes service portals')} -j KUBE-SERVICES` },
  { table: 'nat', chain: 'OUTPUT', rule: `-m comment --comment ${c('kubernetes service portals')} -j KUBE-SERVICES` },
  { table: 'nat', chain: 'POSTROUTING', rule: `-m comment --comment ${c('kubernetes postrouting rules')} -j KUBE-POSTROUTING` },
];

/** An endpoint of one service port: `ip:port` and whether it runs on this node. */
interface Ep { readonly addr: string; readonly ip: string; readonly local: boolean }

function endpointsOf(svc: AllocatedService, sp: ServicePort, slices: readonly EndpointSlice[], node: string): Ep[] {
  const out: Ep[] = [];
  for (const s of slices) {
    const p = s.ports.find((x) => x.name === sp.name && x.protocol === sp.protocol);
    if (!p) continue;
    for (const e of s.endpoints) if (e.ready) out.push({ addr: `${e.ip}:${p.port}`, ip: e.ip, local: e.nodeName === node });
  }
  void svc;
  // The endpoint slice cache sorts by endpoint string, so rule order is stable across syncs.
  return out.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

/** kube-proxy's `%0.10f` of 1/(n−i): what it hands iptables for rule i of n. */
export function probability(i: number, n: number): string {
  return (1 / (n - i)).toFixed(10);
}

/** The rules one node's kube-proxy writes for the given state (pure). */
export function proxyRules(input: ProxierInput): ProxyRules {
  const natChains = new Set<string>(['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ', 'KUBE-PROXY-CANARY']);
  const svcRules: string[] = [];
  const nodePortRules: string[] = [];
  const chainRules = new Map<string, string[]>();
  const filterSvc: string[] = [];
  const filterExt: string[] = [];
  const add = (chain: string, rule: string): void => {
    let l = chainRules.get(chain);
    if (!l) chainRules.set(chain, (l = []));
    l.push(`-A ${chain} ${rule}`);
  };
  const ladder = (chain: string, spn: string, proto: string, eps: readonly Ep[], affinity?: number): void => {
    // sessionAffinity: ClientIP — a client seen within the timeout goes back to its endpoint.
    if (affinity !== undefined) {
      for (const e of eps) {
        const sep = sepChain(spn, proto, e.addr);
        add(chain, `-m comment --comment ${c(`${spn} -> ${e.addr}`)} -m recent --rcheck --seconds ${affinity} --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`);
      }
    }
    eps.forEach((e, i) => {
      const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(i, eps.length)}` : '';
      add(chain, `-m comment --comment ${c(`${spn} -> ${e.addr}`)}${stat} -j ${sepChain(spn, proto, e.addr)}`);
    });
  };
  const services = [...input.services].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
  for (const svc of services) {
    if (svc.clusterIP === 'None') continue; // headless: DNS only, no proxying
    const slices = input.slices.get(`${svc.namespace}/${svc.name}`) ?? [];
    for (const sp of svc.ports) {
      const spn = servicePortName(svc.namespace, svc.name, sp.name);
      const proto = sp.protocol.toLowerCase();
      const match = `-p ${proto}`;
      const eps = endpointsOf(svc, sp, slices, input.node);
      const svc1 = svcChain(spn, proto);
      const ext = extChain(spn, proto);
      const svl = svlChain(spn, proto);
      const dst = `-d ${svc.clusterIP}/32 ${match}`;
      if (eps.length === 0) {
        filterSvc.push(`-A KUBE-SERVICES ${dst} -m comment --comment ${c(`${spn} has no endpoints`)} -m ${proto} --dport ${sp.port} -j REJECT --reject-with icmp-port-unreachable`);
        if (sp.nodePort !== undefined) filterExt.push(`-A KUBE-EXTERNAL-SERVICES ${match} -m comment --comment ${c(`${spn} has no endpoints`)} -m addrtype --dst-type LOCAL -m ${proto} --dport ${sp.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
        continue;
      }
      natChains.add(svc1);
      svcRules.push(`-A KUBE-SERVICES ${dst} -m comment --comment ${c(`${spn} cluster IP`)} -m ${proto} --dport ${sp.port} -j ${svc1}`);
      if (input.clusterCIDR) add(svc1, `! -s ${input.clusterCIDR} ${dst} -m comment --comment ${c(`${spn} cluster IP`)} -m ${proto} --dport ${sp.port} -j KUBE-MARK-MASQ`);
      const affinity = svc.sessionAffinity === 'ClientIP' ? (svc.affinityTimeout ?? 10800) : undefined;
      ladder(svc1, spn, proto, eps, affinity);
      for (const e of eps) {
        const sep = sepChain(spn, proto, e.addr);
        natChains.add(sep);
        add(sep, `-s ${e.ip}/32 -m comment --comment ${c(spn)} -j KUBE-MARK-MASQ`);
        const stick = affinity !== undefined ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource` : '';
        add(sep, `${match} -m comment --comment ${c(spn)}${stick} -m ${proto} -j DNAT --to-destination ${e.addr}`);
      }
      const lb = svc.type === 'LoadBalancer' ? svc.loadBalancerIP : undefined;
      const externals = svc.externalIPs ?? [];
      if (sp.nodePort === undefined && externals.length === 0 && lb === undefined) continue;
      natChains.add(ext);
      // External IPs and load-balancer IPs enter through KUBE-EXT like NodePorts do.
      for (const ip of externals) svcRules.push(`-A KUBE-SERVICES -d ${ip}/32 ${match} -m comment --comment ${c(`${spn} external IP`)} -m ${proto} --dport ${sp.port} -j ${ext}`);
      if (lb !== undefined) svcRules.push(`-A KUBE-SERVICES -d ${lb}/32 ${match} -m comment --comment ${c(`${spn} loadbalancer IP`)} -m ${proto} --dport ${sp.port} -j ${ext}`);
      if (sp.nodePort !== undefined) nodePortRules.push(`-A KUBE-NODEPORTS ${match} -m comment --comment ${c(spn)} -m ${proto} --dport ${sp.nodePort} -j ${ext}`);
      if (svc.externalTrafficPolicy === 'Cluster') {
        add(ext, `-m comment --comment ${c(`masquerade traffic for ${spn} external destinations`)} -j KUBE-MARK-MASQ`);
        add(ext, `-j ${svc1}`);
        continue;
      }
      // Local: the client's source is kept, so only this node's endpoints may answer.
      if (input.clusterCIDR) add(ext, `-s ${input.clusterCIDR} -m comment --comment ${c(`pod traffic for ${spn} external destinations`)} -j ${svc1}`);
      add(ext, `-m comment --comment ${c(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      add(ext, `-m comment --comment ${c(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svc1}`);
      const local = eps.filter((e) => e.local);
      if (local.length === 0) {
        if (sp.nodePort !== undefined) filterExt.push(`-A KUBE-EXTERNAL-SERVICES ${match} -m comment --comment ${c(`${spn} has no local endpoints`)} -m addrtype --dst-type LOCAL -m ${proto} --dport ${sp.nodePort} -j DROP`);
        for (const ip of [...externals, ...(lb !== undefined ? [lb] : [])]) filterExt.push(`-A KUBE-EXTERNAL-SERVICES -d ${ip}/32 ${match} -m comment --comment ${c(`${spn} has no local endpoints`)} -m ${proto} --dport ${sp.port} -j DROP`);
        continue;
      }
      natChains.add(svl);
      add(ext, `-j ${svl}`);
      ladder(svl, spn, proto, local, affinity);
    }
  }
  const decl = (names: Iterable<string>): string[] => [...names].map((n) => `:${n} - [0:0]`);
  const nat = [
    ...decl(natChains),
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    `-A KUBE-POSTROUTING -m comment --comment ${c('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    ...svcRules,
    `-A KUBE-SERVICES -m comment --comment ${c('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
    ...nodePortRules,
    ...[...chainRules.values()].flat(),
  ];
  const filter = [
    ...decl(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY']),
    ...filterSvc,
    ...filterExt,
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    `-A KUBE-FORWARD -m comment --comment ${c('kubernetes forwarding rules')} -m mark --mark 0x4000/0x4000 -j ACCEPT`,
    `-A KUBE-FORWARD -m comment --comment ${c('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  ];
  return { filter, nat, natChains, jumps: JUMPS };
}

const OWNED = /^KUBE-(SVC|SVL|EXT|FW|SEP)-/;

/**
 * The `iptables-restore --noflush` input of a full sync: both tables, then the stale
 * per-service chains of `existingNat` (flushed by their `:` line, then deleted), as
 * kube-proxy sweeps what `iptables-save -t nat` still shows.
 */
export function restoreText(r: ProxyRules, existingNat: readonly string[]): string {
  const stale = existingNat.filter((n) => OWNED.test(n) && !r.natChains.has(n));
  return [
    '*filter', ...r.filter, 'COMMIT',
    // Chain lines come before any rule, as kube-proxy's chains buffer precedes its rules buffer.
    '*nat', ...r.nat.filter((l) => l.startsWith(':')), ...stale.map((n) => `:${n} - [0:0]`),
    ...r.nat.filter((l) => !l.startsWith(':')), ...stale.map((n) => `-X ${n}`), 'COMMIT', '',
  ].join('\n');
}
