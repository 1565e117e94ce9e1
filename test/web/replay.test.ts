/**
 * Scenario runs in the UI: the timeline built from the event stream (steps, expectations,
 * routes and links at a cursor), and a recording served read-only with its packets, hops and
 * tunnel paths rebuilt from what was recorded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, runScenario, recordingOf, encodeRecording, decodeRecording, type RunResult } from '../../engine/scenario/index.ts';
import { recordingBackend, serveBackend } from '../../engine/server/index.ts';
import { buildTimeline, commandsOn, linksDownAt, routesAt } from '../../web/src/domain/timeline.ts';
import { packetPath, pathMarks } from '../../web/src/domain/packet-path.ts';
import { toRow } from '../../web/src/domain/packet-view.ts';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { innermostLine } from '../../engine/server/recording-backend.ts';

async function run(file: string): Promise<RunResult> {
  const l = await loadScenario(file);
  if (!l.scenario) throw new Error(JSON.stringify(l.problems));
  return runScenario(l.scenario, l.topology);
}

describe('timeline of a run', () => {
  let ipip: RunResult;
  beforeAll(async () => {
    ipip = await run('test/fixtures/scenarios/two-nodes-ipip.yaml');
  });

  it('has every step with its narration, commands and expectations', () => {
    const t = buildTimeline(ipip.events);
    expect(t.steps.map((s) => s.title)).toEqual(ipip.steps.map((s) => s.title));
    expect(t.steps.map((s) => s.ok)).toEqual(ipip.steps.map((s) => s.ok));
    expect(t.steps.flatMap((s) => s.expectations.map((e) => e.pass))).toEqual(ipip.steps.flatMap((s) => s.expectations.map((e) => e.pass)));
    expect(t.end?.passed).toBe(ipip.passed);
    expect(t.setup.commands.length).toBeGreaterThan(0);
    const tunnel = t.steps.find((s) => s.title.startsWith('Pod to pod'))!;
    expect(tunnel.narration).toContain('outer IPv4 header');
    expect(tunnel.commands[0]!.argv.join(' ')).toBe('ping -c 2 -I 10.5.1.1 10.5.2.1');
    for (let i = 1; i < t.steps.length; i++) expect(t.steps[i]!.tStart).toBeGreaterThanOrEqual(t.steps[i - 1]!.tEnd);
  });

  it("gives a node's routes and terminal as of a step", () => {
    const t = buildTimeline(ipip.events);
    const routeStep = t.steps.findIndex((s) => s.title.includes("route to worker-01's pods"));
    const has = (seq: number) => routesAt(ipip.events, 'master-01', seq).some((r) => r.dst === '10.5.2.0/26' && r.dev === 'tunl0' && r.onlink);
    expect(has(t.steps[routeStep - 1]!.lastSeq)).toBe(false);
    expect(has(t.steps[routeStep]!.lastSeq)).toBe(true);
    expect(commandsOn(ipip.events, 'master-01', t.steps[routeStep]!.lastSeq).map((c) => c.argv.join(' '))).toContain('ip route add 10.5.2.0/26 via 10.30.200.2 dev tunl0 onlink');
  });

  it('knows which links are down at each step', async () => {
    const floors = await run('test/fixtures/scenarios/floors-static.yaml');
    const t = buildTimeline(floors.events);
    const cut = t.steps.findIndex((s) => s.links.some((l) => l.state === 'down'));
    const restore = t.steps.findIndex((s, i) => i > cut && s.links.some((l) => l.state === 'up'));
    expect(cut).toBeGreaterThan(0);
    const ids = new Set(viewModel(floors.topology).links.map((l) => l.id));
    const downAtCut = [...linksDownAt(floors.events, t.steps[cut]!.lastSeq)].filter((id) => ids.has(id));
    expect(downAtCut).toHaveLength(1);
    expect(downAtCut[0]).toContain('floor3-tor:eth2');
    expect(linksDownAt(floors.events, t.steps[cut - 1]!.lastSeq).size).toBe(0);
    expect(linksDownAt(floors.events, t.steps[restore]!.lastSeq).size).toBe(0);
    // The cut shows up as route changes on the ToR, then as drops where packets hit the dead cable.
    expect(t.steps[cut]!.notes.some((n) => n.kind === 'routes' && n.text.startsWith('floor3-tor: '))).toBe(true);
    expect(t.steps.slice(cut, restore).flatMap((s) => s.notes).some((n) => n.kind === 'drop' && n.text.endsWith(': link-down'))).toBe(true);
  });
});

describe('recording backend', () => {
  it('rebuilds packets and tunnel paths from a recording file', async () => {
    const result = await run('test/fixtures/scenarios/two-nodes-ipip.yaml');
    const rec = decodeRecording(encodeRecording(recordingOf(result)));
    const b = recordingBackend(rec);
    expect(b.mode).toBe('replay');
    expect(b.exec).toBeUndefined();
    expect(b.feed.packetCount()).toBe(rec.captures.reduce((s, c) => s + c.frames, 0));
    const rows = b.feed.packetsSince(0).map(toRow);
    expect(rows.every((r) => r.frame)).toBe(true);
    const req = rows.find((r) => r.rec.node === 'worker-01' && r.rec.dir === 'in' && r.proto === 'IPIP' && r.line.includes('echo request'))!;
    const path = packetPath(req.rec, b.feed.hopsSince(0));
    expect(path[0]).toMatchObject({ node: 'master-01', hop: 'encap', tunnel: 'ipip' });
    expect(pathMarks(path).get('worker-01')).toContain('decap');
    expect(path.some((h) => h.node === 'sw1')).toBe(true);
    expect(b.pcap('worker-01', 'eth0')!.length).toBeGreaterThan(24);

    const ui = await serveBackend(b, { port: 0, build: false });
    try {
      const r = await fetch(`${ui.url}api/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: 'master-01', command: 'ip route' }) });
      expect(r.status).toBe(409);
      const ev = await (await fetch(`${ui.url}api/events?since=3`)).json() as { seq: number }[];
      expect(ev[0]!.seq).toBe(3);
      expect(ev.length).toBe(rec.events.length - 3);
    } finally {
      await ui.close();
    }
  });

  it('keys a tunnelled packet by its innermost line', () => {
    expect(innermostLine('IP 10.30.200.1 > 10.30.200.2: IP 10.5.1.1 > 10.5.2.1: ICMP echo request, id 1, seq 1, length 64 (ipip-proto-4)'))
      .toBe('IP 10.5.1.1 > 10.5.2.1: ICMP echo request, id 1, seq 1, length 64');
    expect(innermostLine('IP 10.30.200.1.51000 > 10.30.200.2.4789: VXLAN, flags [I] (0x08), vni 4096\nIP 10.5.1.1 > 10.5.2.1: ICMP echo request, id 1, seq 1, length 64'))
      .toBe('IP 10.5.1.1 > 10.5.2.1: ICMP echo request, id 1, seq 1, length 64');
  });
});

describe('a scenario run live under the UI', () => {
  it('keeps the lab running after the run, with the run as timeline and its packets traced', async () => {
    const { runScenarioLive } = await import('../../engine/cli/ui-serve.ts');
    const l = await loadScenario('test/fixtures/scenarios/two-nodes-ipip.yaml');
    const { lab, feed, result } = await runScenarioLive(l.scenario!, l.topology!);
    expect(result.passed).toBe(true);
    expect(lab.exec('master-01', 'ip route').stdout).toContain('10.5.2.0/26 via 10.30.200.2 dev tunl0 onlink');
    const rows = feed.packetsSince(0).map(toRow);
    const req = rows.find((r) => r.proto === 'IPIP' && r.rec.node === 'worker-01' && r.rec.dir === 'in')!;
    expect(req.rec.hop).toBeGreaterThanOrEqual(0); // traced from deploy on, not only captured
    expect(packetPath(req.rec, feed.hopsSince(0)).map((h) => h.hop)).toEqual(expect.arrayContaining(['encap', 'decap', 'deliver']));
    const ui = await serveBackend((await import('../../engine/server/index.ts')).liveBackend(lab, { feed, events: result.events }), { port: 0, build: false });
    try {
      const ev = await (await fetch(`${ui.url}api/events`)).json() as { type: string }[];
      expect(ev.length).toBe(result.events.length);
      const r = await fetch(`${ui.url}api/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: 'worker-01', command: 'ping -c 1 -I 10.5.2.1 10.5.1.1' }) });
      expect((await r.json() as { code: number }).code).toBe(0);
    } finally {
      await ui.close();
    }
  });
});
