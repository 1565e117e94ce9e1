/**
 * Long-running commands from the API and the live packet list are bounded: a ping or
 * traceroute over the budget is refused before it runs (422, naming the limit), so the lab
 * keeps answering; the LiveFeed keeps at most its packet budget, drops the oldest and says
 * how many it dropped, and packet numbers stay stable across the drop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../engine/scenario/index.ts';
import { runScenarioLive } from '../../engine/cli/ui-serve.ts';
import { attachedNamespaces } from '../../engine/server/namespaces.ts';
import { LiveFeed, serveUi, type PacketsResponse, type UiServer } from '../../engine/server/index.ts';
import { PING_PACKET_BUDGET, TRACEROUTE_PROBE_BUDGET, execOverBudget } from '../../engine/server/exec-budget.ts';
import type { SimLab } from '../../engine/runtime/sim/sim-lab.ts';

let lab: SimLab;
let ui: UiServer;
let feed: LiveFeed;
let pod: string;
let peer: string;
const MAX_PACKETS = 400;

beforeAll(async () => {
  const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
  ({ lab } = await runScenarioLive(l.scenario!, l.topology!));
  const pods = attachedNamespaces(lab);
  pod = pods[0]!.name;
  peer = pods[1]!.addresses[0]!.split('/')[0]!;
  feed = new LiveFeed(lab, 100_000, MAX_PACKETS);
  ui = await serveUi(lab, { port: 0, build: false, feed });
});
afterAll(async () => {
  await ui?.close();
});

const exec = async (command: string): Promise<{ status: number; body: { stdout?: string; code?: number; error?: string } }> => {
  const r = await fetch(`${ui.url}api/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: pod, command }) });
  return { status: r.status, body: await r.json() as { stdout?: string; code?: number; error?: string } };
};

describe('API command budget', () => {
  it('refuses ping -c 10000 before it runs, naming the limit', async () => {
    const t0 = Date.now();
    const r = await exec(`ping -c 10000 ${peer}`);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.status).toBe(422);
    expect(r.body.error).toBe(`ping would send 10000 echo requests; the web terminal runs at most ${PING_PACKET_BUDGET} packets per command: lower -c `
      + '(the simulator answers nothing else while a command runs; put a longer run in a scenario step (podlab run))');
  });

  it('counts fragments of large pings, and traceroute probes', () => {
    expect(execOverBudget(`ping -c 10 -s 60000 ${peer}`)).toContain('10 echo requests of 41 fragments each (410 packets)');
    expect(execOverBudget(`ping -c 4 -s 60000 ${peer}`)).toBeUndefined();
    expect(execOverBudget(`ping -c ${PING_PACKET_BUDGET} ${peer}`)).toBeUndefined();
    expect(execOverBudget(`ping -c1000000000 ${peer}`)).toContain('1000000000 echo requests');
    // Not whole numbers: ping itself refuses them as iputils does ("invalid argument"), nothing runs.
    expect(execOverBudget(`ping -c 1e9 ${peer}`)).toBeUndefined();
    expect(execOverBudget(`ping -c Infinity ${peer}`)).toBeUndefined();
    expect(execOverBudget('traceroute -m 100000 -q 1000 10.99.99.99')).toContain(`at most ${TRACEROUTE_PROBE_BUDGET}`);
    expect(execOverBudget('traceroute -m 255 -q 10 10.99.99.99')).toBeUndefined();
    expect(execOverBudget('ping -x')).toBeUndefined(); // a usage error is the tool's to print
    expect(execOverBudget('ip route')).toBeUndefined();
  });

  it('runs a ping within the budget', async () => {
    const r = await exec(`ping -c 3 ${peer}`);
    expect(r.status).toBe(200);
    expect(r.body.stdout).toContain('3 packets transmitted, 3 received');
  });
});

describe('live packet list', () => {
  it('keeps at most its budget, drops the oldest and says how many', async () => {
    for (let i = 0; i < 4; i++) expect(lab.exec(pod, `ping -c 100 ${peer}`).code).toBe(0);
    const total = feed.packetCount();
    const dropped = feed.droppedPackets();
    expect(total).toBeGreaterThan(MAX_PACKETS * 2);
    expect(total - dropped).toBeLessThanOrEqual(MAX_PACKETS + MAX_PACKETS / 8);
    expect(dropped).toBeGreaterThan(0);
    const r = await (await fetch(`${ui.url}api/packets?since=0`)).json() as PacketsResponse;
    expect(r.total).toBe(total);
    expect(r.dropped).toBe(dropped);
    // Numbers are stable: the first kept packet is dropped + 1, and `since` counts from the start.
    expect(r.packets[0]!.no).toBe(dropped + 1);
    expect(r.packets.at(-1)!.no).toBe(total);
    const tail = await (await fetch(`${ui.url}api/packets?since=${total - 5}`)).json() as PacketsResponse;
    expect(tail.packets.map((p) => p.no)).toEqual([total - 4, total - 3, total - 2, total - 1, total]);
  });
});
