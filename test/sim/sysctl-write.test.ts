/**
 * `sysctl -w` of net.ipv4.conf.<dev>.<name> names its device and field without a regex or
 * substrings (Felix and the CNI plugin write several per pod interface): it must accept,
 * refuse and set exactly what the regex reading did — devices whose names prefix each other,
 * slashes, all/default, redirects, unknown names, dots in the wrong places.
 */
import { describe, expect, it } from 'vitest';
import { defaultDeviceSysctls, effective, freshSysctls, writeSysctl } from '../../engine/sim/sysctl.ts';
import type { NetDevice, Sysctls } from '../../engine/sim/types.ts';
import { KernelError } from '../../engine/sim/types.ts';

/** The regex reading this replaced (its rules, written out): where = [^.]+, name = [a-z_]+, then a known name and device. */
function reference(s: Sysctls, devices: ReadonlyMap<number, NetDevice>, key: string, value: string): void {
  const k = key.replace(/\//g, '.');
  const noSuchKey = (): Error => new KernelError(`sysctl: cannot stat /proc/sys/${k.replace(/\./g, '/')}: No such file or directory`);
  const bool = (): boolean => {
    const n = Number(value.trim());
    if (!Number.isInteger(n)) throw new KernelError(`sysctl: setting key "${k}": Invalid argument`);
    return n !== 0;
  };
  const forwardAll = (on: boolean): void => {
    s.ipForward = on; s.all.forwarding = on; s.default.forwarding = on;
    for (const c of s.conf.values()) c.forwarding = on;
  };
  if (k === 'net.ipv4.ip_forward') { forwardAll(bool()); return; }
  const m = /^net\.ipv4\.conf\.([^.]+)\.([a-z_]+)$/.exec(k);
  if (!m) throw noSuchKey();
  const [, where, name] = m as unknown as [string, string, string];
  const fields: Record<string, 'forwarding' | 'proxyArp' | 'rpFilter' | 'routeLocalnet'> = { forwarding: 'forwarding', proxy_arp: 'proxyArp', rp_filter: 'rpFilter', route_localnet: 'routeLocalnet' };
  const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
  const redirect = name === 'send_redirects' || name === 'accept_redirects';
  const dev = [...devices.values()].find((d) => d.name === where);
  if (redirect) {
    if (!dev && where !== 'all' && where !== 'default') throw noSuchKey();
    // Read back through effective() below: write the real thing to compare its outcome.
    writeSysctl(s, devices, key, value);
    return;
  }
  if (!field) throw noSuchKey();
  const target = where === 'all' ? s.all : where === 'default' ? s.default : dev ? s.conf.get(dev.ifindex) : undefined;
  if (!target) throw noSuchKey();
  if (field === 'rpFilter') {
    const n = Number(value.trim());
    if (!Number.isInteger(n)) throw new KernelError(`sysctl: setting key "${k}": Invalid argument`);
    target.rpFilter = n <= 0 ? 0 : n === 1 ? 1 : 2;
    return;
  }
  const v = bool();
  if (field === 'forwarding' && where === 'all') { forwardAll(v); return; }
  target[field] = v;
}

function namespace(): { s: Sysctls; devices: Map<number, NetDevice> } {
  const s = freshSysctls();
  const devices = new Map<number, NetDevice>();
  ['lo', 'eth0', 'eth00', 'cali1234', 'cali12345', 'all0', 'default'].forEach((name, i) => {
    devices.set(i + 1, { ifindex: i + 1, name } as NetDevice);
    s.conf.set(i + 1, defaultDeviceSysctls());
  });
  return { s, devices };
}

function outcome(write: () => void, s: Sysctls, devices: Map<number, NetDevice>): string {
  try { write(); } catch (e) { return `error ${(e as Error).message}`; }
  return JSON.stringify([s.ipForward, s.all, s.default, [...s.conf], [...devices.keys()].map((i) => effective(s, i))]);
}

describe('sysctl -w net.ipv4.conf.*', () => {
  it('accepts, refuses and sets what the regex reading did', () => {
    const wheres = ['eth0', 'eth00', 'eth', 'cali1234', 'cali12345', 'cali123', 'all', 'default', 'all0', 'lo', '', 'eth0.x', 'ETH0'];
    const names = ['forwarding', 'proxy_arp', 'rp_filter', 'route_localnet', 'send_redirects', 'accept_redirects', 'log_martians', 'forwarding.x', '', 'Forwarding'];
    const keys: string[] = ['net.ipv4.ip_forward', 'net/ipv4/ip_forward', 'net.ipv4.conf', 'net.ipv4.conf.', 'net.ipv4.confX.eth0.forwarding', 'net.ipv6.conf.eth0.forwarding'];
    for (const w of wheres) for (const n of names) keys.push(`net.ipv4.conf.${w}.${n}`);
    keys.push('net/ipv4/conf/eth0/rp_filter', 'net/ipv4/conf/all/forwarding', 'net.ipv4.conf/eth00.proxy_arp');
    let checked = 0;
    for (const key of keys) {
      for (const value of ['1', '0', '2', ' 1 ', 'x']) {
        const a = namespace();
        const b = namespace();
        // Earlier writes leave state behind (and the last device found): the same sequence on both.
        for (const pre of ['net.ipv4.conf.eth00.rp_filter', 'net.ipv4.conf.cali1234.proxy_arp']) {
          writeSysctl(a.s, a.devices, pre, '1');
          writeSysctl(b.s, b.devices, pre, '1');
        }
        expect(outcome(() => writeSysctl(a.s, a.devices, key, value), a.s, a.devices), `${key}=${value}`)
          .toBe(outcome(() => reference(b.s, b.devices, key, value), b.s, b.devices));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(600);
  });
});
