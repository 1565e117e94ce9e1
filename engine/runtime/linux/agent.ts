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
 * It watches the datastore (Calico's `/calico/` and podlab's stand-in API objects under
 * `/podlab/k8s/`) and processes changes in coalesced passes; every pass reports the revision
 * it saw (`in-sync`), which is how the engine knows Felix and confd caught up. BGP session
 * changes (from `show protocols`) and BIRD's kernel routes (`proto bird`) are polled and
 * reported as events. Events go to `emit` — the CLI prints them as JSON lines on stdout.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive as alive } from './process.ts';
import type { Datastore } from '../../calico/datastore/index.ts';
import { CALICO_ROOT, resourcePrefix } from '../../calico/datastore/index.ts';
import { IpamClient } from '../../calico/ipam/index.ts';
import { computeDesired, readSnapshot } from '../../calico/felix/index.ts';
import type { HostInterface } from '../../calico/felix/index.ts';
import { computeBgpIntent, confdInputFromResources, renderBirdFilesFor } from '../../calico/confd/index.ts';
import type { BgpIntent } from '../../calico/confd/index.ts';
import { readAffinities, readResourceSet } from '../../calico/node/datastore-view.ts';
import { calicoCompileSelector, reconcileTunnelAddresses } from '../../calico/node/allocateip.ts';
import { K8S_ROOT, readPolicyModel } from '../../calico/node/k8s-objects.ts';
import { classifyChange } from '../../calico/node/watch-fanout.ts';
import { felixConfigFrom } from '../../calico/cluster/cluster.ts';
import type { NodeAgentEvent } from '../../calico/node/agent.ts';
import { birdArgv, birdConfigure, birdProtocols } from './bird.ts';
import type { BirdInstall } from './bird.ts';
import { birdSessions, sessionChanges } from './bird-sessions.ts';
import type { BirdSession } from './bird-sessions.ts';
import { LinuxDataplane } from './dataplane.ts';
import { parseAddresses, parseLinks } from './kernel-read.ts';
import { localExec } from './exec.ts';
import type { Exec } from './exec.ts';

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
}

/** The paths of the node's BIRD. */
export function birdPaths(dir: string): { config: string; socket: string; pidFile: string; logFile: string } {
  return { config: join(dir, 'bird.cfg'), socket: join(dir, 'bird.ctl'), pidFile: join(dir, 'bird.pid'), logFile: join(dir, 'bird.log') };
}

/** Host interfaces from `ip -j addr` (Felix's MTU and VXLAN parent detection), read with the driver's parsers. */
export async function readHostInterfaces(exec: Exec): Promise<HostInterface[]> {
  const r = await exec(['ip', '-j', 'addr', 'show']);
  if (r.code !== 0) throw new Error(`ip -j addr show: ${r.stderr.trim()}`);
  const addresses = parseAddresses(r.stdout);
  return parseLinks(r.stdout).map((l) => ({ name: l.name, mtu: l.mtu, up: l.up, addresses: addresses.filter((a) => a.dev === l.name).map((a) => a.cidr) }));
}

/** One real calico-node. */
export class LinuxNodeAgent {
  readonly node: string;
  private readonly exec: Exec;
  private readonly ipam: IpamClient;
  private readonly dataplane: LinuxDataplane;
  private intent: BgpIntent | undefined;
  private rendered = new Map<string, string>();
  private birdPid: number | undefined;
  private sessions: BirdSession[] = [];
  private birdRoutes = new Set<string>();
  private allocSig = '';
  /** The desired dataplane last applied without error, as text: an unchanged one is not re-applied. */
  private appliedSig = '';
  private resync: NodeJS.Timeout | undefined;
  private cancelWatch: (() => Promise<void>) | undefined;
  private poller: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** The newest revision the agent is known to be in sync with (what `in-sync` reports). */
  private syncedRev = -1;
  /** The newest revision of a change a pass must read, and of one no pass needs. */
  private relevantRev = -1;
  private skippedRev = -1;
  private stopped = false;

  constructor(private readonly o: LinuxAgentOptions) {
    this.node = o.node;
    this.exec = o.exec ?? localExec;
    this.ipam = new IpamClient(o.ds, { compileSelector: calicoCompileSelector() });
    this.dataplane = new LinuxDataplane(this.exec, { node: o.node });
    mkdirSync(o.dir, { recursive: true });
  }

  /** Watches the datastore, runs the first pass, starts polling BIRD. */
  async start(): Promise<void> {
    const cancels = await Promise.all([
      // IPAM's bookkeeping (handles, allocations inside a block) is most of a pod's writes and
      // news to neither Felix nor confd: only changes they read start a pass.
      this.o.ds.watch(CALICO_ROOT, undefined, (e) => {
        const c = classifyChange(e);
        if (c.kind === 'other' || (c.kind === 'block' && !c.felixChanged)) this.skipped(e.revision);
        else this.relevant(e.revision);
      }),
      this.o.ds.watch(K8S_ROOT, undefined, (e) => this.relevant(e.revision)),
    ]);
    this.cancelWatch = async () => { await Promise.all(cancels.map((c) => c())); };
    await this.schedule();
    this.poller = setInterval(() => void this.poll().catch((e) => this.error('confd', e)), this.o.pollMs ?? 1000);
    this.resync = setInterval(() => {
      this.appliedSig = '';
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

  private relevant(revision: number): void {
    this.relevantRev = Math.max(this.relevantRev, revision);
    void this.schedule();
  }

  /** A change nothing here reads: the agent is in sync with it as soon as it is with what came before. */
  private skipped(revision: number): void {
    this.skippedRev = Math.max(this.skippedRev, revision);
    if (!this.running && this.relevantRev <= this.syncedRev) this.markInSync(Math.max(this.syncedRev, this.skippedRev));
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

  /** One pass over the datastore as it is now: allocateip, Felix, confd. */
  private async pass(): Promise<void> {
    const revision = await this.o.ds.revision();
    await this.allocateip();
    await this.felix();
    await this.confd();
    // Skipped changes newer than what the pass read count only when no change it must read came after them.
    this.markInSync(this.relevantRev <= revision ? Math.max(revision, this.skippedRev) : revision);
  }

  private async allocateip(): Promise<void> {
    const [pools, node] = await Promise.all([this.o.ds.list(resourcePrefix('IPPool')), this.o.ds.get(`${resourcePrefix('Node')}${this.node}`)]);
    const sig = JSON.stringify([pools.kvs.map((kv) => [kv.key, kv.value]), node?.value ?? null]);
    if (sig === this.allocSig) return;
    try {
      await reconcileTunnelAddresses(this.o.ds, this.ipam, this.node);
      this.allocSig = sig;
    } catch (e) {
      this.allocSig = '';
      this.error('allocateip', e);
    }
  }

  private async felix(): Promise<void> {
    try {
      const [model, felixCfg, hostInterfaces] = await Promise.all([
        readPolicyModel(this.o.ds), this.o.ds.list(resourcePrefix('FelixConfiguration')), readHostInterfaces(this.exec),
      ]);
      const cfg = felixConfigFrom(felixCfg.kvs.map((kv) => ({ kind: 'FelixConfiguration', name: String((kv.value as { metadata?: { name?: string } }).metadata?.name ?? ''), manifest: kv.value as Record<string, unknown> })), this.node);
      const snap = await readSnapshot(this.o.ds, {
        nodeName: this.node, hostInterfaces, policies: model.policies, tiers: model.tiers, namespaces: model.namespaces,
        serviceAccounts: model.serviceAccounts, services: model.services, ...(cfg ? { config: cfg } : {}),
      });
      const desired = computeDesired(snap);
      // Like Felix, work follows changes: a write that leaves this node's dataplane as it was
      // (most writes elsewhere in the cluster) costs no kernel read at all.
      const sig = JSON.stringify(desired);
      if (sig === this.appliedSig) return;
      const changes = await this.dataplane.apply(desired);
      this.appliedSig = sig;
      if (changes.length > 0) this.o.emit({ type: 'felix', node: this.node, t: this.now(), changes });
    } catch (e) {
      // Felix logs the failure and retries on its next pass; BGP keeps running.
      this.error('felix', e);
    }
  }

  private async confd(): Promise<void> {
    try {
      const { set } = await readResourceSet(this.o.ds);
      if (!set.nodes.some((n) => n.meta.name === this.node)) return;
      const blocks = await readAffinities(this.o.ds, set.nodes.map((n) => n.meta.name));
      const intent = computeBgpIntent(confdInputFromResources(set, { blocks }), this.node);
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
    } catch (e) {
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
    // Detached, so BIRD outlives an agent crash or restart, as bird does beside Felix in calico-node.
    const child = spawn(birdArgv(this.o.bird, p)[0]!, birdArgv(this.o.bird, p).slice(1), { detached: true, stdio: 'ignore' });
    child.unref();
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
