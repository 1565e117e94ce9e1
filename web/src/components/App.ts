/**
 * The page: topology on the left, the selected node's inspector and terminal on the right,
 * packets and the live log below. Selecting a packet (in the list or the log) animates its
 * path on the topology.
 */
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { h } from './h.ts';
import type { LabStore } from '../data/store.ts';
import { packetPath } from '../domain/packet-path.ts';
import { useRouteNow } from './Packets/useRouteNow.ts';
import { Topology } from './Topology/Topology.ts';
import { NodeInspector } from './NodeInspector.ts';
import { Terminal } from './Terminal.ts';
import { Packets } from './Packets/Packets.ts';
import { EventLog } from './EventLog.ts';
import { Timeline } from './Timeline.ts';
import { commandsOn, linksDownAt, routeChanges, routesAt } from '../domain/timeline.ts';
import { OldRecordingBanner, OpenRecording } from './OpenRecording.ts';
import { bgpSessionsAt, tunnelsAt } from '../domain/overlays.ts';
import { podsAt, recordsLabState, snapshotsAt } from '../domain/at-cursor.ts';
import { viewModel } from '../domain/view-model.ts';
import { CheckPanel } from './CheckPanel.ts';
import { failedNode, linksUnder, type CheckRow } from '../domain/check-report.ts';
import type { CheckReport, PairResult } from '../../../engine/check/types.ts';
import type { HopEvent } from '../../../engine/server/api-types.ts';

export interface AppProps {
  readonly store: LabStore;
  /** Shows a recording the user picked from disk (the store is swapped for one over the file). */
  readonly onOpen: (file: File) => Promise<void>;
  /** Back to the server's lab after a picked recording; absent when the server's lab is shown. */
  readonly onClose?: () => void;
}

/** The application root. */
export function App(p: AppProps) {
  const s = useSyncExternalStore(p.store.subscribe, p.store.snapshot);
  const [node, setNode] = useState<string | undefined>(undefined);
  const [tab, setTab] = useState<'inspect' | 'terminal'>('inspect');
  const [bottom, setBottom] = useState<'timeline' | 'packets' | 'log' | 'check' | undefined>(undefined);
  // The Check tab: a podlab check report, the state picked in it, the broken pair whose trace is drawn.
  const [check, setCheck] = useState<CheckReport | undefined>(undefined);
  const [checkRow, setCheckRow] = useState<CheckRow | undefined>(undefined);
  const [checkPair, setCheckPair] = useState<PairResult | undefined>(undefined);
  const [packet, setPacket] = useState<number | undefined>(undefined);
  const [cursor, setCursor] = useState<number | undefined>(undefined);
  const steps = s.timeline?.steps ?? [];
  const tab2 = bottom ?? (steps.length ? 'timeline' : 'packets');
  // The time cursor of the timeline: everything up to the chosen step's last event.
  const atStep = cursor !== undefined ? steps[cursor] : undefined;
  const cursorSeq = atStep ? atStep.lastSeq : Number.POSITIVE_INFINITY;
  const packets = useMemo(() => (atStep ? s.packets.filter((r) => r.rec.t <= atStep.tEnd) : s.packets), [s.packets, atStep]);
  const links = useMemo(() => {
    if (!atStep) return s.links;
    const down = linksDownAt(s.events, cursorSeq);
    return new Map([...s.links].map(([id, l]) => [id, { ...l, up: !down.has(id) }]));
  }, [s.links, s.events, atStep, cursorSeq]);
  const replay = s.topology?.mode === 'replay';
  const topo = s.topology?.topology;
  // At a past step, and anywhere in a replay, the lab as the run's events say it was then:
  // its pods (kube.pod) and each node's tool outputs (lab.snapshot); live at the end, the lab now.
  const atCursor = replay || atStep !== undefined;
  const recorded = useMemo(() => recordsLabState(s.events), [s.events]);
  const view = useMemo(() => (atCursor && recorded && topo ? viewModel(topo, podsAt(s.events, cursorSeq)) : s.view), [atCursor, recorded, topo, s.events, cursorSeq, s.view]);
  useEffect(() => {
    if (!node && view) setNode(view.nodes.find((n) => n.role === 'node')?.id ?? view.nodes[0]?.id);
  }, [view, node]);
  const sessions = useMemo(() => (topo ? bgpSessionsAt(s.events, cursorSeq, topo) : []), [s.events, cursorSeq, topo]);
  // Traffic draws a tunnel only within the cursor's step (the last one at the live end, and what ran since).
  const window = atStep ?? steps[steps.length - 1];
  // At the end, the store's route tunnels (computed in slices as routes change); a past step replays the events.
  const routeTunnels = atStep ? undefined : s.routeTunnels;
  const tunnels = useMemo(() => (topo ? tunnelsAt(s.events, cursorSeq, s.hops, atStep ? atStep.tEnd : Number.POSITIVE_INFINITY, topo, window ? window.tStart : Number.NEGATIVE_INFINITY, s.routes, routeTunnels) : []),
    [s.events, s.routes, s.routeEvents, routeTunnels, cursorSeq, s.hops, atStep, topo, window]);
  const selectedRow = packets.find((r) => r.rec.no === packet);
  const path = useMemo(() => (selectedRow ? packetPath(selectedRow.rec, s.hops) : []), [selectedRow, s.hops]);
  const routeNow = useRouteNow(path, s.topology?.mode !== 'replay');
  const viewNode = view?.nodes.find((n) => n.id === node);
  const snapshot = useMemo(() => {
    if (!node || !atCursor) return undefined;
    const where = atStep ? `at step ${atStep.index}` : 'end of the recording';
    if (!recorded) return { texts: new Map<string, { text: string; step: number }>(), label: `${where} · not in this recording (made before podlab recorded per-step state)` };
    return { texts: snapshotsAt(s.events, node, cursorSeq), label: `${where} · recorded` };
  }, [node, atCursor, atStep, recorded, s.events, cursorSeq]);
  // The routing table follows the cursor: recorded routes at a past step (or anywhere in a
  // replay); the node itself at the end of a live run.
  const routesAtCursor = useMemo(() => {
    if (!node || !(replay || atStep)) return undefined;
    const step = atStep ?? steps[steps.length - 1];
    const changes = step ? routeChanges(s.events, node, step.firstSeq, step.lastSeq) : { added: [], removed: [] };
    const label = atStep ? `at step ${atStep.index} · from the run's route events` : 'end of the recording · from its route events';
    return { routes: routesAt(s.events, node, cursorSeq), ...changes, label };
  }, [replay, atStep, steps, node, s.events, cursorSeq]);
  const commands = s.log.filter((l) => l.kind === 'command').length;
  // The terminal names pods as the graph does, by their kubectl name (pod-a, ns/pod; the server takes both forms).
  const nodeNames = useMemo(() => view?.nodes.map((n) => n.label ?? n.id) ?? [], [view]);
  // `use NODE` in the terminal selects the node in the app as well (a pod by its kubectl name).
  const selectByName = useCallback((name: string) => setNode(view?.nodes.find((n) => n.id === name || n.label === name)?.id ?? name), [view]);
  // With the Check tab open, the topology shows the selected failure and the broken pair's path.
  const checking = tab2 === 'check' && checkRow !== undefined;
  const shownLinks = useMemo(() => (checking ? linksUnder(links, checkRow?.failure) : links), [checking, links, checkRow]);
  const shownPath = checking && checkPair ? ((checkPair.trace ?? []) as readonly HopEvent[]) : path;

  if (s.error) return h('div', { className: 'fatal' }, `cannot load the lab: ${s.error}`);
  if (!view || !s.topology) return h('div', { className: 'loading' }, 'loading the lab…');
  return h('div', { className: 'app' },
    h('header', { className: 'top' },
      h('strong', null, 'podlab'), h('span', null, ` ${view.name}`),
      h('span', { className: 'muted' }, ` — ${s.topology.topology.description ?? ''} (${s.topology.runtime}: simulated Linux)`),
      h(OpenRecording, { onOpen: p.onOpen, ...(p.onClose ? { onClose: p.onClose } : {}) }),
      h('span', { className: `conn ${replay || s.connected ? 'up' : 'down'}`, 'data-testid': 'conn' },
        p.store.source.local ? `replay of ${p.store.source.label} (opened in the browser)` : replay ? 'replay of a recording' : s.connected ? 'live' : 'reconnecting…')),
    h('main', { className: 'main' },
      h('div', { className: 'left' },
        h(Topology, { view, links: shownLinks, selected: (checking ? failedNode(checkRow?.failure) : undefined) ?? node, onSelect: (n: string) => setNode(n), path: shownPath, routes: routeNow, sessions, tunnels }),
        replay && !recorded && h(OldRecordingBanner, s.timeline?.start ? { scenarioFile: s.timeline.start.scenario.file } : {})),
      h('aside', { className: 'right' },
        h('nav', { className: 'tabs' },
          h('button', { className: tab === 'inspect' ? 'on' : '', onClick: () => setTab('inspect'), 'data-testid': 'tab-inspect' }, 'Inspector'),
          h('button', { className: tab === 'terminal' ? 'on' : '', onClick: () => setTab('terminal'), 'data-testid': 'tab-terminal' }, 'Terminal'),
          h('select', { value: node ?? '', onChange: (ev: { target: { value: string } }) => setNode(ev.target.value), 'aria-label': 'node', 'data-testid': 'node-select' },
            view.nodes.map((n) => h('option', { key: n.id, value: n.id }, n.id)))),
        viewNode && (tab === 'inspect'
          ? h(NodeInspector, { node: viewNode, version: commands, live: !replay, ...(routesAtCursor ? { at: routesAtCursor } : {}), ...(snapshot ? { snapshot } : {}) })
          : h(Terminal, { node: viewNode.label ?? viewNode.id, nodes: nodeNames, topology: s.topology.topology, onUse: selectByName, ...(replay ? { recorded: commandsOn(s.events, viewNode.id, cursorSeq) } : {}) })))),
    h('section', { className: 'bottom' },
      h('nav', { className: 'tabs' },
        steps.length > 0 && h('button', { className: tab2 === 'timeline' ? 'on' : '', onClick: () => setBottom('timeline'), 'data-testid': 'tab-timeline' }, 'Timeline'),
        h('button', { className: tab2 === 'packets' ? 'on' : '', onClick: () => setBottom('packets'), 'data-testid': 'tab-packets' }, `Packets (${packets.length})`),
        h('button', { className: tab2 === 'log' ? 'on' : '', onClick: () => setBottom('log') }, 'Events'),
        h('button', { className: tab2 === 'check' ? 'on' : '', onClick: () => setBottom('check'), 'data-testid': 'tab-check' }, 'Check'),
        atStep && h('span', { className: 'muted' }, ` at step ${atStep.index} (t ≤ ${(atStep.tEnd / 1000).toFixed(3)}s)`),
        path.length > 0 && h('span', { className: 'path-summary', 'data-testid': 'path-summary' },
          `path: ${path.map((x) => `${x.node} ${x.hop}`).filter((x, i, a) => a.indexOf(x) === i).join(' → ')}`)),
      tab2 === 'check' ? h(CheckPanel, { report: check, onReport: (r: CheckReport) => { setCheck(r); setCheckRow(undefined); setCheckPair(undefined); }, selected: checkRow?.id, onSelect: setCheckRow, pair: checkPair, onPair: setCheckPair })
      : tab2 === 'timeline' && s.timeline ? h(Timeline, { timeline: s.timeline, cursor, onCursor: setCursor })
      : tab2 === 'packets'
        ? h(Packets, { rows: packets, selected: packet, onSelect: setPacket, onDownload: (n: string, i: string) => p.store.source.downloadPcap(n, i), path, routes: routeNow, live: !replay })
        : h(EventLog, { log: s.log, onHop: (l) => { if (l.hop?.packet) { setPacket(l.hop.packet); setBottom('packets'); } } })));
}
