/**
 * The lab at the timeline cursor, from the run's events: which pods existed (`kube.pod`)
 * and what each node's tools printed at the end of the cursor's step (`lab.snapshot`).
 * Pure; a live run and its recording give the same answers. Older recordings have neither
 * event: `recordsLabState` says so and the UI says what it cannot show.
 */
import type { PodlabEvent } from '../../../engine/events.ts';
import type { AttachedNamespace } from '../../../engine/server/api-types.ts';

interface PodEvent {
  readonly seq: number;
  readonly type: 'kube.pod';
  readonly action: 'added' | 'deleted';
  readonly node: string;
  readonly podNode: string;
  readonly ip: string;
  readonly hostIface: string;
}

interface SnapshotEvent {
  readonly seq: number;
  readonly step: number;
  readonly type: 'lab.snapshot';
  readonly node: string;
  readonly command: string;
  readonly text: string;
}

/** True when the stream records pods and per-step snapshots (a run by this version of podlab). */
export function recordsLabState(events: readonly PodlabEvent[]): boolean {
  return events.some((e) => e.type === 'lab.snapshot' || e.type === 'kube.pod');
}

/** The pods that existed after every event up to `seq`, as the topology draws them (under their node, on their veth). */
export function podsAt(events: readonly PodlabEvent[], seq: number): AttachedNamespace[] {
  const pods = new Map<string, AttachedNamespace>();
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type !== 'kube.pod') continue;
    const p = e as unknown as PodEvent;
    if (p.action === 'deleted') pods.delete(p.podNode);
    else pods.set(p.podNode, { name: p.podNode, host: p.node, hostIface: p.hostIface, iface: 'eth0', addresses: [`${p.ip}/32`] });
  }
  return [...pods.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What a node's tools printed, as last snapshotted at or before `seq`: command → text and the step it was taken at. */
export function snapshotsAt(events: readonly PodlabEvent[], node: string, seq: number): Map<string, { readonly text: string; readonly step: number }> {
  const out = new Map<string, { text: string; step: number }>();
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type !== 'lab.snapshot') continue;
    const s = e as unknown as SnapshotEvent;
    if (s.node === node) out.set(s.command, { text: s.text, step: s.step });
  }
  return out;
}
