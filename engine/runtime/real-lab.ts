/**
 * What every runtime that hosts nodes for real offers the scenario runner and Calico: a
 * deployed fabric of real network namespaces (Mininet hosts, Docker containers) with argv
 * commands and long-running processes inside a node, cable and node control, and captures
 * with the real tcpdump. MininetLab implements it; the Docker runtime (containerlab's layout
 * without containerlab) implements the same, so one LabDriver serves both.
 */
import type { ChildProcess } from 'node:child_process';
import type { Topology } from '../model/types.ts';
import type { Exec, ExecResult } from './linux/exec.ts';
import type { BirdInstall } from './linux/bird.ts';

/** The programs a runtime's nodes run Calico with, as paths inside the nodes. */
export interface NodePrograms {
  /** argv prefix of `podlab` (agent, CNI plugin). */
  readonly podlab: readonly string[];
  /** BIRD of the k8s nodes (1.6 where available). */
  readonly bird: BirdInstall;
  /** BIRD of the fabric routers (2.x where available). */
  readonly routerBird: BirdInstall;
}

/**
 * What a lab brings itself to run Calico — a containerlab lab has its own etcd node, seeds
 * it (`podlab seed`) and says how each node's daemons start — so the engine uses those
 * instead of starting its own etcd and composing the daemons' command lines.
 */
export interface LabServices {
  /** etcd as the engine reaches it (from the host), and as the nodes do. */
  readonly etcd: { readonly engine: string; readonly nodes: string };
  /** The lab seeds etcd itself: the engine waits for the seed instead of writing it. */
  readonly seeds: boolean;
  /** argv starting a node's daemon — the agent on a k8s node, BIRD on a router — or undefined when it runs none. */
  daemonArgv(node: string): readonly string[] | undefined;
  /** A node's BIRD control socket, as a path inside the node. */
  birdSocket(node: string): string | undefined;
}

/** A cable change, as the scenario's `link:` step asks for it. */
export interface RealLinkChange {
  readonly state?: 'up' | 'down';
  readonly latencyMs?: number;
  readonly lossPct?: number;
}

/** A cable after a change. */
export interface RealLinkStatus {
  readonly endpoints: readonly [string, string];
  readonly state: 'up' | 'down';
  readonly latencyMs: number;
  readonly lossPct: number;
}

/** A deployed lab on real kernels. */
export interface RealLab {
  /** The runtime's name in reports (`mininet`, `containerlab`). */
  readonly runtime: string;
  readonly topology: Topology;
  /** Lab name (registry key, process marker). */
  readonly lab: string;
  /** Short id prefixing the lab's kernel objects. */
  readonly id: string;
  /** How the runtime realised what the kernel lacks (per-VLAN bridges, skipped latency…). */
  readonly notes: readonly string[];
  /** Nodes that have a network namespace (every node but switches realised as bridges). */
  nodes(): readonly string[];
  /** Runs argv inside a node's network namespace. */
  exec(node: string): Exec;
  /** Starts a long-running process inside a node (stdout/stderr piped unless logFile), marked with the lab, killed by destroy. */
  spawn(node: string, argv: readonly string[], opts?: { logFile?: string; env?: Record<string, string> }): ChildProcess;
  /** The setup commands as they ran, per node. */
  setupRecords(): readonly { readonly node: string; readonly argv: readonly string[]; readonly result: ExecResult }[];
  setLink(node: string, iface: string, change: RealLinkChange): Promise<RealLinkStatus>;
  setNode(node: string, state: 'stopped' | 'started'): Promise<void>;
  /** Real tcpdump on a node's interface; resolves once it listens; returns stop(). */
  capture(node: string, iface: string, onPacket: (p: { tsMs: number; data: Uint8Array }) => void): Promise<() => Promise<void>>;
  /**
   * The programs inside the nodes (a container image's own podlab and BIRD); absent when the
   * nodes share the engine's filesystem (Mininet) and run the engine's programs.
   */
  nodePrograms?(): Promise<NodePrograms>;
  /** The lab's own etcd, seed and daemon commands, when it has them (see LabServices). */
  services?(): LabServices | undefined;
  /** Removes everything the lab created. Idempotent. */
  destroy(): Promise<void>;
}
