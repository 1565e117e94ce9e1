/**
 * What the scenario runner needs from a runtime: run a command on a node, change links and
 * nodes, let time pass, read a node's routes as data, and the frames seen on its devices.
 * The simulator implements it in sim-driver.ts, answering at once in virtual time; real
 * runtimes (mininet-driver.ts) answer over `ip -j route`, tcpdump streams and wall time,
 * which is why everything that touches the lab is asynchronous.
 */
import type { Topology } from '../model/types.ts';
import type { EthernetFrame } from '../net/packet.ts';
import type { EventBody, FrameRef, RouteEntry } from '../events.ts';
import type { ClusterControl } from './cluster-control.ts';
import type { RealLinkChange, RealLinkStatus } from '../runtime/real-lab.ts';

/** A command's result: the bytes a terminal shows and the exit status. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** A frame seen on a device. */
export interface SeenFrame {
  readonly tsMs: number;
  readonly frame: EthernetFrame;
  readonly dir: 'in' | 'out';
}

/** A change to a link (carrier and/or impairment) and the link after it: the runtimes' own words. */
export type LinkChange = RealLinkChange;
export type LinkStatus = RealLinkStatus;

/** A capture as the recorder and `--pcap` write it. */
export interface CaptureFile {
  readonly id: string;
  readonly node: string;
  readonly dev: string;
  readonly pcap: Uint8Array;
  readonly frames: number;
}

/** A deployed lab the runner drives. */
export interface LabDriver {
  readonly runtime: string;
  readonly clock: 'virtual' | 'wall';
  readonly topology: Topology;
  /** Current time in ms (virtual or epoch). */
  now(): number;
  /** Names of the nodes that can run commands. */
  nodes(): readonly string[];
  /** Runs argv on a node (no shell); `opts.stdin` feeds the program (a here-document in a lab shell). */
  exec(node: string, argv: readonly string[], opts?: { readonly stdin?: string }): Promise<CommandResult>;
  /** Changes the link cabled to `node:iface`; throws with a user-facing message when there is none. */
  setLink(node: string, iface: string, change: LinkChange): Promise<LinkStatus>;
  /** Stops or starts a node. */
  setNode(node: string, state: 'stopped' | 'started'): Promise<void>;
  /** Lets `ms` of time pass. */
  wait(ms: number): Promise<void>;
  /** The node's routes (every table but local), as data read from its FIB. */
  routes(node: string): Promise<readonly RouteEntry[]>;
  /** The node's IPv4 addresses per device, for resolving `to: node` and `to: node:iface`. */
  addresses(node: string): readonly { readonly dev: string; readonly addr: string }[];
  /** Frames seen so far on a device (every device is watched from deploy on). */
  frames(node: string, dev: string): readonly SeenFrame[];
  /** Starts a capture that `pcapFiles` will write (`capture:` steps). */
  startCapture(node: string, dev: string): void;
  /** Subscribes to packet events (hop by hop), with frames referenced in `recordedCaptures`. */
  onPacket(fn: (e: EventBody) => void): void;
  /** The captures `--pcap DIR` writes. */
  pcapFiles(): readonly CaptureFile[];
  /** Every device's frames, the captures FrameRefs point into. */
  recordedCaptures(): readonly CaptureFile[];
  /** The frame a FrameRef names, or undefined. */
  frameAt(ref: FrameRef): SeenFrame | undefined;
  /** Deploy-time configuration commands per node (shown as the setup phase). */
  setupCommands(): readonly { readonly node: string; readonly argv: readonly string[]; readonly result: CommandResult }[];
  /** The Calico cluster running on the lab, if the topology asks for one. */
  calico(): ClusterControl | undefined;
  /** Tears the lab down. */
  destroy(): Promise<void>;
}
