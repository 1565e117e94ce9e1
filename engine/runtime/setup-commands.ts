/**
 * How a topology becomes configured nodes: one list of ordinary Linux commands per node.
 *
 * Every runtime configures a node by running these same commands — the simulator through
 * its node tools, Mininet and containerlab through the real `ip`, `bridge` and `sysctl` in
 * the node's namespace or container. Writing the plan as commands (not as calls into one
 * runtime) keeps runtimes interchangeable and lets a learner read, in the UI or with
 * `podlab up --show-setup`, exactly what was done to each node.
 *
 * The NICs themselves (`eth0`, `eth1`, …) are created by the runtime when it cables a link;
 * the plan starts from cabled, down NICs and a down `lo`, as a fresh namespace with veths has.
 *
 * Pure: no I/O.
 */
import { formatIPv4, formatPrefix4, networkOf } from '../net/ip.ts';
import type { SwitchPort, Topology, TopoNode } from '../model/types.ts';

/** One step of a node's setup: argv, plus why it is there (shown to learners). */
export interface SetupCommand {
  readonly argv: readonly string[];
  readonly why: string;
}

/** The bridge every switch node uses for its ports. */
export const SWITCH_BRIDGE = 'br0';

/** The setup commands of one node, in the order they must run. */
export function setupCommands(topology: Topology, node: TopoNode): SetupCommand[] {
  return node.kind === 'switch' ? switchCommands(topology, node) : hostCommands(node);
}

function cmd(why: string, ...argv: string[]): SetupCommand {
  return { argv, why };
}

/** A switch is a VLAN-filtering Linux bridge with every cabled port enslaved. */
function switchCommands(topology: Topology, node: TopoNode): SetupCommand[] {
  const out: SetupCommand[] = [
    cmd('a switch is a Linux bridge that filters by VLAN', 'ip', 'link', 'add', SWITCH_BRIDGE, 'type', 'bridge', 'vlan_filtering', '1'),
  ];
  const cabled = new Set(cabledIfaces(topology, node.name));
  for (const port of node.ports) {
    if (!cabled.has(port.name)) continue;
    out.push(cmd(`${port.name} becomes a port of the switch`, 'ip', 'link', 'set', port.name, 'master', SWITCH_BRIDGE));
    out.push(...portVlanCommands(port));
    out.push(cmd(`bring ${port.name} up`, 'ip', 'link', 'set', port.name, 'up'));
  }
  out.push(cmd('bring the switch up', 'ip', 'link', 'set', SWITCH_BRIDGE, 'up'));
  return out;
}

function portVlanCommands(port: SwitchPort): SetupCommand[] {
  // Enslaving gives every port the bridge's default PVID 1; replace it with the port's own.
  const out = [cmd(`drop the default VLAN 1 from ${port.name}`, 'bridge', 'vlan', 'del', 'dev', port.name, 'vid', '1')];
  if (port.mode === 'access') {
    out.push(cmd(`${port.name} is an access port of VLAN ${port.vlan}: untagged frames belong to it`, 'bridge', 'vlan', 'add', 'dev', port.name, 'vid', String(port.vlan), 'pvid', 'untagged'));
    return out;
  }
  for (const vid of port.vlans) {
    if (vid === port.native) continue;
    out.push(cmd(`${port.name} is a trunk carrying VLAN ${vid} tagged`, 'bridge', 'vlan', 'add', 'dev', port.name, 'vid', String(vid)));
  }
  if (port.native !== undefined) {
    out.push(cmd(`untagged frames on trunk ${port.name} belong to native VLAN ${port.native}`, 'bridge', 'vlan', 'add', 'dev', port.name, 'vid', String(port.native), 'pvid', 'untagged'));
  }
  return out;
}

/** Routers, hosts and Kubernetes nodes: lo up, addresses, links up, forwarding, static routes. */
function hostCommands(node: TopoNode): SetupCommand[] {
  // A fresh network namespace has lo down: without it no local delivery works (a ping of the
  // node's own address, BIRD or an agent listening on 127.0.0.1).
  const out: SetupCommand[] = [
    cmd('the loopback interface starts down in a new namespace; local traffic needs it up', 'ip', 'link', 'set', 'lo', 'up'),
  ];
  if (node.kind === 'router') {
    out.push(cmd('a router forwards packets between its interfaces', 'sysctl', '-w', 'net.ipv4.ip_forward=1'));
  }
  for (const iface of node.interfaces) {
    if (iface.mtu !== 1500) out.push(cmd(`${iface.name} has MTU ${iface.mtu}`, 'ip', 'link', 'set', iface.name, 'mtu', String(iface.mtu)));
    if (iface.address) {
      const subnet = formatPrefix4(networkOf(iface.address));
      out.push(cmd(`${iface.name} gets ${formatPrefix4(iface.address)} (on-link subnet ${subnet})`, 'ip', 'addr', 'add', formatPrefix4(iface.address), 'dev', iface.name));
    }
    out.push(cmd(`bring ${iface.name} up`, 'ip', 'link', 'set', iface.name, 'up'));
  }
  for (const r of node.routes) {
    const to = r.to.len === 0 ? 'default' : formatPrefix4(r.to);
    out.push(cmd(`packets for ${to} go to the next hop ${formatIPv4(r.via)}`, 'ip', 'route', 'add', to, 'via', formatIPv4(r.via)));
  }
  return out;
}

/** Interfaces of `node` that a link attaches to, in link order. */
export function cabledIfaces(topology: Topology, node: string): string[] {
  const out: string[] = [];
  for (const l of topology.links) for (const e of l.endpoints) if (e.node === node) out.push(e.iface);
  return out;
}
