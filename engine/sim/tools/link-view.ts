/**
 * How iproute2 shows a network device: the header line of `ip link` / `ip addr`, the
 * `link/ether` line, flags, operational state, and the brief (-br) form.
 *
 * The rules below are the kernel's, not iproute2's guesses: IFF_RUNNING/LOWER_UP come from
 * dev_get_flags() (reported only while the device is up), the operational state from
 * rfc2863_policy()/default_operstate() (including its quirk of looking the veth peer's
 * ifindex up in the device's own namespace), M-DOWN from iproute2 comparing with the peer in
 * the same namespace. Measured against iproute2 6.1 on Debian 12.
 */
import type { KernelState, NetDevice } from '../types.ts';
import { formatIPv4 } from '../../net/ip.ts';

/** Operational state as `ip link` prints it after "state". */
export type OperState = 'UP' | 'DOWN' | 'UNKNOWN' | 'LOWERLAYERDOWN';

/** Kinds whose driver never reports an operational state (IF_OPER_UNKNOWN while up). */
function operUnknownKind(d: NetDevice): boolean {
  return d.kind === 'loopback' || d.kind === 'vxlan' || d.kind === 'dummy' || d.kind === 'ipip';
}

/** The operational state the kernel reports (IFLA_OPERSTATE). */
export function operState(d: NetDevice, s: KernelState): OperState {
  if (!d.adminUp) return 'DOWN';
  if (operUnknownKind(d)) return 'UNKNOWN';
  if (d.carrier) return 'UP';
  // default_operstate(): the peer is looked up by ifindex in this device's own namespace,
  // so a cross-namespace veth peer that happens to share our ifindex reads as ourselves.
  const iflink = d.kind === 'veth' && d.peerIfindex !== undefined ? d.peerIfindex : d.ifindex;
  if (iflink === d.ifindex) return 'DOWN';
  const peer = s.devices.get(iflink);
  if (!peer) return 'DOWN';
  return peer.carrier && peer.adminUp ? 'DOWN' : 'LOWERLAYERDOWN';
}

/** True when the device is up and its carrier is on (IFF_LOWER_UP as reported). */
export function lowerUp(d: NetDevice): boolean {
  return d.adminUp && (d.carrier || operUnknownKind(d));
}

/** The veth peer when it lives in the same namespace. */
function localPeer(d: NetDevice, s: KernelState): NetDevice | undefined {
  if (d.kind !== 'veth' || d.peerIfindex === undefined || d.peerNode !== undefined) return undefined;
  return s.devices.get(d.peerIfindex);
}

/** The flags between angle brackets, e.g. "NO-CARRIER,BROADCAST,MULTICAST,UP". */
export function linkFlags(d: NetDevice, s: KernelState): string {
  const f: string[] = [];
  const running = lowerUp(d);
  if (d.adminUp && !running) f.push('NO-CARRIER');
  if (d.kind === 'loopback') f.push('LOOPBACK');
  else if (d.kind === 'ipip') {
    if (d.ipip?.remote !== undefined && d.ipip.remote !== 0) f.push('POINTOPOINT');
  } else f.push('BROADCAST');
  if (d.kind !== 'loopback' && d.kind !== 'ipip') f.push('MULTICAST');
  if (d.noArp || d.kind === 'ipip') f.push('NOARP');
  if (d.adminUp) f.push('UP');
  if (running) f.push('LOWER_UP');
  const peer = localPeer(d, s);
  if (peer && !peer.adminUp) f.push('M-DOWN');
  return f.join(',');
}

/** The name as shown: "eth0@if7" (peer elsewhere), "veth1@veth2" (peer here), "tunl0@NONE". */
export function displayName(d: NetDevice, s: KernelState): string {
  if (d.kind === 'ipip') return `${d.name}@NONE`;
  if (d.kind !== 'veth' || d.peerIfindex === undefined) return d.name;
  if (d.peerNode !== undefined) return `${d.name}@if${d.peerIfindex}`;
  const peer = s.devices.get(d.peerIfindex);
  return peer ? `${d.name}@${peer.name}` : `${d.name}@if${d.peerIfindex}`;
}

/** The qdisc name: none attached before the first `up`, noqueue for these virtual drivers after. */
export function qdisc(d: NetDevice): string {
  return d.adminUp || d.everUp ? 'noqueue' : 'noop';
}

/** The header line ("2: eth0@if2: <...> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000"). */
export function linkHeader(d: NetDevice, s: KernelState, withMode: boolean): string {
  let line = `${d.ifindex}: ${displayName(d, s)}: <${linkFlags(d, s)}> mtu ${d.mtu} qdisc ${qdisc(d)}`;
  if (d.master !== undefined) {
    const m = s.devices.get(d.master);
    if (m) line += ` master ${m.name}`;
  }
  line += ` state ${operState(d, s)}`;
  if (withMode) line += ' mode DEFAULT';
  line += ' group default';
  if (d.txqlen > 0) line += ` qlen ${d.txqlen}`;
  return line;
}

/**
 * What print_linkinfo() appends for a link into another namespace (IFLA_LINK_NETNSID):
 * " link-netns NAME" when iproute2 finds the namespace's name under /var/run/netns, else
 * " link-netnsid N" with this namespace's id for it; "" for links within the namespace.
 */
export function linkNetnsTail(d: NetDevice, s: KernelState): string {
  if (d.kind !== 'veth' || d.peerNode === undefined) return '';
  const ns = s.linkNetns(d.peerNode);
  return ns.name !== undefined ? ` link-netns ${ns.name}` : ` link-netnsid ${ns.nsid}`;
}

/** The link-layer line without indentation ("link/ether 02:.. brd ff:.. link-netnsid 0"). */
export function linkLayer(d: NetDevice, s: KernelState): string {
  if (d.kind === 'loopback') return `link/loopback ${d.mac} brd 00:00:00:00:00:00`;
  if (d.kind === 'ipip') {
    const local = formatIPv4(d.ipip?.local ?? 0);
    const remote = d.ipip?.remote ?? 0;
    return remote !== 0 ? `link/ipip ${local} peer ${formatIPv4(remote)}` : `link/ipip ${local} brd 0.0.0.0`;
  }
  return `link/ether ${d.mac} brd ff:ff:ff:ff:ff:ff${linkNetnsTail(d, s)}`;
}

/** Pads like printf("%-Ns ") — at least one space after the text. */
export function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : `${text}${' '.repeat(width - text.length)} `;
}

/** The brief (-br) prefix: name padded to 16, state padded to 14. */
export function briefPrefix(d: NetDevice, s: KernelState): string {
  return pad(displayName(d, s), 16) + pad(operState(d, s), 14);
}

/** Devices in ifindex order, optionally just one by name. */
export function devicesInOrder(s: KernelState): NetDevice[] {
  return [...s.devices.values()].sort((a, b) => a.ifindex - b.ifindex);
}

/** Finds a device by name. */
export function deviceByName(s: KernelState, name: string): NetDevice | undefined {
  for (const d of s.devices.values()) if (d.name === name) return d;
  return undefined;
}

/** The two statistics blocks of `ip -s link` (iproute2 6.1 column layout). */
export function statsLines(d: NetDevice): string[] {
  const cols = (v: (number | string)[], w: number[]): string => v.map((x, i) => String(x).padStart(w[i]!)).join(' ');
  const st = d.stats;
  const w = [10, 7, 6, 7, 7, 7];
  // Column widths grow with the numbers, as print_num's width does for big counters.
  const fit = (vals: number[]): number[] => vals.map((v, i) => Math.max(w[i]!, String(v).length));
  const rx = [st.rxBytes, st.rxPackets, 0, st.rxDropped, 0, 0];
  const tx = [st.txBytes, st.txPackets, 0, st.txDropped, 0, 0];
  const rw = fit(rx);
  const tw = fit(tx);
  const head = (label: string, names: string[], ws: number[]): string =>
    `    ${label}:${names[0]!.padStart(ws[0]! - 3)} ${cols(names.slice(1), ws.slice(1))}           `;
  return [
    head('RX', ['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast'], rw),
    `    ${cols(rx, rw)} `,
    head('TX', ['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns'], tw),
    `    ${cols(tx, tw)} `,
  ];
}
