/**
 * The data model of `podlab check`: failure cases, probe results, BGP sessions and the
 * report. Plain JSON-able data, so `--json` prints it as is and `podlab diff` compares two.
 */

import type { HopEvent, HopKind } from '../server/api-types.ts';
import type { PolicyAnalysis } from './policy.ts';

/** The failure classes `--failures` accepts. */
export const FAILURE_CLASSES = ['none', 'link', 'node', 'router', 'rr', 'all'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** One single failure applied to the healthy lab. */
export type FailureCase =
  | { readonly kind: 'link'; readonly id: string; readonly a: string; readonly b: string; readonly text: string }
  | { readonly kind: 'node' | 'router' | 'rr'; readonly id: string; readonly node: string; readonly text: string };

/** Something a probe can start from or aim at: a node's address, a pod, or the outside host. */
export interface ProbeEndpoint {
  /** Display name: the node's name, the pod's `namespace/name`, or the host's name. */
  readonly id: string;
  readonly kind: 'node' | 'pod' | 'outside';
  /** The topology node it lives on (a pod's k8s node; the node itself otherwise). */
  readonly node: string;
  /** Where its commands run (driver.exec target). */
  readonly execNode: string;
  readonly ip: string;
  /** Pods: their namespace and labels, for intent selectors. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The matrices a check probes. */
/** 'node', 'pod', 'outside', 'intent' (pairs only an intent asks for), 'tcp/80' (a port probe). */
export type MatrixName = string;

/**
 * One hop of a failed probe's packet (request or reply), in the shape of the UI's HopEvent so
 * the topology can animate it: sent, received, forwarded, wrapped, unwrapped, delivered, dropped.
 */
export type TraceHop = Pick<HopEvent, 'seq' | 't' | 'node' | 'dev' | 'outDev' | 'reason' | 'rule' | 'dst' | 'tunnel' | 'text'> & {
  readonly hop: Exclude<HopKind, 'arp'>;
};

/** One probed pair. */
export interface PairResult {
  readonly matrix: MatrixName;
  readonly from: string;
  readonly to: string;
  readonly ok: boolean;
  /** Why it failed, from the packet's own trace (absent when ok). */
  readonly reason?: string;
  /** The failed probe's packet hop by hop (absent when ok). */
  readonly trace?: readonly TraceHop[];
}

/** One BGP session as a speaker sees it. */
export interface SessionResult {
  readonly node: string;
  readonly peer: string;
  readonly name: string;
  readonly state: string;
  /** Why it is not Established, from the lab's state (bgp-why.ts); absent when Established. */
  readonly why?: string;
  /** The reason's class: peer-down, no-route, filtered, no-peering, as-mismatch, notification, other. */
  readonly whyClass?: string;
}

/** What the lab looked like in one state (healthy or one failure). */
export interface StateResult {
  readonly pairs: readonly PairResult[];
  readonly sessions: readonly SessionResult[];
  /** Routes per node (every table but local). */
  readonly routes: Readonly<Record<string, number>>;
  /** k8s nodes with no BGP session at all, one line each (nothing teaches them routes). */
  readonly bgpIsolated?: readonly string[];
  /** Pod↔pod packets with DF, per pair on different nodes (healthy only): does the pod MTU pass, and the largest that does. */
  readonly mtu?: readonly MtuResult[];
}

/** The MTU of one pod pair: a full-size packet with DF, and when it fails, the largest that passes (a search). */
export interface MtuResult {
  readonly from: string;
  readonly to: string;
  /** The pod's eth0 MTU, as podlab's CNI configured it. */
  readonly podMtu: number;
  /** A podMtu-byte packet with DF passed. */
  readonly ok: boolean;
  readonly reason?: string;
  /** The largest IP packet that passes with DF (bytes); absent when even a small one does not. */
  readonly largest?: number;
  /** The black hole in one line: where, which encapsulation, and the pod MTU that would fit. */
  readonly blackHole?: string;
}

/** A broken intent, reported once per failure case. */
export interface Violation {
  /** `healthy` or the failure case's id. */
  readonly state: string;
  /** The intent it breaks, in words (`every pod reaches every pod`, `survives: link`). */
  readonly intent: string;
  /** One line for the terminal, with the blast radius. */
  readonly text: string;
  /** The pairs that make it (from → to: reason). */
  readonly pairs: readonly PairResult[];
}

/** The outcome of one failure case. */
export interface CaseReport {
  readonly failure: FailureCase;
  readonly state: StateResult;
  /** Endpoints the failure itself takes out (the stopped node; a node whose own link went down). */
  readonly excused: readonly string[];
  /** Pairs reachable when healthy and not under this failure. */
  readonly lost: readonly PairResult[];
  /** When the failure cut off only what it takes out by itself: who, in one line (not a violation). */
  readonly cutOff?: string;
  /** How the case was run: on the converged lab (apply, then revert) or on a fresh deploy. */
  readonly mode: 'revert' | 'redeploy';
}

/** IPAM capacity computed from the pools and IPAMConfig. */
export interface IpamCapacity {
  readonly pools: readonly { readonly name: string; readonly cidr: string; readonly blockSize: number; readonly addresses: number; readonly blocks: number }[];
  readonly nodes: number;
  readonly blockAddresses: number;
  readonly maxBlocksPerHost: number;
  readonly strictAffinity: boolean;
  /** Pods one node can hold when every node is equally full. */
  readonly podsPerNode: number;
  /** Why podsPerNode is what it is. */
  readonly limitedBy: string;
}


/** Everything `podlab check` found. */
export interface CheckReport {
  readonly input: string;
  readonly topology: string;
  readonly failures: FailureClass;
  readonly endpoints: readonly ProbeEndpoint[];
  readonly converged: boolean;
  readonly healthy: StateResult;
  readonly cases: readonly CaseReport[];
  readonly ipam?: IpamCapacity;
  /** Each policy's effect between the lab's pods; rules that never match or are shadowed. */
  readonly policy?: PolicyAnalysis;
  readonly violations: readonly Violation[];
  /** Every (state, intent) judged, held or not — the test cases of `--junit`. */
  readonly judged: readonly { readonly state: string; readonly intent: string }[];
  /** Things the check could not do or simplified, one line each. */
  readonly notes: readonly string[];
  /** wallMs: the whole check; casesMs: the failure cases alone (deploy and healthy probes excluded). */
  readonly timing: { readonly wallMs: number; readonly casesMs?: number; readonly virtualMs: number; readonly cases: number };
  readonly passed: boolean;
}
