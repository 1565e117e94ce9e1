/**
 * calico-node on a real node (`podlab agent`): one process inside the node's network
 * namespace, doing what calico-node's processes do there —
 *
 * - allocateip: reconciles the node's IPIP/VXLAN tunnel addresses with the pools;
 * - Felix: snapshot → desired dataplane → the Linux driver, which changes only the difference;
 * - confd: renders BIRD's three files for the BIRD that is installed (1.6 as Calico ships it,
 *   or 2.x), rewrites them only when their text changes, and reloads BIRD (`configure`);
 * - BIRD itself: started by the agent on the first rendering, found again through its pid
 *   file when the agent restarts (an agent crash does not drop BGP sessions, as in Calico).
 *
 * Incremental, as calico-node is: it lists the datastore once at start, then follows one watch
 * over every key (Calico's `/calico/`, podlab's stand-in API objects under `/podlab/k8s/`, and
 * the rest, so that every revision is seen) into its caches (agent-inputs.ts: Felix's syncer
 * cache, indexed by node, and a replica of what confd, allocateip and the policy model read). A change marks only the components it concerns on this node, and a pass
 * reads the caches: no datastore read per pass, a pod elsewhere costs no pass at all. Every
 * pass reports the revision its caches had reached (`in-sync`), which is how the engine knows
 * Felix and confd caught up. BGP session changes (from `show protocols`) and BIRD's kernel
 * routes (`proto bird`) are polled and reported as events. Events go to `emit` — the CLI
 * prints them as JSON lines on stdout.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive as alive } from './process.ts';
import type { Datastore, KeyValue } from '../../calico/datastore/index.ts';
import { resourceKey, resourcePrefix } from '../../calico/datastore/index.ts';
import { IpamClient } from '../../calico/ipam/index.ts';
import { computeDesired, encapsEnabled, felixOwnIpsets } from '../../calico/felix/index.ts';
import type { FelixConfig, HostInterface } from '../../calico/felix/index.ts';
import { computeBgpIntent, renderBirdFilesFor } from '../../calico/confd/index.ts';
import type { BgpIntent } from '../../calico/confd/index.ts';
import { confdClusterInput, readAffinities, readResourceSetSync } from '../../calico/node/datastore-view.ts';
import { calicoCompileSelector, reconcileTunnelAddresses } from '../../calico/node/allocateip.ts';
import { felixConfigFrom } from '../../calico/cluster/cluster.ts';
import type { NodeAgentEvent } from '../../calico/node/agent.ts';
import { birdArgv, birdConfigure, birdProtocols } from './bird.ts';
import type { BirdInstall } from './bird.ts';
import { birdSessions, sessionChanges } from './bird-sessions.ts';
import type { BirdSession } from './bird-sessions.ts';
import { LinuxDataplane } from './dataplane.ts';
import { procSysAccess } from './proc-sys.ts';
import { readLinks, reader } from './kernel-read.ts';
import type { KAddress, KLink } from './kernel-read.ts';
import { localExec } from './exec.ts';
import type { Exec } from './exec.ts';
import { AGENT_WATCH_ROOT, AgentInputs } from './agent-inputs.ts';
import type { AgentNeeds } from './agent-inputs.ts';

/** An agent event: calico-node's events plus the sync marks the engine converges on. */
export type AgentEvent =
  | NodeAgentEvent
  | { readonly type: 'in-sync'; readonly node: string; readonly t: number; readonly revision: number }
  | { readonly type: 'bird'; readonly node: string; readonly t: number; readonly action: 'started' | 'reused' | 'reconfigured'; readonly pid?: number };

/** Options of a real calico-node. */
export interface LinuxAgentOptions {
  readonly node: string;
  /** The node's own directory: BIRD's files, socket, pid file and log. */
  readonly dir: string;
  readonly ds: Datastore;
  readonly bird: BirdInstall;
  readonly emit: (e: AgentEvent) => void;
  /** Where commands run (default: here — the agent lives in the node's namespace). */
  readonly exec?: Exec;
  /** How often BGP sessions and BIRD's routes are read (default 1000 ms). */
  readonly pollMs?: number;
  /** How long a burst of datastore changes is gathered before a pass (default 30 ms; an IPAM assignment is several writes). */
  readonly coalesceMs?: number;
  /** How often Felix re-applies even when nothing changed, repairing drift (default 60 s; Felix's route refresh is 90 s). */
  readonly resyncMs?: number;
  /** Starts BIRD, detached (default: here, like the agent itself; a test runs it in the namespace its `exec` targets). */
  readonly startDaemon?: (argv: readonly string[]) => ChildProcess;
}

/** BIRD detached, so it outlives an agent crash or restart, as bird does beside Felix in calico-node. */
function startDetached(argv: readonly string[]): ChildProcess {
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/** The paths of the node's BIRD. */
export function birdPaths(dir: string): { config: string; socket: string; pidFile: string; logFile: string } {
  return { config: join(dir, 'bird.cfg'), socket: join(dir, 'bird.ctl'), pidFile: join(dir, 'bird.pid'), logFile: join(dir, 'bird.log') };
}

/** Host interfaces (Felix's MTU and VXLAN parent detection), read as the driver reads links and addresses. */
export async function readHostInterfaces(exec: Exec): Promise<HostInterface[]> {
  return hostInterfacesOf(await readLinks(reader(exec, 'host interfaces')));
}

/** Host interfaces from links and addresses as the driver parsed them. */
function hostInterfacesOf(k: { links: readonly KLink[]; addresses: readonly KAddress[] }): HostInterface[] {
  return k.links.map((l) => ({ name: l.name, mtu: l.mtu, up: l.up, addresses: k.addresses.filter((a) => a.dev === l.name).map((a) => a.cidr) }));
}

/** One real calico-node. */
export class LinuxNodeAgent {
  readonly node: string;
  private readonly exec: Exec;
  private readonly ipam: IpamClient;
  private readonly dataplane: LinuxDataplane;
  /** The datastore as the watch has delivered it (set by start()). */
  private inputs: AgentInputs | undefined;
  /** Which components have changes to process (all of them for the first pass). */
  private readonly need: AgentNeeds = { alloc: true, felix: true, confd: true };
  private felixFailed = false;
  private allocFailed = false;
  private confdFailed = false;
  private intent: BgpIntent | undefined;
  private rendered = new Map<string, string>();
  private birdPid: number | undefined;
  private sessions: BirdSession[] = [];
  private birdRoutes = new Set<string>();
  private allocSig = '';
  /** The desired dataplane last applied without error, as text: an unchanged one is not re-applied. */
  private appliedSig = '';
  /** FelixConfiguration as last parsed, per listing (the replica keeps a listing's array until it changes). */
  private felixCfg: { kvs: readonly KeyValue[]; cfg: FelixConfig | undefined } | undefined;
  private resync: NodeJS.Timeout | undefined;
  private cancelWatch: (() => Promise<void>) | undefined;
  private poller: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** The newest revision the agent is known to be in sync with (what `in-sync` reports). */
  private syncedRev = -1;
  /** The newest revision of a change a pass must read. */
  private relevantRev = -1;
  private stopped = false;

  constructor(private readonly o: LinuxAgentOptions) {
    this.node = o.node;
    this.exec = o.exec ?? localExec;
    this.ipam = new IpamClient(o.ds, { compileSelector: calicoCompileSelector() });
    // With the local Exec the agent is in the node's namespace: sysctls through /proc/sys, as Felix writes them.
    this.dataplane = new LinuxDataplane(this.exec, { node: o.node, ...(o.exec ? {} : { sysctls: procSysAccess() }) });
    mkdirSync(o.dir, { recursive: true });
  }

  /** Lists the datastore once, follows its watch, runs the first pass, starts polling BIRD. */
  async start(): Promise<void> {
    const inputs = await AgentInputs.load(this.o.ds, this.node);
    this.inputs = inputs;
    // One watch over every key from the listing's revision on: events arrive in revision order,
    // so the caches at revision r hold every change up to r (what `in-sync` may then report).
    this.cancelWatch = await this.o.ds.watch(AGENT_WATCH_ROOT, inputs.seenRev + 1, (e) => {
      let needs: AgentNeeds;
      try {
        needs = inputs.apply(e);
      } catch (err) {
        // A value Felix cannot read (a hand-written endpoint without spec): reported, and Felix retries on the next change.
        this.felixFailed = true;
        this.error('felix', new Error(`${e.type === 'put' ? e.kv.key : e.key}: ${(err as Error).message}`));
        needs = { alloc: false, felix: true, confd: true };
      }
      this.changed(needs);
    });
    await this.schedule();
    this.poller = setInterval(() => void this.poll().catch((e) => this.error('confd', e)), this.o.pollMs ?? 1000);
    this.resync = setInterval(() => {
      // Felix's periodic resync: re-read the kernel and repair drift; the others re-check too.
      this.dataplane.queueResync();
      this.appliedSig = '';
      this.need.alloc = this.need.felix = this.need.confd = true;
      void this.schedule();
    }, this.o.resyncMs ?? 60_000);
  }

  /** Stops watching and polling; BIRD is stopped too unless `keepBird` (an agent restart keeps it). */
  async stop(opts: { keepBird?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    if (this.resync) clearInterval(this.resync);
    await this.cancelWatch?.();
    await this.running;
    if (!opts.keepBird && this.birdPid !== undefined && alive(this.birdPid)) process.kill(this.birdPid, 'SIGTERM');
  }

  /** A change the caches took in: a pass when it concerns a component here, else in sync at once. */
  private changed(n: AgentNeeds): void {
    const need = this.need;
    // A failed component retries on the next change of any kind, as Felix retries on its next update.
    need.felix ||= n.felix || this.felixFailed;
    need.alloc ||= n.alloc || this.allocFailed;
    need.confd ||= n.confd || this.confdFailed;
    if (n.felix || n.alloc || n.confd || this.felixFailed || this.allocFailed || this.confdFailed) {
      this.relevantRev = this.inputs!.seenRev;
      void this.schedule();
    } else if (!this.running && this.relevantRev <= this.syncedRev) {
      this.markInSync(this.inputs!.seenRev);
    }
  }

  private markInSync(revision: number): void {
    if (revision <= this.syncedRev) return;
    this.syncedRev = revision;
    this.o.emit({ type: 'in-sync', node: this.node, t: this.now(), revision });
  }

  /** Runs a pass now, or once more after the running one (changes during a pass are not lost). */
  schedule(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await new Promise((r) => setTimeout(r, this.o.coalesceMs ?? 30));
        await this.pass();
      } while (this.again && !this.stopped);
      this.running = undefined;
    })();
    return this.running;
  }

  private now(): number {
    return Date.now();
  }

  private error(component: 'felix' | 'confd' | 'allocateip', e: unknown): void {
    this.o.emit({ type: 'error', node: this.node, t: this.now(), component, message: (e as Error).message });
  }

  /** One pass over the caches as they are now: allocateip, Felix, confd — each only if a change concerned it. */
  private async pass(): Promise<void> {
    const inputs = this.inputs!;
    // The caches only move forward: what the pass reads holds every change up to here.
    const revision = inputs.seenRev;
    const n = this.need;
    if (n.alloc) { n.alloc = false; await this.allocateip(inputs); }
    if (n.felix) { n.felix = false; await this.felix(inputs); }
    if (n.confd) { n.confd = false; await this.confd(inputs); }
    // Changes after `revision` that concerned nothing here count too, unless one that does came after them.
    this.markInSync(this.relevantRev <= revision ? inputs.seenRev : revision);
  }

  private async allocateip(inputs: AgentInputs): Promise<void> {
    const sig = JSON.stringify([inputs.list(resourcePrefix('IPPool')).map((kv) => [kv.key, kv.value]), inputs.replica.getSync(resourceKey('Node', this.node))?.value ?? null]);
    if (sig === this.allocSig) return;
    try {
      // Reconciling reads and writes the datastore itself (IPAM's compare-and-swap needs the store, not a cache).
      await reconcileTunnelAddresses(this.o.ds, this.ipam, this.node);
      this.allocSig = sig;
      this.allocFailed = false;
    } catch (e) {
      this.allocSig = '';
      this.allocFailed = true;
      this.error('allocateip', e);
    }
  }

  private felixConfig(inputs: AgentInputs): FelixConfig | undefined {
    const kvs = inputs.list(resourcePrefix('FelixConfiguration'));
    if (this.felixCfg?.kvs !== kvs) {
      const manifests = kvs.map((kv) => ({ kind: 'FelixConfiguration', name: String((kv.value as { metadata?: { name?: string } }).metadata?.name ?? ''), manifest: kv.value as Record<string, unknown> }));
      this.felixCfg = { kvs, cfg: felixConfigFrom(manifests, this.node) };
    }
    return this.felixCfg.cfg;
  }

  private async felix(inputs: AgentInputs): Promise<void> {
    try {
      // The driver's read of links and addresses: the apply below uses it too (one read per pass).
      const [model, hostInterfaces] = await Promise.all([inputs.policyModel(), this.dataplane.readInterfaces().then(hostInterfacesOf)]);
      const cfg = this.felixConfig(inputs);
      // This node's endpoints through the cache's index by node; the cluster's list is built only if read.
      const snap = inputs.felix.snapshot({
        nodeName: this.node, hostInterfaces, policies: model.policies, tiers: model.tiers, namespaces: model.namespaces,
        serviceAccounts: model.serviceAccounts, services: model.services, ...(cfg ? { config: cfg } : {}),
      });
      const desired = computeDesired(snap);
      // Remote endpoints and blocks matter here only through VXLAN routes and selector IP sets
      // (their members are cluster-wide); otherwise a pod elsewhere is not news to this Felix.
      const vxlan = encapsEnabled(snap).vxlan;
      inputs.interest.blocks = vxlan;
      inputs.interest.remoteEndpoints = vxlan || desired.ipsets.some((s) => !felixOwnIpsets.has(s.name));
      // Like Felix, work follows changes: a desired dataplane as it was costs no kernel read at all.
      const sig = JSON.stringify(desired);
      if (sig === this.appliedSig) { this.felixFailed = false; return; }
      const changes = await this.dataplane.apply(desired);
      this.appliedSig = sig;
      this.felixFailed = false;
      if (changes.length > 0) this.o.emit({ type: 'felix', node: this.node, t: this.now(), changes });
    } catch (e) {
      // Felix logs the failure and retries on its next pass; BGP keeps running.
      this.felixFailed = true;
      this.error('felix', e);
    }
  }

  private async confd(inputs: AgentInputs): Promise<void> {
    try {
      // The parsed set is the same object while confd's listings are (a Node or BGP resource changed: rebuilt).
      const { set } = readResourceSetSync(inputs.replica);
      if (!set.nodes.some((n) => n.meta.name === this.node)) { this.confdFailed = false; return; }
      // This node's intent reads only its own affinities; the cluster-wide input and peerings are shared per set.
      const blocks = await readAffinities(inputs.replica, [this.node]);
      const { input, peerings } = confdClusterInput(set);
      const intent = computeBgpIntent({ ...input, blocks }, this.node, peerings);
      this.intent = intent;
      const files = renderBirdFilesFor(intent, { dialect: this.o.bird.dialect, includeDir: this.o.dir });
      let changed = false;
      for (const [name, text] of Object.entries(files)) {
        if (this.rendered.get(name) === text) continue;
        const path = join(this.o.dir, name);
        if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
          writeFileSync(path, text);
          changed = true;
        }
        this.rendered.set(name, text);
      }
      await this.ensureBird(changed);
      this.confdFailed = false;
    } catch (e) {
      this.confdFailed = true;
      this.error('confd', e);
    }
  }

  /** Starts BIRD when none runs for this node; otherwise reloads it when its files changed. */
  private async ensureBird(changed: boolean): Promise<void> {
    const p = birdPaths(this.o.dir);
    if (this.birdPid === undefined && existsSync(p.pidFile)) {
      const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
      if (pid > 0 && alive(pid)) {
        this.birdPid = pid;
        this.o.emit({ type: 'bird', node: this.node, t: this.now(), action: 'reused', pid });
      }
    }
    if (this.birdPid !== undefined && alive(this.birdPid)) {
      if (changed) {
        await birdConfigure(this.exec, this.o.bird, p.socket);
        this.o.emit({ type: 'bird', node: this.node, t: this.now(), action: 'reconfigured', pid: this.birdPid });
        this.emitConfd();
      }
      return;
    }
    const child = (this.o.startDaemon ?? startDetached)(birdArgv(this.o.bird, p));
    this.birdPid = child.pid;
    this.o.emit({ type: 'bird', node: this.node, t: this.now(), action: 'started', ...(child.pid !== undefined ? { pid: child.pid } : {}) });
    this.emitConfd();
  }

  private emitConfd(): void {
    const i = this.intent;
    if (!i) return;
    this.o.emit({ type: 'confd', node: this.node, t: this.now(), peers: i.peers.map((x) => x.name), announced: [...i.blackholes, ...i.staticRoutes], caveats: [] });
  }

  /** Reads BIRD's sessions and its kernel routes; reports what changed. */
  private async poll(): Promise<void> {
    if (this.stopped || !this.intent || this.birdPid === undefined) return;
    const p = birdPaths(this.o.dir);
    let rows;
    try {
      rows = await birdProtocols(this.exec, this.o.bird, p.socket);
    } catch {
      return; // BIRD still starting: its socket appears in a moment
    }
    const peerOf = new Map(this.intent.peers.map((x) => [x.name, x.ip]));
    const now = birdSessions(rows, peerOf);
    const t = this.now();
    for (const c of sessionChanges(this.sessions, now)) {
      this.o.emit({ type: 'bgp-session', node: this.node, t, peer: c.peer, name: c.name, from: c.from, to: c.to, reason: c.reason });
    }
    this.sessions = now;
    const r = await this.exec(['ip', 'route', 'show', 'proto', 'bird']);
    if (r.code !== 0) return;
    const routes = new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
    for (const x of routes) if (!this.birdRoutes.has(x)) this.o.emit({ type: 'route', node: this.node, t, action: 'add', route: x, reason: 'learned over BGP' });
    for (const x of this.birdRoutes) if (!routes.has(x)) this.o.emit({ type: 'route', node: this.node, t, action: 'delete', route: x, reason: 'withdrawn' });
    this.birdRoutes = routes;
  }
}
