/**
 * Reads, off a simulated lab, the facts bgp-why.ts turns into a reason for every session that
 * is not Established: the speakers' configurations on both ends (through the cluster the
 * simulator's ClusterControl wraps), the peer node's power state, `ip route get PEER` on our
 * node, a traced TCP connect to PEER:179 (the Prober), and the last NOTIFICATION from the
 * cluster's event log. The log is read incrementally: each call scans only the events
 * appended since the previous one.
 */
import type { Speaker } from '../bgp/speaker.ts';
import type { CalicoCluster } from '../calico/cluster/cluster.ts';
import type { Topology } from '../model/types.ts';
import { formatIPv4 } from '../net/ip.ts';
import type { LabDriver } from '../scenario/driver.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { isolatedNodeText, sessionWhy } from './bgp-why.ts';
import type { SessionFacts } from './bgp-why.ts';
import type { Prober } from './probe.ts';
import type { SessionResult } from './types.ts';

/** Explains down sessions of one lab; keeps its place in the cluster's event log between calls. */
export class BgpExplainer {
  private readonly owner = new Map<string, string>();
  private readonly addrs = new Map<string, string[]>();
  private readonly lastNotification = new Map<string, string>();
  private scanned = 0;

  constructor(
    private readonly t: Topology,
    private readonly cluster: CalicoCluster,
    private readonly lab: SimLab,
    private readonly driver: LabDriver,
    private readonly prober: Prober,
    private readonly meshEnabled: boolean,
  ) {
    for (const n of t.nodes) {
      const mine = n.interfaces.flatMap((i) => (i.address ? [formatIPv4(i.address.addr)] : []));
      this.addrs.set(n.name, mine);
      for (const a of mine) this.owner.set(a, n.name);
    }
  }

  private speaker(node: string): Speaker | undefined {
    return this.cluster.agents.get(node)?.speaker ?? this.cluster.routers.get(node)?.speaker;
  }

  private readLog(): void {
    // The compact log, read from where the last call stopped (cluster.events would rebuild every event).
    const log = this.cluster.eventLog;
    for (; this.scanned < log.length; this.scanned++) {
      const e = log.at(this.scanned)!;
      if (e.type === 'bgp-session' && /^(Error|Received): /.test(e.reason)) this.lastNotification.set(`${e.node}|${e.peer}`, e.reason);
    }
  }

  /**
   * The sessions with `why` filled in for those not Established, plus one line per k8s node
   * that has no session at all. `probe` false skips the TCP 179 connect (failure cases, where
   * the cause is nearly always the failure itself and hundreds of sessions may be down).
   */
  async explain(sessions: readonly SessionResult[], probe = true): Promise<{ sessions: SessionResult[]; isolated: string[] }> {
    this.readLog();
    const out: SessionResult[] = [];
    for (const s of sessions) {
      if (s.state === 'Established') {
        out.push(s);
        continue;
      }
      const why = sessionWhy(await this.facts(s, probe));
      out.push({ ...s, why: why.text, whyClass: why.class });
    }
    const isolated: string[] = [];
    const withSessions = new Set(sessions.map((s) => s.node));
    if (withSessions.size > 0) {
      for (const n of this.cluster.agents.keys()) if (!withSessions.has(n) && !this.lab.kernel(n).stopped) isolated.push(isolatedNodeText(n, this.meshEnabled));
    }
    return { sessions: out, isolated };
  }

  private async facts(s: SessionResult, probe: boolean): Promise<SessionFacts> {
    const mine = this.speaker(s.node);
    const cfg = mine?.peer(s.peer)?.config;
    const peerNode = this.owner.get(s.peer);
    const base = { node: s.node, peer: s.peer, state: s.state, expectedAs: cfg?.as ?? 0, localAs: mine?.localAs ?? 0 };
    const last = this.lastNotification.get(`${s.node}|${s.peer}`);
    const withLast = last ? { ...base, lastNotification: last } : base;
    if (this.lab.kernel(s.node).stopped) return { ...withLast, selfStopped: true };
    if (peerNode === undefined) return withLast;
    if (this.lab.kernel(peerNode).stopped) return { ...withLast, peerNode, peerStopped: true };
    const ps = this.speaker(peerNode);
    if (!ps) return { ...withLast, peerNode };
    const back = (this.addrs.get(s.node) ?? []).map((a) => ps.peer(a)?.config).find((c) => c !== undefined);
    const peerSpeaker = { localAs: ps.localAs, peersBack: back !== undefined, ...(back ? { expectsAs: back.as } : {}) };
    const route = await this.driver.exec(s.node, ['ip', 'route', 'get', s.peer]);
    const facts: SessionFacts = { ...withLast, peerNode, peerSpeaker, ...(route.code === 0 ? { routeToPeer: route.stdout.split('\n')[0]!.trim() } : {}) };
    if (route.code !== 0 || !probe) return facts;
    const from = { id: s.node, kind: 'node' as const, node: s.node, execNode: s.node, ip: (this.addrs.get(s.node) ?? [''])[0]! };
    const to = { id: peerNode, kind: 'node' as const, node: peerNode, execNode: peerNode, ip: s.peer };
    const r = await this.prober.probe(from, to, { port: 179 });
    return r.ok ? facts : { ...facts, port179: r.reason ?? 'no answer' };
  }
}
