/**
 * `ip` of the simulated node: global options, object dispatch with iproute2's abbreviations
 * (`ip a`, `ip r`, `ip n`, `ip l`), and the exit statuses the real tool uses.
 */
import { KernelError } from '../types.ts';
import type { ToolResult } from './argv.ts';
import { ToolFailure, matches } from './argv.ts';
import type { IpContext, ToolKernel } from './ip-common.ts';
import { DEFAULT_HOST } from './link-details.ts';
import type { HostFacts } from './link-details.ts';
import { ipAddr } from './ip-addr.ts';
import { ipLink, ipTunnel } from './ip-link.ts';
import { ipNeigh } from './ip-neigh.ts';
import { ipRoute } from './ip-route.ts';

type ObjectFn = (c: IpContext, argv: string[]) => string;

/** ip.c's object table, in its order: the first entry a word abbreviates wins. */
const OBJECTS: [string, ObjectFn | null][] = [
  ['address', ipAddr], ['addrlabel', null], ['maddress', null], ['route', ipRoute], ['rule', null],
  ['neighbor', ipNeigh], ['neighbour', ipNeigh], ['ntable', null], ['ntbl', null], ['link', ipLink], ['l2tp', null],
  ['fou', null], ['ila', null], ['macsec', null], ['tunnel', ipTunnel], ['tunl', ipTunnel], ['tuntap', null],
  ['tap', null], ['token', null], ['tcpmetrics', null], ['tcp_metrics', null], ['monitor', null], ['xfrm', null],
  ['mroute', null], ['mrule', null], ['netns', null], ['netconf', null], ['vrf', null], ['sr', null],
  ['nexthop', null], ['mptcp', null], ['ioam', null], ['stats', null], ['help', null],
];

/** Runs `ip` with argv (without the leading "ip") against a kernel. */
export function runIp(kernel: ToolKernel, argv: readonly string[], host: HostFacts = DEFAULT_HOST): ToolResult {
  const c: IpContext = {
    k: kernel, s: kernel.state, details: false, stats: false, brief: false, oneline: false, family: 0, host,
  };
  try {
    let i = 0;
    while (i < argv.length && argv[i]!.startsWith('-') && argv[i]!.length > 1) {
      let opt = argv[i]!;
      if (opt.startsWith('--')) opt = opt.slice(1);
      if (opt === '-4') c.family = 4;
      else if (opt === '-6') c.family = 6;
      else if (matches(opt, '-details')) c.details = true;
      else if (matches(opt, '-stats') || matches(opt, '-statistics')) c.stats = true;
      else if (matches(opt, '-brief')) c.brief = true;
      else if (matches(opt, '-oneline')) c.oneline = true;
      else if (matches(opt, '-color') || matches(opt, '-colour')) { /* plain output either way */ }
      else throw new ToolFailure(`Option "${argv[i]}" is unknown, try "ip -help".`, 255);
      i++;
    }
    const obj = argv[i];
    if (obj === undefined) {
      throw new ToolFailure('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }', 255);
    }
    const entry = OBJECTS.find(([name]) => matches(obj, name));
    if (!entry) throw new ToolFailure(`Object "${obj}" is unknown, try "ip help".`, 1);
    const [name, fn] = entry;
    if (!fn) throw new ToolFailure(`podlab: "ip ${name}" is not simulated (supported: address, route, neigh, link, tunnel)`, 1);
    return { stdout: fn(c, argv.slice(i + 1)), stderr: '', code: 0 };
  } catch (e) {
    return failure(e, 2);
  }
}

/** Converts a thrown ToolFailure/KernelError into the tool's stderr and exit status. */
export function failure(e: unknown, kernelCode: number): ToolResult {
  if (e instanceof ToolFailure) return { stdout: '', stderr: `${e.message}\n`, code: e.code };
  if (e instanceof KernelError) return { stdout: '', stderr: `${e.message}\n`, code: kernelCode };
  throw e;
}
