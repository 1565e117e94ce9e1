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

const FIELDS: Record<string, keyof DeviceSysctls> = {
  forwarding: 'forwarding',
  proxy_arp: 'proxyArp',
  rp_filter: 'rpFilter',
  route_localnet: 'routeLocalnet',
};

/**
 * send_redirects / accept_redirects live beside the shared DeviceSysctls (which tools print
 * field by field) in a side table; absent means the kernel default, 1.
 */
interface RedirectConf { sendRedirects?: boolean; acceptRedirects?: boolean }
const redirectConf = new WeakMap<Sysctls, Map<string | number, RedirectConf>>();
const REDIRECT_FIELDS: Record<string, keyof RedirectConf> = { send_redirects: 'sendRedirects', accept_redirects: 'acceptRedirects' };

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

/** Applies `sysctl -w key=value`; throws KernelError with sysctl(8)'s message. */
export function writeSysctl(s: Sysctls, devices: ReadonlyMap<number, NetDevice>, key: string, value: string): void {
  const k = key.replace(/\//g, '.');
  if (k === 'net.ipv4.ip_forward') {
    setForwarding(s, parseBool(k, value));
    return;
  }
  const m = /^net\.ipv4\.conf\.([^.]+)\.([a-z_]+)$/.exec(k);
  if (!m) throw noSuchKey(k);
  const [, where, name] = m as unknown as [string, string, string];
  const rfield = REDIRECT_FIELDS[name];
  if (rfield) {
    let key: string | number | undefined = where === 'all' || where === 'default' ? where : undefined;
    for (const d of devices.values()) if (d.name === where) key = d.ifindex;
    if (key === undefined) throw noSuchKey(k);
    redirectsOf(s, key)[rfield] = parseBool(k, value);
    return;
  }
  const field = FIELDS[name];
  if (!field) throw noSuchKey(k);
  let target: DeviceSysctls | undefined;
  if (where === 'all') target = s.all;
  else if (where === 'default') target = s.default;
  else {
    for (const d of devices.values()) if (d.name === where) target = s.conf.get(d.ifindex);
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
  if (field === 'forwarding' && where === 'all') {
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
