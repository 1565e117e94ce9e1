/**
 * net.ipv4 sysctls of one namespace: defaults of a fresh Linux netns and `sysctl -w`.
 *
 * Values follow a new network namespace on a 6.x kernel (measured with `ip netns add` +
 * `sysctl`): ip_forward 0, rp_filter 0 everywhere, proxy_arp 0, route_localnet 0. Writing
 * net.ipv4.ip_forward mirrors devinet's inet_forward_change(): it sets all.forwarding,
 * default.forwarding and every device's forwarding, and all.forwarding does the same.
 */
import type { DeviceSysctls, NetDevice, Sysctls } from './types.ts';
import { KernelError } from './types.ts';

/** The per-device defaults of a fresh namespace. */
export function defaultDeviceSysctls(): DeviceSysctls {
  return { forwarding: false, proxyArp: false, rpFilter: 0, routeLocalnet: false };
}

/** Sysctls of a fresh namespace (no devices yet). */
export function freshSysctls(): Sysctls {
  return { ipForward: false, all: defaultDeviceSysctls(), default: defaultDeviceSysctls(), conf: new Map() };
}

/** The effective value the packet path uses: the kernel ORs `all` with the device (IN_DEV_* macros). */
export function effective(s: Sysctls, ifindex: number): {
  forwarding: boolean; proxyArp: boolean; rpFilter: number; routeLocalnet: boolean; sendRedirects: boolean; acceptRedirects: boolean;
} {
  const d = s.conf.get(ifindex) ?? s.default;
  const fwd = d.forwarding; // IN_DEV_FORWARD reads the device value only
  const ra = redirectsOf(s, 'all');
  const rd = redirectsOf(s, ifindex);
  const allAccept = ra.acceptRedirects ?? true;
  const devAccept = rd.acceptRedirects ?? true;
  return {
    forwarding: fwd,
    proxyArp: s.all.proxyArp || d.proxyArp,
    rpFilter: Math.max(s.all.rpFilter, d.rpFilter), // IN_DEV_RPFILTER: max(all, dev)
    routeLocalnet: s.all.routeLocalnet || d.routeLocalnet,
    sendRedirects: (ra.sendRedirects ?? true) || (rd.sendRedirects ?? true), // IN_DEV_TX_REDIRECTS: OR
    acceptRedirects: fwd ? allAccept && devAccept : allAccept || devAccept, // IN_DEV_RX_REDIRECTS
  };
}

/**
 * send_redirects / accept_redirects live beside the shared DeviceSysctls (which tools print
 * field by field) in a side table; absent means the kernel default, 1.
 */
interface RedirectConf { sendRedirects?: boolean; acceptRedirects?: boolean }
const redirectConf = new WeakMap<Sysctls, Map<string | number, RedirectConf>>();

function redirectsOf(s: Sysctls, where: string | number): RedirectConf {
  let m = redirectConf.get(s);
  if (!m) redirectConf.set(s, (m = new Map()));
  let c = m.get(where);
  if (!c) m.set(where, (c = where === 'all' || where === 'default' ? {} : { ...m.get('default') }));
  return c;
}

function invalid(key: string): KernelError {
  return new KernelError(`sysctl: setting key "${key}": Invalid argument`);
}

function noSuchKey(key: string): KernelError {
  return new KernelError(`sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory`);
}

function parseBool(key: string, value: string): boolean {
  const n = Number(value.trim());
  if (!Number.isInteger(n)) throw invalid(key);
  return n !== 0;
}

const CONF = 'net.ipv4.conf.';

/**
 * The per-device keys this namespace models, by suffix: a write (Felix and the CNI plugin write
 * several per pod interface) names its field and device without a regex, substrings or a
 * property lookup by a fresh string.
 */
const SUFFIXES: readonly { readonly suffix: string; readonly field?: keyof DeviceSysctls; readonly rfield?: keyof RedirectConf }[] = [
  { suffix: '.forwarding', field: 'forwarding' },
  { suffix: '.proxy_arp', field: 'proxyArp' },
  { suffix: '.rp_filter', field: 'rpFilter' },
  { suffix: '.route_localnet', field: 'routeLocalnet' },
  { suffix: '.send_redirects', rfield: 'sendRedirects' },
  { suffix: '.accept_redirects', rfield: 'acceptRedirects' },
];

/** The device last found by name, and its namespace's device map: writes come a few per device in a row. */
let lastDevices: ReadonlyMap<number, NetDevice> | undefined;
let lastDevice: NetDevice | undefined;

/** The device named by `k` between `from` and `to`, if any. */
function deviceNamed(devices: ReadonlyMap<number, NetDevice>, k: string, from: number, to: number): NetDevice | undefined {
  const len = to - from;
  const last = lastDevice;
  if (lastDevices === devices && last !== undefined && last.name.length === len && k.startsWith(last.name, from) && devices.get(last.ifindex) === last) return last;
  for (const d of devices.values()) {
    if (d.name.length === len && k.startsWith(d.name, from)) {
      lastDevices = devices;
      lastDevice = d;
      return d;
    }
  }
  return undefined;
}

/** True when `k` holds exactly `word` between `from` and `to`. */
function isAt(k: string, word: string, from: number, to: number): boolean {
  return to - from === word.length && k.startsWith(word, from);
}

/** Applies `sysctl -w key=value`; throws KernelError with sysctl(8)'s message. */
export function writeSysctl(s: Sysctls, devices: ReadonlyMap<number, NetDevice>, key: string, value: string): void {
  const k = key.includes('/') ? key.replace(/\//g, '.') : key;
  if (k === 'net.ipv4.ip_forward') {
    setForwarding(s, parseBool(k, value));
    return;
  }
  // net.ipv4.conf.<device|all|default>.<name>, the device name without dots.
  if (!k.startsWith(CONF)) throw noSuchKey(k);
  const end = k.indexOf('.', CONF.length);
  if (end <= CONF.length) throw noSuchKey(k);
  let known: (typeof SUFFIXES)[number] | undefined;
  for (const x of SUFFIXES) if (k.length - x.suffix.length === end && k.endsWith(x.suffix)) { known = x; break; }
  if (!known) throw noSuchKey(k);
  const all = isAt(k, 'all', CONF.length, end);
  const dflt = !all && isAt(k, 'default', CONF.length, end);
  if (known.rfield) {
    const d = deviceNamed(devices, k, CONF.length, end);
    const where: string | number | undefined = d ? d.ifindex : all ? 'all' : dflt ? 'default' : undefined;
    if (where === undefined) throw noSuchKey(k);
    redirectsOf(s, where)[known.rfield] = parseBool(k, value);
    return;
  }
  const field = known.field!;
  let target: DeviceSysctls | undefined;
  if (all) target = s.all;
  else if (dflt) target = s.default;
  else {
    const d = deviceNamed(devices, k, CONF.length, end);
    if (d) target = s.conf.get(d.ifindex);
  }
  if (!target) throw noSuchKey(k);
  if (field === 'rpFilter') {
    const n = Number(value.trim());
    if (!Number.isInteger(n)) throw invalid(k);
    // The kernel accepts any int and treats >2 like 2 in fib_validate_source; keep 0..2.
    target.rpFilter = (n <= 0 ? 0 : n === 1 ? 1 : 2) as 0 | 1 | 2;
    return;
  }
  const v = parseBool(k, value);
  if (field === 'forwarding' && all) {
    setForwarding(s, v);
    return;
  }
  target[field] = v;
}

function setForwarding(s: Sysctls, on: boolean): void {
  s.ipForward = on;
  s.all.forwarding = on;
  s.default.forwarding = on;
  for (const c of s.conf.values()) c.forwarding = on;
}
