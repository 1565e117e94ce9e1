/**
 * A scenario run's event stream (events.ts) as a timeline: steps with narration, the
 * commands they ran, their expectations and outcome, and the state a time cursor implies
 * (which links are down, which routes a node has). Pure; the recording and a live run
 * produce the same shape.
 */
import type {
  CommandEvent, ExpectationEvent, LinkStateEvent, PacketEvent, PodlabEvent, RouteEntry, RunEndEvent, RunStartEvent,
} from '../../../engine/events.ts';
import { isExtensionType } from '../../../engine/events.ts';

/** An event the timeline shows as one line: drops, route changes, extension events (BGP sessions…). */
export interface NoteLine {
  readonly seq: number;
  readonly kind: 'drop' | 'routes' | 'extension';
  readonly text: string;
}

export interface TimelineStep {
  /** 1-based; 0 is the deploy/setup phase. */
  readonly index: number;
  readonly title: string;
  readonly narration: string;
  readonly action: string;
  readonly ok?: boolean;
  readonly error?: string;
  readonly tStart: number;
  readonly tEnd: number;
  readonly commands: readonly CommandEvent[];
  readonly expectations: readonly ExpectationEvent[];
  readonly links: readonly LinkStateEvent[];
  /** Packet drops, route changes and extension events of the step, in order. */
  readonly notes: readonly NoteLine[];
  /** Seq range of the step's events [first, last]. */
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface Timeline {
  readonly start?: RunStartEvent;
  readonly end?: RunEndEvent;
  readonly setup: TimelineStep;
  readonly steps: readonly TimelineStep[];
}

interface Building {
  index: number; title: string; narration: string; action: string; ok?: boolean; error?: string;
  tStart: number; tEnd: number; commands: CommandEvent[]; expectations: ExpectationEvent[]; links: LinkStateEvent[]; notes: NoteLine[];
  firstSeq: number; lastSeq: number;
}

const blank = (index: number, title: string, t: number, seq: number): Building =>
  ({ index, title, narration: '', action: '', tStart: t, tEnd: t, commands: [], expectations: [], links: [], notes: [], firstSeq: seq, lastSeq: seq });

const BASE = new Set(['seq', 't', 'step', 'type']);

/** One line for an extension event: its type and its own fields. */
export function extensionText(e: PodlabEvent): string {
  const fields = Object.entries(e as unknown as Record<string, unknown>).filter(([k]) => !BASE.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${e.type} ${fields.join(' ')}`;
}

function dropText(e: PacketEvent): string {
  const what = e.ip ? `${e.ip.src} > ${e.ip.dst}` : e.text ?? 'a frame';
  return `${e.node}${e.dev ? ` ${e.dev}` : ''} dropped ${what}: ${e.reason ?? '?'}`;
}

/** Groups events into the setup phase and the steps. */
export function buildTimeline(events: readonly PodlabEvent[]): Timeline {
  let start: RunStartEvent | undefined;
  let end: RunEndEvent | undefined;
  const setup = blank(0, 'Deploy', events[0]?.t ?? 0, 0);
  const steps: Building[] = [];
  for (const e of events) {
    const cur = e.step === 0 ? setup : steps[steps.length - 1];
    if (e.type === 'run-start') start = e;
    else if (e.type === 'run-end') end = e;
    else if (e.type === 'step-start') {
      steps.push({ ...blank(e.step, e.title, e.t, e.seq), narration: e.narration, action: e.action });
      continue;
    }
    if (!cur || e.type === 'run-end') continue;
    cur.tEnd = Math.max(cur.tEnd, e.t);
    cur.lastSeq = e.seq;
    if (e.type === 'step-end') {
      cur.ok = e.ok;
      if (e.error) cur.error = e.error;
    } else if (e.type === 'command') cur.commands.push(e);
    else if (e.type === 'expectation') cur.expectations.push(e);
    else if (e.type === 'link-state') cur.links.push(e);
    else if (e.type === 'packet' && e.hop === 'drop') cur.notes.push({ seq: e.seq, kind: 'drop', text: dropText(e) });
    else if (e.type === 'routes' && e.step > 0) {
      for (const r of e.removed) cur.notes.push({ seq: e.seq, kind: 'routes', text: `${e.node}: - ${r.text}` });
      for (const r of e.added) cur.notes.push({ seq: e.seq, kind: 'routes', text: `${e.node}: + ${r.text}` });
    } else if (isExtensionType(e.type)) cur.notes.push({ seq: e.seq, kind: 'extension', text: extensionText(e) });
  }
  return { ...(start ? { start } : {}), ...(end ? { end } : {}), setup, steps };
}

/** Link ids (`a:aIf--b:bIf`, either order) that are down after every event up to `seq`. */
export function linksDownAt(events: readonly PodlabEvent[], seq: number): Set<string> {
  const down = new Set<string>();
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type !== 'link-state') continue;
    const [a, b] = e.endpoints;
    for (const id of [`${a}--${b}`, `${b}--${a}`]) {
      if (e.state === 'down') down.add(id);
      else down.delete(id);
    }
  }
  return down;
}

/** A node's routes after every `routes` event up to `seq` (added minus removed, by their ip-route text). */
export function routesAt(events: readonly PodlabEvent[], node: string, seq: number): RouteEntry[] {
  const m = new Map<string, RouteEntry>();
  for (const e of events) {
    if (e.seq > seq) break;
    if (e.type !== 'routes' || e.node !== node) continue;
    for (const r of e.removed) m.delete(`${r.table} ${r.text}`);
    for (const r of e.added) m.set(`${r.table} ${r.text}`, r);
  }
  return [...m.values()];
}

/** Commands that ran on a node up to `seq` (what its terminal would have shown). */
export function commandsOn(events: readonly PodlabEvent[], node: string, seq: number): CommandEvent[] {
  return events.filter((e): e is CommandEvent => e.type === 'command' && e.node === node && e.seq <= seq && e.phase !== 'setup');
}

/** What changed in a node's routes between two seqs (inclusive): net additions and removals (an add undone later counts as neither). */
export function routeChanges(events: readonly PodlabEvent[], node: string, fromSeq: number, toSeq: number): { added: RouteEntry[]; removed: RouteEntry[] } {
  const added = new Map<string, RouteEntry>();
  const removed = new Map<string, RouteEntry>();
  for (const e of events) {
    if (e.seq < fromSeq) continue;
    if (e.seq > toSeq) break;
    if (e.type !== 'routes' || e.node !== node) continue;
    for (const r of e.removed) {
      const k = `${r.table} ${r.text}`;
      if (added.has(k)) added.delete(k);
      else removed.set(k, r);
    }
    for (const r of e.added) {
      const k = `${r.table} ${r.text}`;
      if (removed.has(k)) removed.delete(k);
      else added.set(k, r);
    }
  }
  return { added: [...added.values()], removed: [...removed.values()] };
}

/** True when the run recorded route events for this node (its table can follow the cursor). */
export function hasRecordedRoutes(events: readonly PodlabEvent[], node: string): boolean {
  return events.some((e) => e.type === 'routes' && e.node === node);
}
