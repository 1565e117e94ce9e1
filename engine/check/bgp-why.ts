/**
 * Why a BGP session is not Established, from facts the check read off the simulated lab —
 * never guessed from the state name alone: the peer's node and speaker (stopped? which AS?
 * does it have a peering back to us?), the FIB of our node towards the peer, the trace of a
 * TCP 179 connect along the path (netfilter drops name their rule, a missing route names the
 * router), and the last NOTIFICATION the session logged. Pure: facts in, one reason out.
 *
 * The order is the order an operator would look in: is the peer there at all, can a packet
 * get to it, is port 179 let through, is the peer configured for us, do the AS numbers agree.
 * An earlier cause hides the later ones (no OPEN is ever exchanged with a filtered peer).
 */

/** The reason classes a session can be down for. */
export type SessionWhyClass = 'peer-down' | 'no-route' | 'filtered' | 'no-peering' | 'as-mismatch' | 'notification' | 'other';

/** What the check knows about one session that is not Established. */
export interface SessionFacts {
  readonly node: string;
  /** Our own node is powered off (its speaker object survives, its kernel does not answer). */
  readonly selfStopped?: boolean;
  /** The peer address as configured. */
  readonly peer: string;
  readonly state: string;
  /** The AS our side expects of the peer (its peer configuration). */
  readonly expectedAs: number;
  /** The lab node that owns the peer address; undefined when no node of the lab has it. */
  readonly peerNode?: string;
  /** The peer's node is powered off. */
  readonly peerStopped?: boolean;
  /** The peer's speaker, when its node runs one. */
  readonly peerSpeaker?: {
    readonly localAs: number;
    /** It has a peering configured for one of our node's addresses. */
    readonly peersBack: boolean;
    /** The AS it expects of us, when it peers back. */
    readonly expectsAs?: number;
  };
  /** Our own AS (for the mismatch seen from the other side). */
  readonly localAs: number;
  /** `ip route get PEER` on our node: undefined when our FIB has no route. */
  readonly routeToPeer?: string;
  /** Why a TCP connect to PEER:179 failed along the path (a probe reason, reason.ts); undefined when it got through. */
  readonly port179?: string;
  /** The last NOTIFICATION this session sent or received (BIRD's "Error: …"/"Received: …" text). */
  readonly lastNotification?: string;
}

/** The reason of one down session. */
export interface SessionWhy {
  readonly class: SessionWhyClass;
  readonly text: string;
}

/** Why the session is down; pure. */
export function sessionWhy(f: SessionFacts): SessionWhy {
  const note = f.lastNotification ? ` (last NOTIFICATION: ${f.lastNotification})` : '';
  if (f.selfStopped) return { class: 'peer-down', text: `node down: ${f.node} itself is stopped` };
  if (f.peerNode === undefined) return { class: 'peer-down', text: `peer down: no node of the lab has ${f.peer}` };
  if (f.peerStopped) return { class: 'peer-down', text: `peer down: ${f.peerNode} is stopped` };
  if (!f.peerSpeaker) return { class: 'peer-down', text: `peer down: ${f.peerNode} runs no BGP speaker (no asn/peers, or its calico-node is stopped)` };
  if (f.routeToPeer === undefined) return { class: 'no-route', text: `no route to peer: ${f.node} has no route to ${f.peer}` };
  if (f.port179 !== undefined) {
    if (/^(reply: )?policy:/.test(f.port179)) return { class: 'filtered', text: `port 179 filtered: ${f.port179.startsWith('reply: ') ? 'the answer is ' : ''}${f.port179.replace(/^(reply: )?policy: /, '')}` };
    if (/^(reply: )?(no route|blackhole|unreachable|prohibited)/.test(f.port179)) return { class: 'no-route', text: `no route to peer: ${f.port179.replace(/^(no route|blackhole|unreachable|prohibited): /, '')}` };
  }
  const s = f.peerSpeaker;
  if (!s.peersBack) {
    return { class: 'no-peering', text: `no peering configured on ${f.peerNode} for ${f.node} (${f.peerNode} rejects the connection: a missing BGPPeer or route-reflector/ToR peering)${note}` };
  }
  if (s.localAs !== f.expectedAs) return { class: 'as-mismatch', text: `AS mismatch: ${f.node} expects AS ${f.expectedAs} of ${f.peer}, but ${f.peerNode} is AS ${s.localAs}${note}` };
  if (s.expectsAs !== undefined && s.expectsAs !== f.localAs) return { class: 'as-mismatch', text: `AS mismatch: ${f.peerNode} expects AS ${s.expectsAs} of ${f.node}, but ${f.node} is AS ${f.localAs}${note}` };
  if (f.port179 !== undefined) return { class: 'other', text: `TCP 179 to ${f.peer} fails: ${f.port179}${note}` };
  if (f.lastNotification) return { class: 'notification', text: `last NOTIFICATION: ${f.lastNotification}` };
  return { class: 'other', text: `${f.state}: the path and both configurations look right; not yet connected (wait for ConnectRetry)` };
}

/** A k8s node with no BGP session at all although other nodes have some: nothing will teach it routes. */
export function isolatedNodeText(node: string, meshEnabled: boolean): string {
  return `${node} has no BGP session: ${meshEnabled ? 'the node-to-node mesh does not include it' : 'nodeToNodeMeshEnabled is false and no BGPPeer selects it'} (missing route reflector or ToR peering)`;
}
