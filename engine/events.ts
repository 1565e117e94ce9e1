/**
 * The one event schema of podlab: the engine emits it, the recorder stores it, the terminal
 * and the UI render it, replay feeds it back. Plain JSON (no Maps, no bigint, no Uint8Array),
 * so a stream survives `JSON.stringify` → `JSON.parse` unchanged and `validateEvent` can guard
 * what a file or a socket hands us.
 *
 * Time: `t` is milliseconds — virtual time since deploy on the simulator, wall-clock epoch
 * milliseconds on real runtimes; `run-start.clock` says which. `seq` numbers events of one
 * run from 0 without gaps; two simulator runs of the same scenario produce the same stream.
 *
 * Frames are not copied into packet events: a hop that saw a frame points at it in a
 * capture (`FrameRef` = capture id + record index); the recording keeps each capture once,
 * as pcap bytes. Extension events (BGP sessions, Calico routes learned…) have a dotted
 * `type` (`bgp.session`, `calico.route-learned`); their module declares their shape by
 * merging into `ExtensionEvents` and registers a validator with `registerEventType`.
 * A reader that meets a dotted type it does not know keeps the base fields and skips it.
 */

/** Version of this schema; bump on any incompatible change of an event's shape. */
export const SCHEMA_VERSION = 1;

/** Fields every event has. */
export interface EventBase {
  /** Position in the run's stream, from 0. */
  readonly seq: number;
  /** Milliseconds: virtual (sim) or epoch wall time (real runtimes). */
  readonly t: number;
  /** 1-based step index while a step runs; 0 during deploy and the summary. */
  readonly step: number;
}

/** JSON values (what `expected` / `observed` of an expectation may hold). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/** A frame kept in a capture: the capture id (`node:dev`) and the record's index in it. */
export interface FrameRef {
  readonly capture: string;
  readonly index: number;
}

/** Header fields of an IPv4 packet a hop list shows without decoding bytes. */
export interface PacketSummary {
  readonly src: string;
  readonly dst: string;
  /** IP protocol number (1 icmp, 4 ipip, 6 tcp, 17 udp). */
  readonly proto: number;
  readonly ttl: number;
  /** Total length of the IP packet. */
  readonly len: number;
  readonly df: boolean;
  readonly icmp?: { readonly type: number; readonly code: number };
  readonly sport?: number;
  readonly dport?: number;
  /** The packet as `tcpdump -n` prints it (tunnels show outer and inner headers). */
  readonly text: string;
}

/** A route as the UI lists it; `text` is the `ip route` line. */
export interface RouteEntry {
  readonly table: number;
  readonly type: string;
  readonly dst: string;
  readonly via?: string;
  readonly dev?: string;
  /** Protocol name as `ip route` prints it (kernel, boot, static, bird, 80…). */
  readonly proto: string;
  readonly scope: string;
  readonly metric: number;
  readonly onlink: boolean;
  readonly text: string;
}

export type RunStartEvent = EventBase & {
  readonly type: 'run-start';
  readonly schemaVersion: number;
  readonly scenario: { readonly name: string; readonly description?: string; readonly file: string };
  readonly topology: string;
  readonly runtime: string;
  readonly clock: 'virtual' | 'wall';
  readonly seed: number;
  readonly steps: number;
};

export type RunEndEvent = EventBase & {
  readonly type: 'run-end';
  readonly passed: boolean;
  readonly expectations: number;
  readonly failed: number;
  /** Steps that could not run their action (a bad node name, a tool crash). */
  readonly errors: number;
};

export type StepStartEvent = EventBase & {
  readonly type: 'step-start';
  readonly title: string;
  /** Markdown-ish text for learners. */
  readonly narration: string;
  /** The action's kind (`ping`, `exec`, `link`…), or `check` for a step with expectations only. */
  readonly action: string;
};

export type StepEndEvent = EventBase & {
  readonly type: 'step-end';
  /** The action ran and every expectation of the step passed. */
  readonly ok: boolean;
  readonly error?: string;
};

export type CommandEvent = EventBase & {
  readonly type: 'command';
  readonly node: string;
  readonly argv: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
  /** When the command started (`t` is when it ended; the packets it caused lie between). */
  readonly start: number;
  /** `setup` = deploy-time configuration, `step` = the step's action, `probe` = run by an expectation. */
  readonly phase: 'setup' | 'step' | 'probe';
};

export type ExpectationEvent = EventBase & {
  readonly type: 'expectation';
  readonly kind: string;
  /** One line a human reads: what was checked. */
  readonly text: string;
  readonly expected: Json;
  readonly observed: Json;
  readonly pass: boolean;
};

export type LinkStateEvent = EventBase & {
  readonly type: 'link-state';
  /** The link's two ends as `node:iface`, the one named in the scenario first. */
  readonly endpoints: readonly [string, string];
  readonly state: 'up' | 'down';
  readonly latencyMs: number;
  readonly lossPct: number;
};

export type NodeStateEvent = EventBase & {
  readonly type: 'node-state';
  readonly node: string;
  readonly state: 'stopped' | 'started';
};

export type CaptureStartEvent = EventBase & {
  readonly type: 'capture-start';
  /** `node:dev`, the id FrameRefs use. */
  readonly capture: string;
  readonly node: string;
  readonly dev: string;
};

/** What happened to a packet at one point of its path. */
export type PacketHop = 'tx' | 'rx' | 'forward' | 'deliver' | 'drop' | 'encap' | 'decap' | 'arp' | 'nat';

/** How NAT rewrote a packet at a hook (a `nat` hop): kube-proxy's DNAT to a backend, a MASQUERADE, or conntrack undoing them on replies. */
export interface NatNote {
  /** The netfilter hook: PREROUTING/OUTPUT rewrite destinations, INPUT/POSTROUTING sources. */
  readonly hook: string;
  /** The target that chose the binding (DNAT, SNAT, MASQUERADE), or `conntrack` for a flow's later packets and its replies. */
  readonly by: string;
  /** The address that changed: `dst` or `src`. */
  readonly field: 'src' | 'dst';
  /** `ip:port` (ICMP: `ip`) before and after. */
  readonly from: string;
  readonly to: string;
  /** The nat-table rules that led to the binding, jumps first and the NAT target last, as `iptables-save -t nat` prints them (the flow's first packet only). */
  readonly rules?: readonly string[];
}

export type PacketEvent = EventBase & {
  readonly type: 'packet';
  readonly hop: PacketHop;
  readonly node: string;
  /** Device: the input device of a forward, the tunnel device of encap/decap. */
  readonly dev?: string;
  /** forward: the output device. */
  readonly outDev?: string;
  /** drop: the kernel's reason (no-route, ttl, mtu, netfilter, link-down…). */
  readonly reason?: string;
  readonly tunnel?: 'ipip' | 'vxlan';
  /** arp: request, reply, resolved, failed, proxy-reply; and the address asked about. */
  readonly arp?: { readonly event: string; readonly ip: string };
  /** tx/rx: the Ethernet header; `vlan` when tagged on the wire. */
  readonly eth?: { readonly src: string; readonly dst: string; readonly etherType: number; readonly vlan?: number };
  /** The IPv4 packet (the outer one for encap/decap). */
  readonly ip?: PacketSummary;
  /** encap/decap: the inner packet. */
  readonly inner?: PacketSummary;
  /** tx/rx: where the frame's bytes are. */
  readonly frame?: FrameRef;
  /** A one-line text for frames that are not IPv4 (ARP, raw). */
  readonly text?: string;
  /** nat: what was rewritten and which rules chose it (`ip` is the packet after the rewrite). */
  readonly nat?: NatNote;
};

export type RoutesEvent = EventBase & {
  readonly type: 'routes';
  readonly node: string;
  /** Routes that appeared since the node's previous `routes` event (all of them the first time). */
  readonly added: readonly RouteEntry[];
  readonly removed: readonly RouteEntry[];
};

/**
 * Extension events, keyed by their dotted type. Modules add theirs with declaration merging:
 * `declare module '../events.ts' { interface ExtensionEvents { 'bgp.session': { peer: string; state: string } } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ExtensionEvents {
  /** A Calico / Kubernetes resource a step applied, patched or deleted (see `ResourceChange`). */
  'calico.resource': ResourceChange;
}

/**
 * What a `calico.resource` event says: which resource changed and, unless deleted, the
 * resulting manifest kept compact (apiVersion, kind, metadata name/namespace/labels, spec),
 * so a reader (the UI's reflector arrows) can replay the resources as they were at any step.
 */
export interface ResourceChange {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly action: 'applied' | 'deleted' | 'patched';
  /** The resource after the change; absent when deleted. */
  readonly manifest?: { readonly [k: string]: Json };
}

/** An extension event as the stream carries it. */
export type ExtensionEvent = {
  [K in keyof ExtensionEvents]: EventBase & { readonly type: K } & ExtensionEvents[K];
}[keyof ExtensionEvents];

/** Every event of the schema. */
export type PodlabEvent =
  | RunStartEvent | RunEndEvent | StepStartEvent | StepEndEvent | CommandEvent | ExpectationEvent
  | LinkStateEvent | NodeStateEvent | CaptureStartEvent | PacketEvent | RoutesEvent | ExtensionEvent;

/** Event without the fields the emitter fills in (seq, t, step). */
export type EventBody = PodlabEvent extends infer E ? (E extends PodlabEvent ? Omit<E, keyof EventBase> : never) : never;

/** The core event types (not extensions). */
export const CORE_EVENT_TYPES = [
  'run-start', 'run-end', 'step-start', 'step-end', 'command', 'expectation', 'link-state',
  'node-state', 'capture-start', 'packet', 'routes',
] as const;

// ---------------------------------------------------------------------------------------
// Validation: a hand-written guard per type, so replay refuses a damaged or foreign file with
// the field that is wrong instead of crashing the renderer later.

type Check = (e: Record<string, unknown>) => string | undefined;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (e: Record<string, unknown>, k: string, optional = false): string | undefined =>
  e[k] === undefined && optional ? undefined : typeof e[k] === 'string' ? undefined : `'${k}' must be a string`;
const num = (e: Record<string, unknown>, k: string, optional = false): string | undefined =>
  e[k] === undefined && optional ? undefined : typeof e[k] === 'number' && Number.isFinite(e[k]) ? undefined : `'${k}' must be a number`;
const bool = (e: Record<string, unknown>, k: string): string | undefined => (typeof e[k] === 'boolean' ? undefined : `'${k}' must be true or false`);
const oneOf = (e: Record<string, unknown>, k: string, vals: readonly string[], optional = false): string | undefined =>
  e[k] === undefined && optional ? undefined : vals.includes(e[k] as string) ? undefined : `'${k}' must be one of ${vals.join(', ')}`;
const first = (...rs: (string | undefined)[]): string | undefined => rs.find((r) => r !== undefined);

function summary(v: unknown, k: string): string | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) return `'${k}' must be an object`;
  return first(str(v, 'src'), str(v, 'dst'), num(v, 'proto'), num(v, 'ttl'), num(v, 'len'), bool(v, 'df'), str(v, 'text'));
}

function natNote(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) return `'nat' must be an object`;
  return first(str(v, 'hook'), str(v, 'by'), oneOf(v, 'field', ['src', 'dst']), str(v, 'from'), str(v, 'to'),
    v.rules === undefined || (Array.isArray(v.rules) && v.rules.every((r) => typeof r === 'string')) ? undefined : `'nat.rules' must be a list of strings`);
}

function routeEntries(v: unknown, k: string): string | undefined {
  if (!Array.isArray(v)) return `'${k}' must be a list`;
  for (const r of v) {
    if (!isObj(r)) return `'${k}' entries must be objects`;
    const bad = first(num(r, 'table'), str(r, 'type'), str(r, 'dst'), str(r, 'proto'), str(r, 'text'), bool(r, 'onlink'));
    if (bad) return `${k}: ${bad}`;
  }
  return undefined;
}

const CHECKS: Record<(typeof CORE_EVENT_TYPES)[number], Check> = {
  'run-start': (e) => first(num(e, 'schemaVersion'), isObj(e.scenario) ? str(e.scenario, 'name') : `'scenario' must be an object`,
    str(e, 'topology'), str(e, 'runtime'), oneOf(e, 'clock', ['virtual', 'wall']), num(e, 'seed'), num(e, 'steps')),
  'run-end': (e) => first(bool(e, 'passed'), num(e, 'expectations'), num(e, 'failed'), num(e, 'errors')),
  'step-start': (e) => first(str(e, 'title'), str(e, 'narration'), str(e, 'action')),
  'step-end': (e) => first(bool(e, 'ok'), str(e, 'error', true)),
  command: (e) => first(str(e, 'node'), Array.isArray(e.argv) && e.argv.every((a) => typeof a === 'string') ? undefined : `'argv' must be a list of strings`,
    str(e, 'stdout'), str(e, 'stderr'), num(e, 'code'), num(e, 'start'), oneOf(e, 'phase', ['setup', 'step', 'probe'])),
  expectation: (e) => first(str(e, 'kind'), str(e, 'text'), bool(e, 'pass'), 'expected' in e ? undefined : `'expected' is missing`, 'observed' in e ? undefined : `'observed' is missing`),
  'link-state': (e) => first(Array.isArray(e.endpoints) && e.endpoints.length === 2 && e.endpoints.every((x) => typeof x === 'string') ? undefined : `'endpoints' must be two strings`,
    oneOf(e, 'state', ['up', 'down']), num(e, 'latencyMs'), num(e, 'lossPct')),
  'node-state': (e) => first(str(e, 'node'), oneOf(e, 'state', ['stopped', 'started'])),
  'capture-start': (e) => first(str(e, 'capture'), str(e, 'node'), str(e, 'dev')),
  packet: (e) => first(oneOf(e, 'hop', ['tx', 'rx', 'forward', 'deliver', 'drop', 'encap', 'decap', 'arp', 'nat']), str(e, 'node'), str(e, 'dev', true),
    str(e, 'outDev', true), str(e, 'reason', true), oneOf(e, 'tunnel', ['ipip', 'vxlan'], true), summary(e.ip, 'ip'), summary(e.inner, 'inner'),
    e.frame === undefined ? undefined : isObj(e.frame) ? first(str(e.frame, 'capture'), num(e.frame, 'index')) : `'frame' must be an object`, natNote(e.nat)),
  routes: (e) => first(str(e, 'node'), routeEntries(e.added, 'added'), routeEntries(e.removed, 'removed')),
};

const extensionChecks = new Map<string, Check>();

/** Registers the validator of an extension event type (dotted, e.g. `bgp.session`); returns undefined or what is wrong. */
export function registerEventType(type: string, check: (e: Record<string, unknown>) => string | undefined): void {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(type)) throw new Error(`extension event type '${type}' must be dotted, like 'bgp.session'`);
  extensionChecks.set(type, check);
}

/** True for a dotted (extension) event type. */
export function isExtensionType(type: string): boolean {
  return type.includes('.');
}

/**
 * Checks that `v` is an event of this schema: undefined when it is, else what is wrong.
 * Unknown dotted types pass when their base fields do (a newer recorder's extensions).
 */
export function checkEvent(v: unknown): string | undefined {
  if (!isObj(v)) return 'an event must be an object';
  const base = first(num(v, 'seq'), num(v, 't'), num(v, 'step'), str(v, 'type'));
  if (base) return base;
  const type = v.type as string;
  const core = (CHECKS as Record<string, Check>)[type];
  if (core) return core(v);
  if (isExtensionType(type)) return extensionChecks.get(type)?.(v);
  return `unknown event type '${type}'`;
}

/** Type guard: `v` is a valid PodlabEvent. */
export function validateEvent(v: unknown): v is PodlabEvent {
  return checkEvent(v) === undefined;
}

registerEventType('calico.resource', (e) => first(str(e, 'kind'), str(e, 'name'), str(e, 'namespace', true), oneOf(e, 'action', ['applied', 'deleted', 'patched']),
  e.manifest === undefined ? (e.action === 'deleted' ? undefined : `'manifest' is missing`) : isObj(e.manifest) ? undefined : `'manifest' must be an object`));
