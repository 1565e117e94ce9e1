/**
 * Convergence of a Calico cluster as counters of pending work, kept up to date from the
 * speakers' own events instead of re-scanning the cluster after every simulated event:
 *
 * - sessions: the peers (of every calico-node and fabric router speaker) whose session is
 *   not Established;
 * - routes: the (node A, block P of node B ≠ A) pairs where A's Loc-RIB has no best path
 *   for P — every node must learn every other node's blocks.
 *
 * `converged()` is `pendingSessions() === 0 && missingRoutes() === 0`, the same predicate
 * as the all-pairs scan (`scanConverged`, kept for tests and as the definition).
 *
 * Route counting. For a prefix P let O(P) be the speaking nodes announcing it as a block
 * (its owners), S the nodes with a speaker and H(P) ⊆ S those whose Loc-RIB has a best path
 * for P. Owner b is missing P at |S \ {b}| − |H(P) \ {b}| = |S| − 1 − h(P) + [b ∈ H(P)]
 * nodes; the total is the sum over owners. A best-path change moves h(P) by one, so the total
 * moves by ∓(|O(P)| − [A ∈ O(P)]): O(owners of P), not O(cluster). A node starting to speak
 * adds one to every owner's term (Σ|O(P)| in all) and takes its own best paths off: O(its
 * Loc-RIB), so a cluster's N speakers starting cost O(N), not O(N²). A speaker replaced or
 * gone (rare) recounts everything once.
 *
 * Whether a node has a best path for P is read from its Loc-RIB, and the speaker's route
 * events say whether one appeared ('added') or went ('withdrawn'): no per-node copy of the
 * prefixes (that was nodes × nodes entries).
 */
import type { Speaker, SpeakerEvent } from '../../bgp/index.ts';

/** The all-pairs definition of convergence (what the counters must always equal). */
export function scanConverged(
  agents: readonly { readonly speaker: Speaker | undefined; readonly intent: { readonly blackholes: readonly string[] } | undefined }[],
  routers: readonly Speaker[],
): boolean {
  for (const sp of [...agents.map((a) => a.speaker), ...routers]) {
    if (!sp) continue;
    for (const p of sp.peers.values()) if (p.session.state !== 'Established') return false;
  }
  const speaking = agents.filter((a) => a.speaker);
  for (const a of speaking) {
    for (const b of speaking) {
      if (a === b) continue;
      for (const prefix of b.intent?.blackholes ?? []) if (!a.speaker!.rib.get(prefix)?.best) return false;
    }
  }
  return true;
}

interface PrefixState {
  /** Speaking nodes with a best path for the prefix. */
  have: number;
  /** Nodes with a speaker announcing it as a block. */
  readonly owners: Set<string>;
  /** owners.size, kept beside the count a route event reads (the set itself is a few pointers further). */
  ownerCount: number;
}

interface NodeState {
  speaker: Speaker | undefined;
  unsubscribe: (() => void) | undefined;
  /** The blocks this node announces (its intent's blackholes). */
  blocks: readonly string[];
  /**
   * The records of the prefixes this node owns (a block or two): a route event asks whether
   * its node owns the prefix by identity among these, not by a lookup of the node's name in
   * the prefix's owner set.
   */
  owned: PrefixState[];
}

/** Pending sessions and missing routes of a cluster, updated incrementally. */
export class ConvergenceTracker {
  private readonly nodes = new Map<string, NodeState>();
  /** Speaker → addresses of its peers that are not Established. */
  private readonly notEstablished = new Map<Speaker, Set<string>>();
  private pendingSessionCount = 0;
  /**
   * Prefix → its owners (nodes with a speaker announcing it; empty set: none) and the number of
   * speaking nodes with a best path for it: one record, so a route event costs one lookup.
   */
  private readonly prefixes = new Map<string, PrefixState>();
  private speaking = 0;
  /** Σ over prefixes of their owner count: the pairs a new speaking node adds one to. */
  private ownerPairs = 0;
  private missing = 0;

  /** True when no session is pending and every node has every other node's blocks. */
  converged(): boolean {
    return this.pendingSessionCount === 0 && this.missing === 0;
  }

  /** Peers whose session is not Established, across every tracked speaker. */
  pendingSessions(): number {
    return this.pendingSessionCount;
  }

  /** (node, remote block) pairs not yet in the node's Loc-RIB. */
  missingRoutes(): number {
    return this.missing;
  }

  /** A fabric router's speaker: only its sessions count. */
  addRouter(sp: Speaker): void {
    this.watchSessions(sp);
  }

  /**
   * A calico-node's speaker and blocks after a confd pass (or a new speaker): re-reads the
   * speaker's peers (confd adds and removes them without session events) and its blocks.
   */
  setNode(node: string, speaker: Speaker | undefined, blocks: readonly string[]): void {
    let st = this.nodes.get(node);
    if (!st) this.nodes.set(node, (st = { speaker: undefined, unsubscribe: undefined, blocks: [], owned: [] }));
    if (st.speaker !== speaker) {
      const starts = st.speaker === undefined && st.blocks.length === 0;
      st.unsubscribe?.();
      if (st.speaker) this.dropSessions(st.speaker);
      st.speaker = speaker;
      st.unsubscribe = speaker ? this.watch(node, speaker) : undefined;
      if (starts && speaker) {
        this.startSpeaking(node, speaker);
        this.setBlocks(node, st, blocks);
      } else {
        st.blocks = speaker ? [...blocks] : [];
        this.recount();
      }
    } else if (speaker) {
      this.setBlocks(node, st, blocks);
    }
    if (speaker) this.rescanSessions(speaker);
  }

  /** A node without blocks starts speaking: every owner's term grows by one, its own best paths come off. */
  private startSpeaking(node: string, sp: Speaker): void {
    this.speaking++;
    this.missing += this.ownerPairs;
    for (const d of sp.rib.destinations()) {
      if (!d.best) continue;
      const ps = this.prefix(d.prefix);
      ps.have++;
      const o = ps.owners;
      if (o.size > 0) this.missing -= o.size - (o.has(node) ? 1 : 0);
    }
  }

  /** The record of a prefix, made when first seen. */
  private prefix(p: string): PrefixState {
    let ps = this.prefixes.get(p);
    if (!ps) this.prefixes.set(p, (ps = { have: 0, owners: new Set(), ownerCount: 0 }));
    return ps;
  }

  private watch(node: string, sp: Speaker): () => void {
    const offSessions = this.watchSessions(sp);
    // A node's state object lives as long as the tracker (setNode makes it once).
    const st = this.nodes.get(node)!;
    const offRoutes = sp.on((e: SpeakerEvent) => {
      if (e.type !== 'route' || e.action === 'changed') return;
      if (st.speaker !== sp) return;
      const has = e.action === 'added';
      const ps = this.prefix(e.prefix);
      ps.have += has ? 1 : -1;
      const n = ps.ownerCount;
      if (n > 0) this.missing += (has ? -1 : 1) * (n - (st.owned.includes(ps) ? 1 : 0));
    });
    return () => { offSessions(); offRoutes(); };
  }

  private watchSessions(sp: Speaker): () => void {
    this.rescanSessions(sp);
    return sp.on((e: SpeakerEvent) => {
      if (e.type !== 'session') return;
      const set = this.notEstablished.get(sp);
      if (!set) return;
      const p = sp.peers.get(e.peer);
      const pending = p !== undefined && p.session.state !== 'Established';
      if (pending === set.has(e.peer)) return;
      if (pending) set.add(e.peer);
      else set.delete(e.peer);
      this.pendingSessionCount += pending ? 1 : -1;
    });
  }

  private rescanSessions(sp: Speaker): void {
    this.dropSessions(sp);
    const set = new Set<string>();
    for (const [addr, p] of sp.peers) if (p.session.state !== 'Established') set.add(addr);
    this.notEstablished.set(sp, set);
    this.pendingSessionCount += set.size;
  }

  private dropSessions(sp: Speaker): void {
    const old = this.notEstablished.get(sp);
    if (old) this.pendingSessionCount -= old.size;
    this.notEstablished.delete(sp);
  }

  /** Missing pairs contributed by owner `b` of prefix `p` (b speaks). */
  private missingFor(b: string, p: string): number {
    const inH = this.nodes.get(b)!.speaker?.rib.get(p)?.best ? 1 : 0;
    return this.speaking - 1 - (this.prefixes.get(p)?.have ?? 0) + inH;
  }

  private setBlocks(node: string, st: NodeState, blocks: readonly string[]): void {
    const next = new Set(blocks);
    const prev = new Set(st.blocks);
    for (const p of prev) {
      if (next.has(p)) continue;
      this.missing -= this.missingFor(node, p);
      const ps = this.prefixes.get(p)!;
      ps.owners.delete(node);
      ps.ownerCount = ps.owners.size;
      this.ownerPairs--;
      if (ps.owners.size === 0 && ps.have === 0) this.prefixes.delete(p);
    }
    for (const p of next) {
      if (prev.has(p)) continue;
      const ps = this.prefix(p);
      ps.owners.add(node);
      ps.ownerCount = ps.owners.size;
      this.ownerPairs++;
      this.missing += this.missingFor(node, p);
    }
    st.blocks = [...blocks];
    this.ownedOf(node, st);
  }

  /** Finds again the records of the prefixes `node` owns (after its blocks or the records changed). */
  private ownedOf(node: string, st: NodeState): void {
    st.owned = [];
    for (const p of st.blocks) {
      const ps = this.prefixes.get(p);
      if (ps && ps.owners.has(node) && !st.owned.includes(ps)) st.owned.push(ps);
    }
  }

  /** Rebuilds owners, best-path counts and the total from the nodes' state. */
  private recount(): void {
    this.prefixes.clear();
    this.speaking = 0;
    this.ownerPairs = 0;
    for (const [name, st] of this.nodes) {
      if (!st.speaker) continue;
      this.speaking++;
      for (const d of st.speaker.rib.destinations()) if (d.best) this.prefix(d.prefix).have++;
      for (const p of st.blocks) {
        const ps = this.prefix(p);
        if (!ps.owners.has(name)) this.ownerPairs++;
        ps.owners.add(name);
        ps.ownerCount = ps.owners.size;
      }
    }
    this.missing = 0;
    for (const [p, ps] of this.prefixes) for (const b of ps.owners) this.missing += this.missingFor(b, p);
    for (const [name, st] of this.nodes) this.ownedOf(name, st);
  }
}
