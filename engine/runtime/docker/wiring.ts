/**
 * How a Mininet-style realisation (mininet/plan.ts: root-namespace bridges per switch VLAN,
 * wire bridges for host-to-host cables, one veth per cable end) is built around Docker
 * containers — pure: the ordered kernel operations, run by the Docker lab.
 *
 * The veths follow containerlab's `LinkVEth.Deploy`: the pair is made in the root
 * namespace, the container's end under a temporary name (containerlab uses a random
 * `clab-xxxxxxxx`; podlab uses `<id>p<link>h<k>`, which carries the lab id so a SIGKILL
 * between `add` and `move` leaves a name `podlab destroy --all` recognises), moved into the
 * container's network namespace by pid, then renamed there to the topology's interface name.
 * The container end stays down: the node's setup commands bring it up, as they do under
 * Mininet. Root ends get the cable's MTU and an alias naming the cable, join their bridge
 * and come up.
 */
import { checkIfName } from '../labs.ts';
import { isRootEnd, type MininetPlan, type PlannedVeth, type VethEnd } from '../mininet/plan.ts';

/** One kernel operation of the wiring. */
export type WiringStep =
  /** argv run in the root namespace. */
  | { readonly op: 'root'; readonly argv: readonly string[] }
  /** Moves a root-namespace device into the node's network namespace. */
  | { readonly op: 'move'; readonly ifname: string; readonly node: string }
  /** argv run inside the node's network namespace. */
  | { readonly op: 'node'; readonly node: string; readonly argv: readonly string[] }
  /** Turns IPv6 off on a root-namespace device (no router solicitations or MLD from the fabric's own ports). */
  | { readonly op: 'quiet-ipv6'; readonly ifname: string };

/** The wiring of a plan: its steps, and the temporary root names to record before they exist. */
export interface Wiring {
  readonly steps: readonly WiringStep[];
  readonly tempNames: readonly string[];
}

/** The temporary root-namespace name of the container end `k` (0, 1) of link `link`. */
export function tempName(id: string, link: number, k: number): string {
  return checkIfName(`${id}p${link}h${k}`);
}

/** Plans every bridge and veth of `plan` for lab `lab` (the alias prefix). */
export function planWiring(plan: MininetPlan, lab: string): Wiring {
  const steps: WiringStep[] = [];
  const tempNames: string[] = [];
  for (const b of plan.bridges) {
    steps.push({ op: 'root', argv: ['ip', 'link', 'add', 'name', b.name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0', ...(b.vlanFiltering ? ['vlan_filtering', '1'] : [])] });
    steps.push({ op: 'quiet-ipv6', ifname: b.name });
  }
  const perLink = new Map<number, number>();
  for (const v of plan.links.flatMap((l) => l.veths)) {
    const k = perLink.get(v.link) ?? 0;
    perLink.set(v.link, k + 1);
    const name = (e: VethEnd, side: number): string => (isRootEnd(e) ? e.ifname : tempName(plan.id, v.link, k * 2 + side));
    const a = name(v.a, 0);
    const b = name(v.b, 1);
    for (const [e, n] of [[v.a, a], [v.b, b]] as const) if (!isRootEnd(e)) tempNames.push(n);
    steps.push({ op: 'root', argv: ['ip', 'link', 'add', 'name', a, 'type', 'veth', 'peer', 'name', b] });
    for (const [e, n] of [[v.a, a], [v.b, b]] as const) steps.push(...endSteps(e, n, v, lab));
  }
  for (const b of plan.bridges) steps.push({ op: 'root', argv: ['ip', 'link', 'set', 'dev', b.name, 'up'] });
  return { steps, tempNames };
}

function endSteps(e: VethEnd, made: string, v: PlannedVeth, lab: string): WiringStep[] {
  if (!isRootEnd(e)) {
    return [
      { op: 'move', ifname: made, node: e.host },
      { op: 'node', node: e.host, argv: ['ip', 'link', 'set', 'dev', made, 'name', checkIfName(e.ifname)] },
    ];
  }
  const out: WiringStep[] = [
    { op: 'root', argv: ['ip', 'link', 'set', 'dev', made, 'mtu', String(v.mtu)] },
    { op: 'root', argv: ['ip', 'link', 'set', 'dev', made, 'alias', `podlab ${lab}: ${v.alias}`.slice(0, 250)] },
    { op: 'quiet-ipv6', ifname: made },
    { op: 'root', argv: ['ip', 'link', 'set', 'dev', made, 'master', e.bridge] },
  ];
  if (e.vlans) {
    // Enslaving gives the port the bridge's default PVID 1; replace it with the port's own VLANs.
    out.push({ op: 'root', argv: ['bridge', 'vlan', 'del', 'dev', made, 'vid', '1'] });
    for (const vid of e.vlans.tagged) out.push({ op: 'root', argv: ['bridge', 'vlan', 'add', 'dev', made, 'vid', String(vid)] });
    if (e.vlans.pvid !== undefined) out.push({ op: 'root', argv: ['bridge', 'vlan', 'add', 'dev', made, 'vid', String(e.vlans.pvid), 'pvid', 'untagged'] });
  }
  out.push({ op: 'root', argv: ['ip', 'link', 'set', 'dev', made, 'up'] });
  return out;
}

/** Where an impairment command runs and what it is: tc netem, or (loss only) an nftables netdev egress chain. */
export interface ImpairCommand {
  readonly argv: readonly string[];
  readonly stdin?: string;
  /** Failure is expected and harmless (deleting what is absent). */
  readonly mayFail?: boolean;
}

/** The commands setting delay/loss on one cable end (run where the end lives). */
export function impairCommands(end: VethEnd, id: string, delayMs: number, lossPct: number, via: 'netem' | 'nft'): ImpairCommand[] {
  const dev = checkIfName(end.ifname);
  if (via === 'netem') {
    if (delayMs <= 0 && lossPct <= 0) return [{ argv: ['tc', 'qdisc', 'del', 'dev', dev, 'root'], mayFail: true }];
    return [{ argv: ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'handle', '10:', 'netem', ...(delayMs > 0 ? ['delay', `${delayMs}ms`] : []), ...(lossPct > 0 ? ['loss', `${lossPct}%`] : [])] }];
  }
  if (delayMs > 0) throw new Error(`cannot delay ${dev}: this kernel has no netem qdisc (modprobe sch_netem)`);
  // Inside a container the table is the node's own; in the root namespace it carries the lab id (labs.ts removes podlab_<id>).
  const table = isRootEnd(end) ? `podlab_${id}` : 'podlab';
  const chain = `loss_${dev.replace(/[^A-Za-z0-9_]/g, '_')}`;
  if (lossPct <= 0) return [{ argv: ['nft', 'delete', 'chain', 'netdev', table, chain], mayFail: true }];
  const script = [
    `add table netdev ${table}`,
    `add chain netdev ${table} ${chain} { type filter hook egress device "${dev}" priority 0; }`,
    `flush chain netdev ${table} ${chain}`,
    `add rule netdev ${table} ${chain} numgen random mod 10000 < ${Math.round(lossPct * 100)} counter drop comment "podlab: link loss ${lossPct}%"`,
    '',
  ].join('\n');
  return [{ argv: ['nft', '-f', '-'], stdin: script }];
}
