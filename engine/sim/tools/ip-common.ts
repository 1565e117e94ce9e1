/**
 * What every `ip` object parser shares: the run context and iproute2's error helpers, each
 * with the text and exit status the real `ip` uses (measured on iproute2 6.1: argument
 * errors exit 255, lookups done by ip itself exit 1, kernel refusals exit 2).
 */
import type { KernelOps, KernelState, NetDevice } from '../types.ts';
import { ToolFailure, Args } from './argv.ts';
import type { HostFacts } from './link-details.ts';
import { deviceByName, devicesInOrder } from './link-view.ts';
import { isIPv4, parseIPv4, parsePrefix4 } from '../../net/ip.ts';
import type { IPv4, Prefix4 } from '../../net/ip.ts';

/** A kernel the tools can both read and change. */
export type ToolKernel = KernelOps & { readonly state: KernelState };

/** Global options of one `ip` invocation plus the kernel it talks to. */
export interface IpContext {
  k: ToolKernel;
  s: KernelState;
  details: boolean;
  stats: boolean;
  brief: boolean;
  oneline: boolean;
  /** 0 any, 4 (-4), 6 (-6). */
  family: 0 | 4 | 6;
  host: HostFacts;
}

/** NEXT_ARG() running out of words. */
export function incomplete(): never {
  throw new ToolFailure('Command line is not complete. Try option "help"', 255);
}

/** A fresh argument cursor that fails like iproute2 when a value is missing. */
export function args(argv: readonly string[]): Args {
  return new Args(argv, incomplete);
}

/** invarg(): `Error: argument "X" is wrong: REASON` (some reasons end in their own newline). */
export function invarg(reason: string, arg: string): never {
  throw new ToolFailure(`Error: argument "${arg}" is wrong: ${reason}`, 255);
}

/** duparg2(): a keyword given twice or a word nobody understands. */
export function garbage(key: string, word: string): never {
  throw new ToolFailure(`Error: either "${key}" is duplicate, or "${word}" is a garbage.`, 255);
}

/**
 * The devices `ip link show` and `ip address show` list (one parser in iproute2 too,
 * ipaddr_list_flush_or_save): `[dev] NAME` narrows to one device, `up` to those set up.
 */
export function listedDevices(c: IpContext, argv: readonly string[]): NetDevice[] {
  const a = args(argv);
  let devName: string | undefined;
  let upOnly = false;
  while (a.more) {
    const w = a.take();
    if (w === 'dev') devName = a.value();
    else if (w === 'up') upOnly = true;
    else if (devName === undefined) devName = w;
    else garbage('dev', w);
  }
  let devs = devicesInOrder(c.s);
  if (devName !== undefined) {
    const d = deviceByName(c.s, devName);
    if (!d) throw new ToolFailure(`Device "${devName}" does not exist.`, 1);
    devs = [d];
  }
  // The kernel fills IFLA_LINK_NETNSID for every link it reports, allocating the peer
  // namespace's id on first sight: in dump order, whatever iproute2 then prints.
  for (const d of devs) if (d.kind === 'veth' && d.peerNode !== undefined) c.s.linkNetns(d.peerNode);
  return upOnly ? devs.filter((d) => d.adminUp) : devs;
}

/** The device named, or iproute2's "Cannot find device" (exit 1). */
export function needDev(s: KernelState, name: string): NetDevice {
  const d = deviceByName(s, name);
  if (!d) throw new ToolFailure(`Cannot find device "${name}"`, 1);
  return d;
}

/** get_prefix(): "a.b.c.d[/len]" or `default`/`any`/`all`, else the exit-1 message. */
export function prefixArg(text: string, family: 0 | 4 | 6): Prefix4 {
  if (text === 'default' || text === 'any' || text === 'all') return { addr: 0, len: 0 };
  try {
    const p = parsePrefix4(text);
    return p;
  } catch {
    const fam = family === 4 ? 'inet' : family === 6 ? 'inet6' : 'any valid';
    throw new ToolFailure(`Error: ${fam} prefix is expected rather than "${text}".`, 1);
  }
}

/** get_addr(): a bare IPv4 address, else the exit-1 message. */
export function addrArg(text: string, family: 0 | 4 | 6): IPv4 {
  if (isIPv4(text)) return parseIPv4(text);
  const fam = family === 4 ? 'inet' : family === 6 ? 'inet6' : 'any valid';
  throw new ToolFailure(`Error: ${fam} address is expected rather than "${text}".`, 1);
}

/** ll_addr_a2n(): a colon MAC, normalised to lower case, else "is invalid lladdr" (exit 1). */
export function macArg(text: string): string {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new ToolFailure(`"${text}" is invalid lladdr.`, 1);
  }
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join(':');
}

/** Parses an unsigned decimal/hex integer like get_u32(), or undefined. */
export function u32(text: string): number | undefined {
  if (/^\d+$/.test(text) || /^0x[0-9a-f]+$/i.test(text)) {
    const n = Number(text);
    return n <= 0xffffffff ? n : undefined;
  }
  return undefined;
}

/** The table argument: main, local, default, all (0) or a number. */
export function tableArg(text: string, reason: string): number {
  if (text === 'main') return 254;
  if (text === 'local') return 255;
  if (text === 'default') return 253;
  if (text === 'all' || text === 'unspec') return 0;
  const n = u32(text);
  if (n === undefined) return invarg(reason, text);
  return n;
}
