/**
 * The Linux driver's core: a pure diff from (desired dataplane, kernel snapshot) to the
 * commands that close the gap, in Felix's apply order, and the changes in the words the
 * simulator driver uses (engine/runtime/sim/dataplane-driver.ts), so events read the same on
 * both runtimes. Nothing to do ⇒ no step and no change.
 *
 * Ownership is read from the kernel, as Felix reads it after a restart (no state file):
 * - devices `tunl0` (ipip) and `vxlan.calico` (vxlan), and the IPv4 addresses on them;
 * - routes with protocol 80 anywhere, and routes of Felix's device protocol (boot) on `cali*`
 *   and tunnel devices; never kernel/bird/static routes, never boot routes on other devices;
 * - permanent neighbours on `vxlan.calico` and `cali*`, permanent FDB entries on `vxlan.calico`;
 * - IP sets `cali40…`, chains `cali-…`, and `cali:`-hashed rules in other chains.
 *
 * Objects that cannot be programmed yet (a workload route whose cali device is missing or
 * down, a sysctl of a device not there) are left out, like the simulator driver does, and
 * appear on a later apply.
 */
import { deviceArgv, deviceText, fdbArgv, fdbText, neighbourArgv, neighbourText, routeArgv, routeText, addressText } from '../../dataplane/render.ts';
import type { DataplaneChange, DesiredDataplane, DesiredDevice, DesiredRoute } from '../../dataplane/types.ts';
import { planIpsets } from './ipset-plan.ts';
import { planTable } from './iptables-plan.ts';
import type { KernelSnapshot, KLink, KRoute } from './kernel-read.ts';

/** One command of a plan. `tolerate` matches stderr of a failure that still means "done". */
export interface PlanStep {
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly tolerate?: RegExp;
}

/** What `apply` will run and report, and what the kernel holds once every step succeeded. */
export interface Plan {
  readonly steps: PlanStep[];
  readonly changes: DataplaneChange[];
  /**
   * The snapshot after the steps (routes, neighbours, FDB, sysctls, sets, rules; links and
   * addresses as they were read, since the driver re-reads them on every apply): the driver's
   * belief, the `kernel` of its next plan until a resync reads the kernel again.
   */
  readonly after: KernelSnapshot;
}

/** Felix's tunnel devices, by name, with the link kind that makes them ours. */
export const OWNED_DEVICES: Readonly<Record<string, string>> = { tunl0: 'ipip', 'vxlan.calico': 'vxlan' };
/** Felix's exclusive route protocol (blackholes, no-encap routes). */
export const RTPROT_FELIX = 80;
/** Felix's default device-route protocol (boot), shared with other software: ours only on our devices. */
export const RTPROT_BOOT = 3;
/** Protocols that are never Felix's, whatever the device (the kernel's, the admin's, BIRD's). */
const FOREIGN_PROTOCOLS = new Set([2, 4, 12]);

/** True for a workload interface (Felix's default InterfacePrefix). */
export const isWorkloadIface = (name: string): boolean => name.startsWith('cali');
/** True for a device whose routes/neighbours Felix manages (workload or tunnel). */
const isOurDev = (name: string | undefined): boolean => name !== undefined && (isWorkloadIface(name) || name in OWNED_DEVICES);

const change = (kind: DataplaneChange['kind'], op: DataplaneChange['op'], object: string): DataplaneChange =>
  ({ kind, op, object, text: `${kind} ${op} ${object}` });

/** True when a kernel route is Felix's to replace or delete. */
export function routeIsOurs(r: KRoute, deviceProtocols: ReadonlySet<number>): boolean {
  if (r.protocol === RTPROT_FELIX) return true;
  if (FOREIGN_PROTOCOLS.has(r.protocol)) return false;
  return (r.protocol === RTPROT_BOOT || deviceProtocols.has(r.protocol)) && isOurDev(r.dev);
}

/** A kernel route in DesiredRoute's shape (for comparison and `ip route` text). */
export function asDesiredRoute(r: KRoute): DesiredRoute {
  return {
    dst: r.dst, type: r.type === 'blackhole' ? 'blackhole' : 'unicast', protocol: r.protocol,
    scope: r.scope === 'link' ? 'link' : 'global', onlink: r.onlink,
    ...(r.dev !== undefined ? { dev: r.dev } : {}), ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
  };
}

function routeMatches(k: KRoute, d: DesiredRoute): boolean {
  return k.dst === d.dst && k.type === d.type && k.dev === d.dev && k.gateway === d.gateway && k.protocol === d.protocol
    && (k.scope === 'link' ? 'link' : 'global') === d.scope && k.onlink === d.onlink;
}

/** True when an existing link can stay as Felix's device (else it is deleted and recreated). */
export function sameDevice(k: KLink, d: DesiredDevice): boolean {
  if (d.kind === 'ipip') return k.kind === 'ipip';
  const v = k.vxlan;
  return k.kind === 'vxlan' && !!v && v.vni === d.vni && v.port === d.port && v.local === d.local && v.parent === d.parent && v.learning === d.learning;
}

/** `ip route del` argv that names the route exactly (type, dev, protocol), so a foreign route of the same prefix survives. */
function routeDelArgv(r: KRoute): string[] {
  const argv = ['ip', 'route', 'del'];
  if (r.type !== 'unicast') argv.push(r.type);
  argv.push(r.dst);
  if (r.gateway) argv.push('via', r.gateway);
  if (r.dev) argv.push('dev', r.dev);
  argv.push('proto', String(r.protocol));
  if (r.metric) argv.push('metric', String(r.metric));
  return argv;
}

/** A per-device sysctl's device (`net.ipv4.conf.caliX.proxy_arp` → caliX), or undefined for global keys. */
function sysctlDevice(key: string): string | undefined {
  const dev = /^net\.ipv4\.(?:conf|neigh)\.([^.]+)\./.exec(key)?.[1];
  return dev === undefined || dev === 'all' || dev === 'default' ? undefined : dev;
}

/** Options of a plan: which sysctls this driver instance has written before (for added vs changed). */
export interface PlanOptions {
  readonly knownSysctls?: ReadonlySet<string>;
}

/** The commands that make `kernel` look like `desired`, touching only what Felix owns. */
export function planDataplane(desired: DesiredDataplane, kernel: KernelSnapshot, opts: PlanOptions = {}): Plan {
  const steps: PlanStep[] = [];
  const changes: DataplaneChange[] = [];
  const links = new Map(kernel.links.map((l) => [l.name, l]));
  /** Devices deleted by this plan: the kernel drops their addresses, routes and neighbours with them. */
  const gone = new Set<string>();
  /** Devices usable once the device steps ran. */
  const usable = new Set(kernel.links.filter((l) => l.up).map((l) => l.name));

  // Devices: recreate on incompatible parameters (vxlanLinksIncompat), fix MTU/MAC, bring up.
  for (const d of desired.devices) {
    let cur = links.get(d.name);
    if (cur && !sameDevice(cur, d)) {
      steps.push({ argv: ['ip', 'link', 'del', 'dev', d.name] });
      changes.push(change('device', 'removed', d.name));
      gone.add(d.name);
      cur = undefined;
    }
    if (!cur) {
      const [add, ...rest] = deviceArgv(d);
      // The ipip module creates a fallback tunl0 when it loads (possibly during this very add).
      steps.push({ argv: add!, ...(d.kind === 'ipip' ? { tolerate: /File exists/ } : {}) });
      if (d.kind === 'ipip') steps.push({ argv: ['ip', 'link', 'set', 'dev', d.name, 'mtu', String(d.mtu), 'up'] });
      else for (const argv of rest) steps.push({ argv });
      changes.push(change('device', 'added', deviceText(d)));
    } else {
      const set: string[] = [];
      if (cur.mtu !== d.mtu) set.push('mtu', String(d.mtu));
      if (d.kind === 'vxlan' && cur.mac !== d.mac) set.push('address', d.mac);
      if (!cur.up) set.push('up');
      if (set.length) steps.push({ argv: ['ip', 'link', 'set', 'dev', d.name, ...set] });
      if (cur.mtu !== d.mtu || (d.kind === 'vxlan' && cur.mac !== d.mac)) changes.push(change('device', 'changed', deviceText(d)));
    }
    usable.add(d.name);
  }
  const wantedDevs = new Set(desired.devices.map((d) => d.name));
  for (const [name, kind] of Object.entries(OWNED_DEVICES)) {
    const cur = links.get(name);
    if (!cur || cur.kind !== kind || wantedDevs.has(name)) continue;
    const addrs = kernel.addresses.some((a) => a.dev === name);
    if (kind === 'ipip' && !cur.up && !addrs) continue; // a kernel's fallback tunl0, already idle
    if (kind === 'ipip') {
      // The fallback tunl0 cannot be deleted: idle it (no address, down) and try.
      steps.push({ argv: ['ip', 'addr', 'flush', 'dev', name] }, { argv: ['ip', 'link', 'set', 'dev', name, 'down'] });
      steps.push({ argv: ['ip', 'link', 'del', 'dev', name], tolerate: /not supported|Cannot find device/i });
    } else {
      steps.push({ argv: ['ip', 'link', 'del', 'dev', name], tolerate: /Cannot find device/ });
    }
    changes.push(change('device', 'removed', name));
    gone.add(name);
    usable.delete(name);
  }
  const live = <T extends { readonly dev?: string }>(xs: readonly T[]): T[] => xs.filter((x) => x.dev === undefined || !gone.has(x.dev));

  // Addresses: exactly the desired ones on Felix's devices.
  const haveAddr = new Set(live(kernel.addresses).map((a) => `${a.dev} ${a.cidr}`));
  const wantAddr = new Set(desired.addresses.map((a) => `${a.dev} ${a.cidr}`));
  for (const a of live(kernel.addresses)) {
    if (!(a.dev in OWNED_DEVICES) || wantAddr.has(`${a.dev} ${a.cidr}`)) continue;
    steps.push({ argv: ['ip', 'addr', 'del', a.cidr, 'dev', a.dev] });
    changes.push(change('address', 'removed', addressText(a)));
  }
  for (const a of desired.addresses) {
    if (haveAddr.has(`${a.dev} ${a.cidr}`) || !(links.has(a.dev) || wantedDevs.has(a.dev))) continue;
    steps.push({ argv: ['ip', 'addr', 'replace', a.cidr, 'dev', a.dev] });
    changes.push(change('address', 'added', addressText(a)));
  }

  // Sysctls: only those that differ; a device's keys wait for the device.
  const sysctlsAfter: Record<string, string> = { ...kernel.sysctls };
  for (const s of desired.sysctls) {
    const cur = kernel.sysctls[s.key];
    const dev = sysctlDevice(s.key);
    if (cur === s.value || cur === undefined || (dev !== undefined && !links.has(dev))) continue;
    steps.push({ argv: ['sysctl', '-w', `${s.key}=${s.value}`] });
    sysctlsAfter[s.key] = s.value;
    changes.push(change('sysctl', opts.knownSysctls?.has(s.key) ? 'changed' : 'added', `${s.key} = ${s.value}`));
  }

  // Neighbours and FDB (VTEPs before the routes that use them).
  const neigh = live(kernel.neighbours).filter((n) => n.permanent && isOurDev(n.dev));
  // `replace` keys a neighbour by (device, address) and an FDB entry by (device, MAC).
  const neighAfter = new Map(live(kernel.neighbours).map((n) => [`${n.dev} ${n.ip}`, n]));
  // Indexed: with VXLAN every other node is a VTEP, so a node holds one neighbour and one FDB entry per node.
  const haveNeigh = new Set(neigh.map((k) => `${k.dev} ${k.ip} ${k.mac}`));
  for (const n of desired.neighbours) {
    if (!usable.has(n.dev) || haveNeigh.has(`${n.dev} ${n.ip} ${n.mac}`)) continue;
    steps.push({ argv: neighbourArgv(n) });
    changes.push(change('neighbour', 'added', neighbourText(n)));
    neighAfter.set(`${n.dev} ${n.ip}`, { dev: n.dev, ip: n.ip, mac: n.mac, permanent: true });
  }
  const fdb = live(kernel.fdb).filter((f) => f.permanent && f.dst !== undefined && f.dev in OWNED_DEVICES);
  const fdbAfter = new Map(live(kernel.fdb).map((f) => [`${f.dev} ${f.mac}`, f]));
  const haveFdb = new Set(fdb.map((k) => `${k.dev} ${k.mac} ${k.dst}`));
  for (const f of desired.fdb) {
    if (!usable.has(f.dev) || haveFdb.has(`${f.dev} ${f.mac} ${f.dst}`)) continue;
    steps.push({ argv: fdbArgv(f) });
    changes.push(change('fdb', 'added', fdbText(f)));
    fdbAfter.set(`${f.dev} ${f.mac}`, { dev: f.dev, mac: f.mac, dst: f.dst, permanent: true });
  }

  // Routes: stale ones of ours out, then `replace` for missing or different ones.
  const deviceProtocols = new Set(desired.routes.filter((r) => r.dev !== undefined).map((r) => r.protocol));
  const routes = live(kernel.routes);
  // A desired route either already matches, is written now, or waits for its device.
  const settled = new Set<string>();
  const writes: { r: DesiredRoute; changed: boolean }[] = [];
  // The kernel's metric-0 routes by prefix (one lookup per desired route, not a scan of the table).
  const atMetric0 = new Map<string, KRoute[]>();
  for (const k of routes) {
    if (k.metric !== 0) continue;
    const xs = atMetric0.get(k.dst);
    if (xs) xs.push(k);
    else atMetric0.set(k.dst, [k]);
  }
  for (const r of desired.routes) {
    const same = atMetric0.get(r.dst) ?? [];
    if (same.some((k) => routeMatches(k, r))) settled.add(r.dst);
    else if (r.dev === undefined || usable.has(r.dev)) {
      settled.add(r.dst);
      writes.push({ r, changed: same.length > 0 });
    }
  }
  const removed = new Set<KRoute>();
  for (const r of routes) {
    // A settled prefix at metric 0 is overwritten in place by `replace` (or already right).
    if (!routeIsOurs(r, deviceProtocols) || (settled.has(r.dst) && r.metric === 0)) continue;
    // A workload's route may already be gone with its device (the CNI plugin deleted the veth).
    steps.push({ argv: routeDelArgv(r), tolerate: /No such process|Cannot find device/ });
    changes.push(change('route', 'removed', routeText(asDesiredRoute(r))));
    removed.add(r);
  }
  // `replace` takes the kernel's one route of that prefix at metric 0, whoever's it was.
  const replaced = new Set(writes.map((w) => w.r.dst));
  const routesAfter: KRoute[] = routes.filter((r) => !removed.has(r) && !(r.metric === 0 && replaced.has(r.dst)));
  for (const { r, changed } of writes) {
    steps.push({ argv: routeArgv(r) });
    changes.push(change('route', changed ? 'changed' : 'added', routeText(r)));
    routesAfter.push({ ...r, metric: 0 });
  }

  // Stale neighbours and FDB entries after the routes that used them.
  const wantNeigh = new Set(desired.neighbours.map((n) => `${n.dev} ${n.ip}`));
  for (const n of neigh) {
    if (wantNeigh.has(`${n.dev} ${n.ip}`)) continue;
    steps.push({ argv: ['ip', 'neigh', 'del', n.ip, 'dev', n.dev], tolerate: /No such file|Cannot find device/ });
    changes.push(change('neighbour', 'removed', neighbourText({ dev: n.dev, ip: n.ip, mac: n.mac ?? '' })));
    neighAfter.delete(`${n.dev} ${n.ip}`);
  }
  const wantFdb = new Set(desired.fdb.map((f) => `${f.dev} ${f.mac}`));
  for (const f of fdb) {
    if (wantFdb.has(`${f.dev} ${f.mac}`)) continue;
    steps.push({ argv: ['bridge', 'fdb', 'del', f.mac, 'dev', f.dev, 'dst', f.dst!, 'self'], tolerate: /No such file|Cannot find device/ });
    changes.push(change('fdb', 'removed', fdbText({ dev: f.dev, mac: f.mac, dst: f.dst! })));
    fdbAfter.delete(`${f.dev} ${f.mac}`);
  }

  // Sets before the rules that use them, rules, then the sets nothing references any more.
  const sets = planIpsets(desired.ipsets, kernel.ipsets);
  if (sets.update) steps.push({ argv: ['ipset', 'restore', '-exist'], stdin: sets.update });
  changes.push(...sets.changes);
  const filter = planTable('filter', desired.iptables.filter, kernel.iptables.filter);
  const nat = planTable('nat', desired.iptables.nat, kernel.iptables.nat);
  if (filter.text || nat.text) steps.push({ argv: ['iptables-restore', '--noflush', '--wait'], stdin: filter.text + nat.text });
  changes.push(...filter.changes, ...nat.changes);
  if (sets.destroy) steps.push({ argv: ['ipset', 'restore', '-exist'], stdin: sets.destroy });
  changes.push(...sets.destroyChanges);

  const after: KernelSnapshot = {
    links: kernel.links, addresses: kernel.addresses, routes: routesAfter, neighbours: [...neighAfter.values()], fdb: [...fdbAfter.values()],
    sysctls: sysctlsAfter, ipsets: sets.after, iptables: { filter: filter.after, nat: nat.after },
  };
  return { steps, changes, after };
}

/** True for a command that only reads (what a no-op apply may run). */
export function isReadOnly(argv: readonly string[]): boolean {
  const [p, a, b] = argv;
  if (p === 'ip' || p === 'bridge') return a === '-j' && ['link', 'addr', 'route', 'neigh', 'fdb', '-d'].includes(b ?? '');
  if (p === 'sysctl') return a === '-e' || a === '-n';
  if (p === 'ipset') return a === 'save' || a === 'list';
  return p === 'iptables-save';
}
