/**
 * `sysctl` (procps-ng 4.0) over the net.ipv4 keys the simulated kernel models:
 * net.ipv4.ip_forward and net.ipv4.conf.{all,default,<dev>}.{forwarding,proxy_arp,
 * route_localnet,rp_filter}. Other keys answer "cannot stat", as a kernel without them would.
 */
import { KernelError } from '../types.ts';
import type { DeviceSysctls, KernelState } from '../types.ts';
import type { ToolResult } from './argv.ts';
import type { ToolKernel } from './ip-common.ts';

const FIELDS: [string, keyof DeviceSysctls][] = [
  ['forwarding', 'forwarding'], ['proxy_arp', 'proxyArp'], ['route_localnet', 'routeLocalnet'], ['rp_filter', 'rpFilter'],
];

function num(v: boolean | number): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** Every modelled key with its value, in /proc/sys directory order (names sorted like the sysctl rbtree). */
export function sysctlEntries(s: KernelState): [string, string][] {
  const out: [string, string][] = [];
  const confs: [string, DeviceSysctls][] = [['all', s.sysctls.all], ['default', s.sysctls.default]];
  for (const d of s.devices.values()) {
    const c = s.sysctls.conf.get(d.ifindex);
    if (c) confs.push([d.name, c]);
  }
  confs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [name, c] of confs) for (const [key, f] of FIELDS) out.push([`net.ipv4.conf.${name}.${key}`, num(c[f])]);
  out.push(['net.ipv4.ip_forward', num(s.sysctls.ipForward)]);
  return out;
}

function noKey(key: string): string {
  return `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory\n`;
}

/** Runs `sysctl` with argv (without the leading "sysctl") against a kernel. */
export function runSysctl(kernel: ToolKernel, argv: readonly string[]): ToolResult {
  let write = false;
  let valuesOnly = false;
  let all = false;
  let quiet = false;
  const words: string[] = [];
  for (const w of argv) {
    if (/^-[a-zA-Z]+$/.test(w)) {
      for (const f of w.slice(1)) {
        if (f === 'w') write = true;
        else if (f === 'n') valuesOnly = true;
        else if (f === 'a' || f === 'A' || f === 'X') all = true;
        else if (f === 'q') quiet = true;
        else if (f === 'e') continue;
        else return { stdout: '', stderr: `sysctl: invalid option -- '${f}'\n`, code: 1 };
      }
    } else if (w === '--all') all = true;
    else if (w === '--write') write = true;
    else if (w === '--values') valuesOnly = true;
    else words.push(w);
  }
  const s = kernel.state;
  const show = (k: string, v: string): string => (valuesOnly ? `${v}\n` : `${k} = ${v}\n`);
  if (all && words.length === 0) return { stdout: sysctlEntries(s).map(([k, v]) => show(k, v)).join(''), stderr: '', code: 0 };
  let stdout = '';
  let stderr = '';
  let code = 0;
  for (const w of words) {
    const eq = w.indexOf('=');
    if (write || eq >= 0) {
      if (eq < 0) {
        stderr += 'sysctl: command line(0): invalid syntax, continuing...\n';
        code = 1;
        continue;
      }
      const key = w.slice(0, eq).replace(/\//g, '.');
      const value = w.slice(eq + 1);
      if (key === '' || value === '') {
        stderr += 'sysctl: command line(0): invalid syntax, continuing...\n';
        code = 1;
        continue;
      }
      try {
        kernel.setSysctl(key, value);
        if (!quiet) stdout += show(key, value);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
        stderr += `${e.message}\n`;
        code = 1;
      }
      continue;
    }
    const key = w.replace(/\//g, '.');
    const entries = sysctlEntries(s);
    const exact = entries.find(([k]) => k === key);
    if (exact) {
      stdout += show(exact[0], exact[1]);
      continue;
    }
    const under = entries.filter(([k]) => k.startsWith(`${key}.`));
    if (under.length > 0) stdout += under.map(([k, v]) => show(k, v)).join('');
    else {
      stderr += noKey(key);
      code = 1;
    }
  }
  return { stdout, stderr, code };
}
