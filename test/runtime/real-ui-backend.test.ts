/**
 * The UI server over a lab on real nodes (what `podlab up --runtime mininet` serves): the
 * topology says which runtime, commands typed in the UI run on the node's real tools, and the
 * packet list fills with what tcpdump captured — over the same HTTP API as the simulator's.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTopology } from '../../engine/model/validate.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';
import { mininetDeploy, realTraceSource } from '../../engine/scenario/real-driver.ts';
import { LiveFeed, serveBackend, type UiServer } from '../../engine/server/index.ts';
import { driverBackend } from '../../engine/server/driver-backend.ts';
import { haveCommands, haveRoot, haveMininet } from '../support/system.ts';

const ok = haveRoot() && haveCommands('ip', 'tcpdump', 'nsenter', 'mnexec', 'ping') && haveMininet();
process.env.PODLAB_HOME = mkdtempSync(join(tmpdir(), 'pl-realui-'));

const TOPOLOGY = `
name: ui-pair
nodes:
  a: { kind: host, interfaces: { eth0: { address: 198.51.100.1/24 } } }
  b: { kind: host, interfaces: { eth0: { address: 198.51.100.2/24 } } }
  sw: { kind: switch }
links:
  - endpoints: ["a:eth0", "sw:eth1"]
  - endpoints: ["b:eth0", "sw:eth2"]
`;

describe.runIf(ok)('the UI server on a Mininet lab', () => {
  let driver: LabDriver;
  let ui: UiServer;

  beforeAll(async () => {
    const r = parseTopology(TOPOLOGY, 'ui-pair.yaml');
    if (!r.topology) throw new Error(r.problems.map((p) => p.message).join('\n'));
    driver = await mininetDeploy(r.topology, { lab: `ui-${process.pid}` });
    const feed = new LiveFeed(realTraceSource(driver)!);
    ui = await serveBackend(driverBackend(driver, feed, () => []), { port: 0 });
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await driver?.destroy();
  }, 60_000);

  it('serves the topology, runs commands on the real node and lists the captured packets', async () => {
    const topo = (await (await fetch(`${ui.url}api/topology`)).json()) as { runtime: string; mode: string };
    expect(topo).toMatchObject({ runtime: 'mininet', mode: 'live' });
    const post = await fetch(`${ui.url}api/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: 'a', command: 'ping -c 2 -i 0.2 198.51.100.2' }) });
    const r = (await post.json()) as { code: number; stdout: string; stderr: string };
    expect({ code: r.code, out: r.stdout + r.stderr }).toEqual({ code: 0, out: expect.stringContaining('2 packets transmitted, 2 received') });
    const addr = (await (await fetch(`${ui.url}api/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node: 'b', command: 'ip -4 addr show dev eth0' }) })).json()) as { stdout: string };
    expect(addr.stdout).toContain('inet 198.51.100.2/24');
    const packets = (await (await fetch(`${ui.url}api/packets?since=0`)).json()) as { packets: { node: string; iface: string; dir?: string; hex: string }[] };
    // Echo requests leave a's eth0 (tx, 'out') and arrive on b's (rx, 'in'): IPv4 protocol 1, type 8.
    const icmpFrom = (node: string, dir: string) => packets.packets.filter((p) => p.node === node && p.iface === 'eth0' && p.dir === dir && p.hex.slice(24, 28) === '0800' && p.hex.slice(46, 48) === '01' && p.hex.slice(68, 70) === '08');
    expect(icmpFrom('a', 'out').length).toBeGreaterThanOrEqual(2);
    expect(icmpFrom('b', 'in').length).toBeGreaterThanOrEqual(2);
    const caps = (await (await fetch(`${ui.url}api/captures`)).json()) as { node: string; iface: string; frames: number }[];
    expect(caps.find((c) => c.node === 'a' && c.iface === 'eth0')?.frames).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
