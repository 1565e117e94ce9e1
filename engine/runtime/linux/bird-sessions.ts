/**
 * BGP session states read from BIRD's `show protocols`, in the FSM's words, and the changes
 * between two readings — what the agent reports for its node's BIRD and the engine for a
 * router's. BIRD prints a BGP protocol as `up … Established`, or `start … Active|Connect|
 * OpenSent|OpenConfirm|Idle`, or `down`; the protocol name maps back to the peer address
 * through whoever rendered the config (confd's intent, the router renderer).
 */
import type { State } from '../../bgp/fsm.ts';
import type { ShowProtocolsRow } from '../../calico/confd/index.ts';

/** One BGP protocol's session as the UI and expectations want it. */
export interface BirdSession {
  readonly name: string;
  readonly peer: string;
  readonly state: State;
  /** BIRD's own words after the state (`Received: Hold timer expired`…), for reasons. */
  readonly info: string;
}

const FSM: readonly State[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** The FSM state of one `show protocols` BGP row. */
export function rowState(r: ShowProtocolsRow): State {
  const word = r.info.split(/\s+/)[0] ?? '';
  if (FSM.includes(word as State)) return word as State;
  return r.state === 'up' ? 'Established' : 'Idle';
}

/** The BGP rows whose protocol names a known peer, as sessions. */
export function birdSessions(rows: readonly ShowProtocolsRow[], peerOf: ReadonlyMap<string, string>): BirdSession[] {
  const out: BirdSession[] = [];
  for (const r of rows) {
    if (r.proto !== 'BGP') continue;
    const peer = peerOf.get(r.name);
    if (peer === undefined) continue;
    const state = rowState(r);
    out.push({ name: r.name, peer, state, info: r.info.split(/\s+/).slice(1).join(' ') });
  }
  return out;
}

/** A session whose state changed between two readings (a vanished protocol goes to Idle). */
export interface SessionChange {
  readonly name: string;
  readonly peer: string;
  readonly from: State;
  readonly to: State;
  readonly reason: string;
}

/** What changed from `before` to `after`, by protocol name. */
export function sessionChanges(before: readonly BirdSession[], after: readonly BirdSession[]): SessionChange[] {
  const old = new Map(before.map((s) => [s.name, s]));
  const out: SessionChange[] = [];
  for (const s of after) {
    const b = old.get(s.name);
    old.delete(s.name);
    const from = b?.state ?? 'Idle';
    if (from !== s.state) out.push({ name: s.name, peer: s.peer, from, to: s.state, reason: s.info || (s.state === 'Established' ? 'session up' : '') });
  }
  for (const b of old.values()) if (b.state !== 'Idle') out.push({ name: b.name, peer: b.peer, from: b.state, to: 'Idle', reason: 'protocol removed from the configuration' });
  return out;
}
