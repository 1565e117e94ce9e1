/**
 * What the running kernel can do for a real lab, and what a given lab needs from it.
 *
 * Probing beats reading /proc/config.gz or /proc/modules: a module may be loadable on demand,
 * built in, or absent with no trace, and the only reliable answer is to create the device.
 * Each probe runs in a scratch network namespace so it can never disturb the host, and the
 * namespace is deleted whatever happens.
 *
 * `topologyNeeds` is pure: which kernel features a topology and its Calico resources use,
 * so the engine can refuse a lab up front with "modprobe ipip" rather than fail mid-deploy.
 */
import type { CalicoManifest, Topology } from '../../model/types.ts';
import { localExec, type Exec } from './exec.ts';

/** A kernel feature a lab may need. */
export type KernelFeature = 'ipip' | 'vxlan' | '8021q' | 'vlanFiltering' | 'netem';

/** The module (or package) that provides each feature, for messages users can act on. */
const MODULE: Record<KernelFeature, string> = {
  ipip: 'ipip',
  vxlan: 'vxlan',
  '8021q': '8021q',
  vlanFiltering: 'bridge (CONFIG_BRIDGE_VLAN_FILTERING)',
  netem: 'sch_netem',
};

/** What the kernel offers. */
export interface KernelCapabilities {
  readonly root: boolean;
  readonly ipip: boolean;
  readonly vxlan: boolean;
  readonly vlan8021q: boolean;
  readonly vlanFiltering: boolean;
  /** tc netem (link delay and loss); without it loss can still be done with nftables. */
  readonly netem: boolean;
  /** nftables netdev egress hook (the loss fallback when netem is absent). */
  readonly nftEgress: boolean;
  /** One message per needed feature this kernel lacks, naming the module to load. */
  missing(...needs: readonly KernelFeature[]): string[];
}

function has(c: Omit<KernelCapabilities, 'missing'>, f: KernelFeature): boolean {
  return f === '8021q' ? c.vlan8021q : c[f];
}

/** The message for a missing feature: what, and the command that adds it. */
export function missingMessage(f: KernelFeature): string {
  const what: Record<KernelFeature, string> = {
    ipip: 'IP-in-IP tunnels (Calico ipipMode)',
    vxlan: 'VXLAN tunnels (Calico vxlanMode)',
    '8021q': '802.1Q VLAN devices',
    vlanFiltering: 'bridge VLAN filtering',
    netem: 'link delay/loss with tc netem',
  };
  const mod = MODULE[f];
  const fix = f === 'vlanFiltering' ? 'a kernel built with CONFIG_BRIDGE_VLAN_FILTERING' : `modprobe ${mod}`;
  return `this kernel has no ${what[f]}: needs ${fix}`;
}

/** Probes the kernel in a scratch namespace (needs root; without it every probe is false). */
export async function detectKernel(exec: Exec = localExec): Promise<KernelCapabilities> {
  const root = process.getuid?.() === 0;
  const base = { root, ipip: false, vxlan: false, vlan8021q: false, vlanFiltering: false, netem: false, nftEgress: false };
  if (root) {
    const ns = `podlab-caps-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    const inNs = (argv: string[]) => exec(['ip', '-n', ns, ...argv]);
    const ok = async (p: Promise<{ code: number }>) => (await p).code === 0;
    if (await ok(exec(['ip', 'netns', 'add', ns]))) {
      try {
        await inNs(['link', 'add', 'name', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
        base.ipip = await ok(inNs(['link', 'add', 'name', 'pipip', 'type', 'ipip', 'remote', '192.0.2.1']));
        base.vxlan = await ok(inNs(['link', 'add', 'name', 'pvx', 'type', 'vxlan', 'id', '4096', 'dstport', '4789', 'dev', 'probe0']));
        base.vlan8021q = await ok(inNs(['link', 'add', 'link', 'probe0', 'name', 'pvlan', 'type', 'vlan', 'id', '10']));
        base.vlanFiltering = await ok(inNs(['link', 'add', 'name', 'pbr', 'type', 'bridge', 'vlan_filtering', '1']))
          && (await inNs(['-d', 'link', 'show', 'pbr'])).stdout.includes('vlan_filtering 1');
        base.netem = await ok(exec(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'probe0', 'root', 'netem', 'delay', '1ms']));
        base.nftEgress = await ok(exec(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], {
          stdin: 'add table netdev probe\nadd chain netdev probe e { type filter hook egress device "probe1" priority 0; }\n',
        }));
      } finally {
        await exec(['ip', 'netns', 'del', ns]);
      }
    }
  }
  return {
    ...base,
    missing: (...needs) => [...new Set(needs)].filter((f) => !has(base, f)).map(missingMessage),
  };
}

/** Which kernel features a lab needs, each with why. */
export interface LabNeeds {
  readonly features: readonly KernelFeature[];
  readonly why: Readonly<Partial<Record<KernelFeature, string>>>;
}

/**
 * The features a topology and its Calico manifests need: IPPool ipipMode Always/CrossSubnet
 * → ipip, vxlanMode Always/CrossSubnet → vxlan, trunk ports → 8021q unless the runtime
 * realises VLANs as per-VLAN bridges (`perVlanBridges`, what the Mininet runtime does
 * without vlan_filtering), link latency/loss → netem.
 */
export function topologyNeeds(topology: Topology, calico: readonly CalicoManifest[] = topology.calico, opts: { perVlanBridges?: boolean } = {}): LabNeeds {
  const why: Partial<Record<KernelFeature, string>> = {};
  for (const m of calico) {
    if (m.kind !== 'IPPool') continue;
    const spec = (m.manifest.spec ?? {}) as Record<string, unknown>;
    const name = m.name ?? '(unnamed)';
    const ipip = spec.ipipMode;
    const vxlan = spec.vxlanMode;
    if (ipip === 'Always' || ipip === 'CrossSubnet') why.ipip ??= `IPPool ${name} has ipipMode ${ipip}`;
    if (vxlan === 'Always' || vxlan === 'CrossSubnet') why.vxlan ??= `IPPool ${name} has vxlanMode ${vxlan}`;
  }
  if (!opts.perVlanBridges) {
    for (const n of topology.nodes) {
      const trunk = n.ports.find((p) => p.mode === 'trunk');
      if (trunk) {
        why['8021q'] ??= `switch ${n.name} has trunk port ${trunk.name}`;
        break;
      }
    }
  }
  const impaired = topology.links.find((l) => l.latencyMs > 0 || l.lossPercent > 0);
  if (impaired) why.netem = `link ${impaired.endpoints.map((e) => `${e.node}:${e.iface}`).join(' <-> ')} has latency or loss`;
  const order: KernelFeature[] = ['ipip', 'vxlan', '8021q', 'vlanFiltering', 'netem'];
  return { features: order.filter((f) => why[f] !== undefined), why };
}
