/**
 * The simulator runtime: a validated topology deployed into one in-process `World`.
 *
 * Deploying cables every link, then runs each node's setup commands (setup-commands.ts)
 * through the node's own tools, exactly as a real runtime would run them in a namespace.
 * Any failing command aborts the deploy with the node, the command and the tool's own error
 * — a world is built completely or not at all; the caller never sees a half-built lab.
 *
 * `exec` is the node's shell without a shell: argv (or one command line split on quotes)
 * goes to iproute2-compatible tools, iptables/ipset/conntrack of the node's netfilter,
 * ping/traceroute running in virtual time, or tcpdump over the frames captured so far.
 */
import type { Topology } from '../../model/types.ts';
import { World } from '../../sim/world.ts';
import type { Kernel } from '../../sim/kernel.ts';
import { Capture } from '../../sim/capture.ts';
import { Netfilter, runNetfilterCommand } from '../../sim/netfilter/index.ts';
import { runTool, splitCommandLine, CommandLineError } from '../../sim/tools/index.ts';
import type { ToolResult } from '../../sim/tools/index.ts';
import { parsePingArgs, pingOnKernel } from '../../sim/apps/ping.ts';
import { parseTracerouteArgs, tracerouteOnKernel } from '../../sim/apps/traceroute.ts';
import { tcpdump } from '../../net/tcpdump/index.ts';
// TCP sockets for the nodes (BGP runs on them); importing it also gives nodes `ss`.
import '../../sim/tcp/index.ts';
import { setupCommands, type SetupCommand } from '../setup-commands.ts';
import { splitHeredoc } from '../../sim/tools/heredoc.ts';

/** Raised when a node's setup fails; names the node, the command and what the tool said. */
export class DeployError extends Error {
  override name = 'DeployError';
  constructor(readonly node: string, readonly command: readonly string[], detail: string) {
    super(`${node}: setup command '${command.join(' ')}' failed: ${detail.trim()}`);
  }
}

/** Options of a simulated deployment. */
export interface SimDeployOptions {
  /** Seed of every random choice in the world (default 1). */
  seed?: number;
  /** Capture every interface of every non-switch node from the start (default true). */
  captureAll?: boolean;
}

/** One node's setup as it ran: each command with its result. */
export interface SetupRecord {
  readonly node: string;
  readonly steps: readonly { readonly command: SetupCommand; readonly result: ToolResult }[];
}

/** A program a component adds to every node's shell (calicoctl, birdc…); undefined falls through to the node's tools. */
export type NodeCommand = (node: string, args: readonly string[]) => ToolResult | undefined;

/** A program that changes the cluster (kubectl apply, calicoctl create…): it takes time, so only `execAsync` runs it; `stdin` is what a here-document fed it. */
export type AsyncNodeCommand = (node: string, args: readonly string[], stdin: string | undefined) => Promise<ToolResult | undefined>;

/** A topology running on the simulator. */
export class SimLab {
  readonly world: World;
  readonly topology: Topology;
  readonly setup: SetupRecord[] = [];
  private readonly filters = new Map<string, Netfilter>();
  private readonly captures = new Map<string, Capture>();
  private readonly commands = new Map<string, NodeCommand>();
  private readonly asyncCommands = new Map<string, AsyncNodeCommand>();
  private readonly nodeResolvers: ((name: string) => string | undefined)[] = [];

  private constructor(topology: Topology, opts: SimDeployOptions) {
    this.topology = topology;
    this.world = new World({ seed: opts.seed ?? 1 });
  }

  /** Builds the whole fabric of a validated topology; throws DeployError and builds nothing on failure. */
  static deploy(topology: Topology, opts: SimDeployOptions = {}): SimLab {
    const lab = new SimLab(topology, opts);
    const w = lab.world;
    for (const n of topology.nodes) {
      const k = w.addNode(n.name);
      const nf = new Netfilter({ clock: () => w.clock.nowMs() });
      k.setPacketFilter(nf);
      lab.filters.set(n.name, nf);
    }
    for (const l of topology.links) {
      const [a, b] = l.endpoints;
      w.connect(a.node, a.iface, b.node, b.iface, { mtu: l.mtu, latencyMs: l.latencyMs || undefined, lossPct: l.lossPercent });
    }
    for (const n of topology.nodes) {
      const k = w.node(n.name);
      const steps: SetupRecord['steps'][number][] = [];
      for (const c of setupCommands(topology, n)) {
        const result = runTool(k, c.argv);
        if (result.code !== 0) throw new DeployError(n.name, c.argv, result.stderr || `exit ${result.code}`);
        steps.push({ command: c, result });
      }
      lab.setup.push({ node: n.name, steps });
    }
    if (opts.captureAll ?? true) {
      for (const n of topology.nodes) {
        if (n.kind === 'switch') continue;
        for (const i of n.interfaces) lab.startCapture(n.name, i.name);
      }
    }
    // Let carrier settle and the first ARP/ND timers run before anyone looks.
    w.run(10);
    return lab;
  }

  /** The kernel of a node; throws naming the node and the known ones when absent. */
  kernel(node: string): Kernel {
    const k = this.world.kernel(node);
    if (!k) throw new Error(`no node '${node}' in lab '${this.topology.name}' (nodes: ${this.world.nodeNames().join(', ')})`);
    return k;
  }

  /** The netfilter (iptables, ipset, conntrack) of a node or of a namespace made later (a pod's). */
  netfilter(node: string): Netfilter {
    const k = this.kernel(node);
    let nf = this.filters.get(node);
    if (!nf) {
      // Every Linux namespace has its own netfilter: a pod's starts empty (all ACCEPT), made on first use.
      nf = new Netfilter({ clock: () => this.world.clock.nowMs() });
      k.setPacketFilter(nf);
      this.filters.set(node, nf);
    }
    return nf;
  }

  /** Starts (or returns the running) capture on a node's interface. */
  startCapture(node: string, iface: string): Capture {
    const key = `${node}:${iface}`;
    let c = this.captures.get(key);
    if (!c) {
      c = new Capture(this.world.trace, node, iface);
      this.captures.set(key, c);
    }
    return c;
  }

  /** Every running capture, keyed `node:iface`. */
  allCaptures(): ReadonlyMap<string, Capture> {
    return this.captures;
  }

  /** Adds (or replaces) a program of every node's shell, e.g. `calicoctl` once Calico runs. */
  registerCommand(prog: string, run: NodeCommand): void {
    this.commands.set(prog, run);
  }

  /** Adds a program that changes the cluster; its read-only verbs may also be a `registerCommand` program. */
  registerAsyncCommand(prog: string, run: AsyncNodeCommand): void {
    this.asyncCommands.set(prog, run);
  }

  /** Adds names for nodes made later (a pod's `ns/pod` and bare `pod` for its namespace's node). */
  registerNodeResolver(resolve: (name: string) => string | undefined): void {
    this.nodeResolvers.push(resolve);
  }

  /** The World node a name means (a topology node, a pod's node name, `ns/pod`, `pod`), or undefined. */
  resolveNode(name: string): string | undefined {
    if (this.world.kernel(name)) return name;
    for (const r of this.nodeResolvers) {
      const n = r(name);
      if (n !== undefined && this.world.kernel(n)) return n;
    }
    return undefined;
  }

  /**
   * The shell's exec (terminal, UI, scenarios): also runs the programs that change the
   * cluster, feeds a here-document (`… <<EOF` + lines + `EOF`) to stdin, and takes pods by name.
   */
  async execAsync(node: string, command: readonly string[] | string, stdin?: string): Promise<ToolResult> {
    let argv: readonly string[];
    let input = stdin;
    try {
      if (typeof command === 'string') {
        const h = splitHeredoc(command);
        argv = splitCommandLine(h.line);
        if (h.stdin !== undefined) input = h.stdin;
      } else argv = command;
    } catch (e) {
      if (e instanceof CommandLineError) return { stdout: '', stderr: `bash: ${e.message}\n`, code: 2 };
      throw e;
    }
    const where = this.resolveNode(node) ?? node;
    const run = argv[0] !== undefined ? this.asyncCommands.get(argv[0]) : undefined;
    if (run) {
      this.kernel(where);
      const r = await run(where, argv.slice(1), input);
      if (r) return r;
    }
    return this.exec(where, argv);
  }

  /** Runs a command on a node, like `ip netns exec NODE argv...` would. */
  exec(node: string, command: readonly string[] | string): ToolResult {
    const k = this.kernel(node);
    let argv: readonly string[];
    try {
      argv = typeof command === 'string' ? splitCommandLine(command) : command;
    } catch (e) {
      if (e instanceof CommandLineError) return { stdout: '', stderr: `bash: ${e.message}\n`, code: 2 };
      throw e;
    }
    const [prog, ...args] = argv;
    const extra = prog !== undefined ? this.commands.get(prog) : undefined;
    if (extra) {
      const r = extra(node, args);
      if (r) return r;
    }
    if (prog !== undefined && this.asyncCommands.has(prog)) {
      return { stdout: '', stderr: `${prog} ${args[0] ?? ''}: this verb changes the cluster and runs in the lab's shell (podlab up, the UI terminal, scenario steps), not through the synchronous exec\n`, code: 1 };
    }
    switch (prog) {
      case 'ping':
        return this.app(() => {
          const r = pingOnKernel(k, parsePingArgs(args));
          return { stdout: r.stdout, stderr: r.stderr, code: r.exitCode };
        }, 'ping');
      case 'traceroute':
        return this.app(() => {
          const r = tracerouteOnKernel(k, parseTracerouteArgs(args));
          return { stdout: r.stdout, stderr: r.stderr, code: r.exitCode };
        }, 'traceroute');
      case 'tcpdump':
        return this.tcpdump(node, args);
      case 'iptables': case 'iptables-save': case 'iptables-restore': case 'ipset': case 'conntrack': {
        const r = runNetfilterCommand(this.netfilter(node), argv);
        if (r) return r;
        break;
      }
    }
    return runTool(k, argv);
  }

  private app(run: () => ToolResult, name: string): ToolResult {
    try {
      return run();
    } catch (e) {
      // parse errors of ping/traceroute carry the real tools' usage texts
      return { stdout: '', stderr: `${name}: ${(e as Error).message}\n`, code: 2 };
    }
  }

  /** tcpdump over what this node's captures recorded so far (the simulator cannot block). */
  private tcpdump(node: string, args: readonly string[]): ToolResult {
    const interfaces: Record<string, { tsMs: number; frame: import('../../net/packet.ts').EthernetFrame; dir?: 'In' | 'Out' }[]> = {};
    for (const [key, c] of this.captures) {
      const [n, iface] = key.split(':') as [string, string];
      if (n !== node) continue;
      interfaces[iface] = c.records.map((r) => ({ tsMs: r.tsMs, frame: r.frame, dir: r.dir === 'in' ? 'In' as const : 'Out' as const }));
    }
    return tcpdump(args, { interfaces });
  }
}
