/**
 * What the differential tests (simulator against a real runtime) compare, read the same way
 * from any LabDriver: every node's and pod's IPv4 routes (every table but local), every BGP
 * session and its state, the pod-to-pod reachability matrix, and the header sequence of one
 * pod-to-pod ping at a chosen capture point.
 * Normalisations, and nothing else: interface indexes and MAC addresses are not read (the
 * kernel chooses them); routes on a runtime's own management devices (`managementDevs`) are left out; routes are compared field by field, not as text (`src` hints aside);
 * BGP timers and `since` columns are dropped; IP ids and checksums are not compared.
 */
import { expect } from 'vitest';
import type { RouteEntry } from '../../engine/events.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';
import type { Ipv4Packet, IcmpMessage } from '../../engine/net/packet.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';

/** What one runtime shows. */
export interface Observations {
  routes: Record<string, string[]>;
  sessions: Record<string, string[]>;
  reach: string[];
  headers: string[];
}

/** The pods to place ([pod, node]) and where to watch one ping cross the fabric. */
export interface ObservationPlan {
  readonly pods: readonly (readonly [string, string])[];
  /** The ping whose headers are compared: from pod, to pod, seen at node:iface. */
  readonly ping: { readonly from: string; readonly to: string; readonly at: readonly [string, string] };
  /** Devices of the runtime's own management network (a containerlab lab's etcd fabric), which the simulator's in-process datastore does not need: their routes are not compared. */
  readonly managementDevs?: readonly string[];
}

/** A route as compared: its fields, not its text. */
export function routeKey(r: RouteEntry): string {
  return [r.table, r.type, r.dst, r.via ?? '-', r.dev ?? '-', r.proto, r.scope, r.onlink ? 'onlink' : ''].join(' ').trim();
}

/** Adds the plan's pods and waits until the cluster has no pending work. */
export async function bringUp(d: LabDriver, plan: ObservationPlan, maxMs = 90_000): Promise<void> {
  const c = d.calico()!;
  for (const [pod, node] of plan.pods) await c.addPod(node, 'default', pod, { labels: {} });
  const r = await c.converge(maxMs);
  expect(r.pending).toEqual([]);
}

/** Reads the observations of a converged lab. */
export async function observe(d: LabDriver, plan: ObservationPlan): Promise<Observations> {
  const c = d.calico()!;
  const pods = c.pods();
  const pod = (name: string) => pods.get(`default/${name}`)!;
  const routes: Record<string, string[]> = {};
  const names = [...d.topology.nodes.filter((n) => n.kind !== 'switch').map((n) => n.name), ...[...pods.values()].map((p) => p.podNode)];
  const mgmt = new Set(plan.managementDevs ?? []);
  for (const n of names) routes[n] = (await d.routes(n)).filter((r) => !mgmt.has(r.dev ?? '')).map(routeKey).sort();
  const sessions: Record<string, string[]> = {};
  for (const n of d.topology.nodes) {
    const s = await c.bgpSessions(n.name);
    if (s) sessions[n.name] = s.map((x) => `${x.name} ${x.peer} ${x.state}`).sort();
  }
  const reach: string[] = [];
  for (const [from] of plan.pods) {
    let row = '';
    for (const [to] of plan.pods) {
      const r = await d.exec(pod(from).podNode, ['ping', '-c', '1', '-W', '2', pod(to).ip]);
      row += r.code === 0 ? '.' : 'x';
    }
    reach.push(row);
  }
  const [node, iface] = plan.ping.at;
  const mark = d.frames(node, iface).length;
  const r = await d.exec(pod(plan.ping.from).podNode, ['ping', '-c', '1', '-W', '2', pod(plan.ping.to).ip]);
  expect(r.code).toBe(0);
  const headers = d.frames(node, iface).slice(mark).flatMap((f) => {
    const ip = f.frame.payload as Ipv4Packet;
    if (ip instanceof Uint8Array || ip.kind !== 'ipv4' || ip.payload instanceof Uint8Array || ip.payload.kind !== 'icmp') return [];
    const icmp = ip.payload as IcmpMessage;
    return [`${f.dir} ${formatIPv4(ip.src)}>${formatIPv4(ip.dst)} proto ${ip.protocol} ttl ${ip.ttl} df ${ip.df} type ${icmp.type}`];
  });
  return { routes, sessions, reach, headers };
}

/** Asserts that `real` shows what `sim` shows, node by node, and that every pod reached every pod. */
export function expectSameObservations(real: Observations, sim: Observations): void {
  expect(real.sessions).toEqual(sim.sessions);
  expect(real.reach).toEqual(sim.reach);
  expect(real.reach.every((row) => !row.includes('x'))).toBe(true);
  for (const node of Object.keys(sim.routes)) expect({ node, routes: real.routes[node] }).toEqual({ node, routes: sim.routes[node] });
  expect(real.headers).toEqual(sim.headers);
  expect(real.headers.length).toBeGreaterThan(0);
}
