/**
 * The node's command table: `runTool(kernel, argv)` dispatches `ip`, `bridge`, `sysctl` and
 * whatever other modules register (iptables, ping, traceroute, tcpdump), like a shell's PATH
 * lookup — but no shell ever runs: a string command line is split with quotes only.
 */
import type { ToolResult } from './argv.ts';
import { splitCommandLine, CommandLineError } from './argv.ts';
import type { ToolKernel } from './ip-common.ts';
import { runBridge } from './bridge.ts';
import { runIp } from './ip.ts';
import { runSysctl } from './sysctl.ts';
import type { HostFacts } from './link-details.ts';
import { DEFAULT_HOST } from './link-details.ts';

/** A node command: gets the kernel and the arguments after the command name. */
export type ToolFn = (kernel: ToolKernel, args: readonly string[], host: HostFacts) => ToolResult;

const TOOLS = new Map<string, ToolFn>([
  ['ip', (k, a, h) => runIp(k, a, h)],
  ['bridge', (k, a, h) => runBridge(k, a, h)],
  ['sysctl', (k, a) => runSysctl(k, a)],
]);

/** Adds (or replaces) a command of the simulated nodes, e.g. registerTool('ping', runPing). */
export function registerTool(name: string, fn: ToolFn): void {
  if (!/^[a-zA-Z0-9_.-]+$/.test(name)) throw new Error(`registerTool: invalid command name '${name}'`);
  TOOLS.set(name, fn);
}

/** Names of the commands a node has, sorted. */
export function toolNames(): string[] {
  return [...TOOLS.keys()].sort();
}

/**
 * Runs a command on a node: argv as an array, or one command line split like a shell
 * (quotes only). `/sbin/ip` and `/usr/sbin/ip` name the same command as `ip`.
 */
export function runTool(kernel: ToolKernel, command: readonly string[] | string, host: HostFacts = DEFAULT_HOST): ToolResult {
  let argv: readonly string[];
  if (typeof command === 'string') {
    try {
      argv = splitCommandLine(command);
    } catch (e) {
      if (e instanceof CommandLineError) return { stdout: '', stderr: `bash: ${e.message}\n`, code: 2 };
      throw e;
    }
  } else argv = command;
  if (argv.length === 0) return { stdout: '', stderr: '', code: 0 };
  const name = argv[0]!;
  const base = /^\/(usr\/)?s?bin\/[^/]+$/.test(name) ? name.slice(name.lastIndexOf('/') + 1) : name;
  const fn = TOOLS.get(base);
  if (!fn) {
    if (name.includes('/')) return { stdout: '', stderr: `bash: ${name}: No such file or directory\n`, code: 127 };
    return { stdout: '', stderr: `bash: ${name}: command not found\n`, code: 127 };
  }
  return fn(kernel, argv.slice(1), host);
}
