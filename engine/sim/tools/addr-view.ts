/**
 * Interface addresses as `ip addr` lists them.
 *
 * IPv4: the kernel keeps a device's addresses in one list where a new primary goes after
 * the primaries of equal or wider scope and secondaries (same subnet as an existing
 * primary) go to the end (__inet_insert_ifa). We replay that from the order addresses were
 * added, so whatever order the simulated kernel stores them in, the listing matches.
 *
 * IPv6: podlab's kernel is IPv4-only, but every real Linux interface that is up with carrier
 * gets an EUI-64 link-local address (addrgenmode eui64), and lo gets ::1. Learners see those
 * lines on real nodes, so the view derives them from the MAC. Duplicate address detection is
 * instantaneous in virtual time, so no address is ever shown "tentative".
 */
import type { IfAddress, KernelState, NetDevice } from '../types.ts';
import { formatIPv4, formatIPv6 as formatIPv6Value, maskOf } from '../../net/ip.ts';
import { lowerUp } from './link-view.ts';

const SCOPE_VALUE: Record<IfAddress['scope'], number> = { global: 0, link: 253, host: 254 };

/** An IPv4 address of a device with the flags the kernel derives. */
export interface ShownAddress {
  addr: IfAddress;
  secondary: boolean;
}

/** The device's IPv4 addresses in the kernel's list order, with the secondary flag. */
export function deviceAddresses(s: KernelState, ifindex: number): ShownAddress[] {
  const list: ShownAddress[] = [];
  for (const a of s.addresses) {
    if (a.ifindex !== ifindex) continue;
    let lastPrimary = 0;
    let secondary = false;
    const mask = maskOf(a.prefix.len);
    list.forEach((e, i) => {
      if (!e.secondary && SCOPE_VALUE[a.scope] <= SCOPE_VALUE[e.addr.scope]) lastPrimary = i + 1;
      if (e.addr.prefix.len === a.prefix.len && ((e.addr.prefix.addr ^ a.prefix.addr) & mask) === 0) secondary = true;
    });
    const entry = { addr: a, secondary };
    if (secondary) list.push(entry);
    else list.splice(lastPrimary, 0, entry);
  }
  return list;
}

/** The primary IPv4 addresses of a device, in list order. */
export function primaryAddresses(s: KernelState, ifindex: number): IfAddress[] {
  return deviceAddresses(s, ifindex).filter((e) => !e.secondary).map((e) => e.addr);
}

/** RFC 5952 text of an IPv6 address given as eight 16-bit groups (what inet_ntop prints). */
export function formatIPv6(groups: readonly number[]): string {
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return formatIPv6Value(v);
}

/** The modified EUI-64 interface identifier of a MAC, as four 16-bit groups. */
export function eui64(mac: string): number[] {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const e = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  return [0, 2, 4, 6].map((i) => (e[i]! << 8) | e[i + 1]!);
}

/** True when the kernel would have configured IPv6 link-local on this device now. */
export function hasLinkLocal(d: NetDevice): boolean {
  return d.kind !== 'loopback' && d.kind !== 'ipip' && lowerUp(d);
}

/** The device's IPv6 addresses as "addr/len" and scope, as the kernel would hold them. */
export function ipv6Addresses(d: NetDevice): { text: string; scope: 'host' | 'link' }[] {
  if (d.kind === 'loopback') return d.adminUp ? [{ text: '::1/128', scope: 'host' }] : [];
  if (!hasLinkLocal(d)) return [];
  return [{ text: `${formatIPv6([0xfe80, 0, 0, 0, ...eui64(d.mac)])}/64`, scope: 'link' }];
}

/** The "inet ..." line (without indentation or lifetimes). */
export function inetLine(e: ShownAddress, dev: NetDevice): string {
  const a = e.addr;
  let t = `inet ${formatIPv4(a.prefix.addr)}/${a.prefix.len}`;
  if (a.broadcast !== undefined) t += ` brd ${formatIPv4(a.broadcast)}`;
  t += ` scope ${a.scope}`;
  if (e.secondary) t += ' secondary';
  return `${t} ${a.label ?? dev.name}`;
}

export const LIFETIMES = 'valid_lft forever preferred_lft forever';
