/**
 * Text forms of desired objects: one line each the way `ip route`, `ip neigh`, `bridge fdb`
 * and `ip addr` print them (for change events), and the argv each one is programmed with.
 */
import type { DesiredAddress, DesiredDevice, DesiredFdb, DesiredNeighbour, DesiredRoute } from './types.ts';

/** rt_protos names iproute2 prints; boot (3) is not printed at all for IPv4 routes. */
const PROTO_NAMES: Readonly<Record<number, string>> = { 2: 'kernel', 4: 'static', 12: 'bird' };

/** `/32` is dropped by `ip route` for host routes. */
function dstText(dst: string): string {
  return dst.endsWith('/32') ? dst.slice(0, -3) : dst;
}

/** A route as `ip route` prints it: `10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink`. */
export function routeText(r: DesiredRoute): string {
  const parts: string[] = [];
  if (r.type === 'blackhole') parts.push('blackhole');
  parts.push(dstText(r.dst));
  if (r.gateway) parts.push('via', r.gateway);
  if (r.dev) parts.push('dev', r.dev);
  if (r.protocol !== 3) parts.push('proto', PROTO_NAMES[r.protocol] ?? String(r.protocol));
  if (r.scope === 'link') parts.push('scope', 'link');
  if (r.onlink) parts.push('onlink');
  return parts.join(' ');
}

/** A stable identity for a route (what `ip route replace` overwrites). */
export function routeKey(r: Pick<DesiredRoute, 'dst'>): string {
  return r.dst;
}

/** `ip route replace …` argv for a route. */
export function routeArgv(r: DesiredRoute): string[] {
  const argv = ['ip', 'route', 'replace'];
  if (r.type === 'blackhole') argv.push('blackhole');
  argv.push(r.dst);
  if (r.gateway) argv.push('via', r.gateway);
  if (r.dev) argv.push('dev', r.dev);
  argv.push('proto', r.protocol === 3 ? 'boot' : String(r.protocol));
  if (r.scope === 'link') argv.push('scope', 'link');
  if (r.onlink) argv.push('onlink');
  return argv;
}

/** A neighbour as `ip neigh` prints it. */
export function neighbourText(n: DesiredNeighbour): string {
  return `${n.ip} dev ${n.dev} lladdr ${n.mac} PERMANENT`;
}

/** `ip neigh replace …` argv. */
export function neighbourArgv(n: DesiredNeighbour): string[] {
  return ['ip', 'neigh', 'replace', n.ip, 'lladdr', n.mac, 'dev', n.dev, 'nud', 'permanent'];
}

/** An FDB entry as `bridge fdb` prints it. */
export function fdbText(f: DesiredFdb): string {
  return `${f.mac} dev ${f.dev} dst ${f.dst} self permanent`;
}

/** `bridge fdb replace …` argv. */
export function fdbArgv(f: DesiredFdb): string[] {
  return ['bridge', 'fdb', 'replace', f.mac, 'dev', f.dev, 'dst', f.dst, 'self', 'permanent'];
}

/** An address as `ip addr` prints its line. */
export function addressText(a: DesiredAddress): string {
  return `inet ${a.cidr} scope global ${a.dev}`;
}

/** A tunnel device as a one-line summary in `ip -d link` words. */
export function deviceText(d: DesiredDevice): string {
  if (d.kind === 'ipip') return `${d.name}: ipip mtu ${d.mtu}`;
  return `${d.name}: vxlan id ${d.vni} local ${d.local} dev ${d.parent} dstport ${d.port}${d.learning ? '' : ' nolearning'} mtu ${d.mtu} link/ether ${d.mac}`;
}

/** argv lists creating and configuring a tunnel device (netlink LinkAdd + LinkSetMTU/Up, as Felix does). */
export function deviceArgv(d: DesiredDevice): string[][] {
  if (d.kind === 'ipip') {
    return [
      ['ip', 'link', 'add', 'name', d.name, 'type', 'ipip'],
      ['ip', 'link', 'set', 'dev', d.name, 'mtu', String(d.mtu), 'up'],
    ];
  }
  return [
    ['ip', 'link', 'add', 'name', d.name, 'address', d.mac, 'mtu', String(d.mtu), 'type', 'vxlan', 'id', String(d.vni),
      'local', d.local, 'dev', d.parent, 'dstport', String(d.port), ...(d.learning ? [] : ['nolearning'])],
    ['ip', 'link', 'set', 'dev', d.name, 'up'],
  ];
}
