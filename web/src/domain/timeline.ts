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

/**
 * Most note lines one step keeps; past them the step ends with one line counting the rest by
 * type. A converged 1,000-node Calico fabric's deploy reports a million `calico.route`
 * events: a line each was a million DOM rows and strings nobody reads.
 */
export const MAX_NOTES_PER_STEP = 1_000;

interface Building {
  index: number; title: string; narration: string; action: string; ok?: boolean; error?: string;
  tStart: number; tEnd: number; commands: CommandEvent[]; expectations: ExpectationEvent[]; links: LinkStateEvent[]; notes: NoteLine[];
  firstSeq: number; lastSeq: number;
  /** Notes past MAX_NOTES_PER_STEP, counted by event type. */
  more: Map<string, number>;
}

const blank = (index: number, title: string, t: number, seq: number): Building =>
  ({ index, title, narration: '', action: '', tStart: t, tEnd: t, commands: [], expectations: [], links: [], notes: [], firstSeq: seq, lastSeq: seq, more: new Map() });

/** The timeline of a stream that grows: events are added as they arrive (in seq order), `timeline()` is the state so far. */
export class TimelineBuilder {
  private start?: RunStartEvent;
  private end?: RunEndEvent;
  private setup?: Building;
  private readonly steps: Building[] = [];

  /** Takes the next event. */
  add(e: PodlabEvent): void {
    this.setup ??= blank(0, 'Deploy', e.t, 0);
    const cur = e.step === 0 ? this.setup : this.steps[this.steps.length - 1];
    if (e.type === 'run-start') this.start = e;
    else if (e.type === 'run-end') this.end = e;
    else if (e.type === 'step-start') {
      this.steps.push({ ...blank(e.step, e.title, e.t, e.seq), narration: e.narration, action: e.action });
      return;
    }
    if (!cur || e.type === 'run-end') return;
    cur.tEnd = Math.max(cur.tEnd, e.t);
    cur.lastSeq = e.seq;
    if (e.type === 'step-end') {
      cur.ok = e.ok;
      if (e.error) cur.error = e.error;
    } else if (e.type === 'command') cur.commands.push(e);
    else if (e.type === 'expectation') cur.expectations.push(e);
    else if (e.type === 'link-state') cur.links.push(e);
    else if (e.type === 'packet' && e.hop === 'drop') note(cur, e, 'drop', () => dropText(e));
    else if (e.type === 'routes' && e.step > 0) {
      for (const r of e.removed) note(cur, e, 'routes', () => `${e.node}: - ${r.text}`);
      for (const r of e.added) note(cur, e, 'routes', () => `${e.node}: + ${r.text}`);
    } else if (isExtensionType(e.type)) note(cur, e, 'extension', () => extensionText(e));
  }

  /** The timeline so far (fresh objects: a new snapshot for React). */
  timeline(): Timeline {
    const setup = this.setup ?? blank(0, 'Deploy', 0, 0);
    return { ...(this.start ? { start: this.start } : {}), ...(this.end ? { end: this.end } : {}), setup: done(setup), steps: this.steps.map(done) };
  }
}

/** Adds a note line, or counts it once the step holds MAX_NOTES_PER_STEP (its text never made). */
function note(cur: Building, e: PodlabEvent, kind: NoteLine['kind'], text: () => string): void {
  if (cur.notes.length < MAX_NOTES_PER_STEP) cur.notes.push({ seq: e.seq, kind, text: text() });
  else cur.more.set(e.type, (cur.more.get(e.type) ?? 0) + 1);
}

function done(b: Building): TimelineStep {
  const { more, ...step } = b;
  const notes = b.notes.slice();
  if (more.size) {
    const total = [...more.values()].reduce((a, n) => a + n, 0);
    const by = [...more].map(([type, n]) => `${type} ×${n.toLocaleString('en-US')}`).join(', ');
    notes.push({ seq: b.lastSeq, kind: 'extension', text: `… ${total.toLocaleString('en-US')} more events in this step, not listed: ${by}` });
  }
  return { ...step, commands: b.commands.slice(), expectations: b.expectations.slice(), links: b.links.slice(), notes };
}

/** Groups events into the setup phase and the steps. */
export function buildTimeline(events: readonly PodlabEvent[]): Timeline {
  const b = new TimelineBuilder();
  for (const e of events) b.add(e);
  return b.timeline();
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
