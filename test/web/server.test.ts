/**
 * The UI server's API over a live simulated lab: inputs are validated, commands run on the
 * node's tools, the live stream carries hops, pcaps download and tshark reads them, and a
 * packet's path crosses the IPIP tunnel with its encap and decap marked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, type UiServer, type HopEvent, type PacketsResponse, type ServerMessage, type HopsResponse } from '../../engine/server/index.ts';
import { packetPath, pathMarks, pathStops } from '../../web/src/domain/packet-path.ts';
import { toRow, filterRows } from '../../web/src/domain/packet-view.ts';
import { haveCommands } from '../support/system.ts';
import { parsePrefix4 } from '../../engine/net/ip.ts';
import type { TopologyResponse } from '../../engine/server/api-types.ts';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { hopCause, routeGetLine, routeKey, routeQueries } from '../../web/src/domain/hop-cause.ts';

let ui: UiServer;
let lab: SimLab;

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request(`${ui.url.replace(/\/$/, '')}${path}`, { method, headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end(body);
  });
}
const json = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> => {
  const r = await call(method, path, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, data: JSON.parse(r.body.toString()) as T };
};
const exec = (node: string, command: string) => json<{ stdout: string; stderr: string; code: number; error?: string }>('POST', '/api/exec', { node, command });

beforeAll(async () => {
  const t = await loadTopology('topologies/two-nodes.yaml');
  lab = SimLab.deploy(t.topology!);
  ui = await serveUi(lab, { port: 0, build: false });
});
afterAll(async () => {
  await ui?.close();
});

describe('UI server API', () => {
  it('binds loopback and lists topology and nodes', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const nodes = await json<{ name: string; kind: string; interfaces: { name: string; address?: string }[] }[]>('GET', '/api/nodes');
    expect(nodes.data.map((n) => n.name)).toEqual(lab.topology.nodes.map((n) => n.name));
    expect(nodes.data.map((n) => `${n.name} ${n.kind}`)).toEqual(expect.arrayContaining(['sw1 switch', 'master-01 k8s-node', 'worker-01 k8s-node']));
    expect(nodes.data.find((n) => n.name === 'master-01')!.interfaces).toEqual([{ name: 'eth0', address: '10.30.200.1/24' }]);
    const topo = await json<{ topology: { name: string }; mode: string }>('GET', '/api/topology');
    expect([topo.data.topology.name, topo.data.mode]).toEqual(['two-nodes', 'live']);
  });

  it('runs commands on the named node and nothing else', async () => {
    const r = await exec('master-01', 'ip route');
    expect(r.status).toBe(200);
    expect(r.data.stdout).toContain('10.30.200.0/24 dev eth0 proto kernel scope link src 10.30.200.1');
    expect((await exec('../../etc', 'ip route')).status).toBe(400);
    expect((await exec('master-02', 'ip route')).status).toBe(404);
    expect((await exec('master-01', '   ')).status).toBe(400);
    expect((await exec('master-01', 'ip route\nreboot')).status).toBe(400);
    expect((await exec('master-01', 'rm -rf /')).data.code).not.toBe(0); // the node's tools say what they say; nothing reaches a shell
    expect((await call('POST', '/api/exec', 'node=master-01', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await call('POST', '/api/exec', '{"node":')).status).toBe(400);
    expect((await call('POST', '/api/exec', JSON.stringify({ node: 'master-01', command: 'x'.repeat(20_000) }))).status).toBe(413);
  });

  it('serves nothing outside web/dist', async () => {
    for (const path of ['/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/../../package.json']) {
      const r = await call('GET', path);
      expect(r.body.toString()).not.toContain('"name": "podlab"');
    }
    expect((await call('DELETE', '/index.html')).status).toBe(405);
    expect((await call('GET', '/api/nope')).status).toBe(404);
  });

  it('refuses other Host names (DNS rebinding) and cross-site WebSockets', async () => {
    expect((await call('GET', '/api/nodes', undefined, { host: 'attacker.example' })).status).toBe(421);
    const ws = new WebSocket(`${ui.url.replace('http', 'ws')}ws`, { headers: { origin: 'http://attacker.example' } });
    const outcome = await new Promise<string>((ok) => { ws.on('open', () => ok('open')); ws.on('error', () => ok('refused')); ws.on('unexpected-response', () => ok('refused')); });
    expect(outcome).toBe('refused');
    ws.terminate();
  });

  it('streams the hops of a ping over the WebSocket', async () => {
    const ws = new WebSocket(`${ui.url.replace('http', 'ws')}ws`);
    const got: ServerMessage[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as ServerMessage));
    await new Promise((ok) => ws.on('open', ok));
    await exec('master-01', 'ping -c 1 10.30.200.2');
    await new Promise((ok) => setTimeout(ok, 100));
    ws.close();
    expect(got[0]!.type).toBe('hello');
    const hops = got.flatMap((m) => (m.type === 'hops' ? m.hops : []));
    expect(hops.some((h) => h.hop === 'deliver' && h.node === 'worker-01')).toBe(true);
    expect(got.some((m) => m.type === 'packets')).toBe(true);
    expect(got.some((m) => m.type === 'command' && m.node === 'master-01' && m.code === 0)).toBe(true);
    // A quiet read (the inspector's) is not announced.
    const before = got.length;
    const ws2 = new WebSocket(`${ui.url.replace('http', 'ws')}ws`);
    const got2: ServerMessage[] = [];
    ws2.on('message', (d) => got2.push(JSON.parse(String(d)) as ServerMessage));
    await new Promise((ok) => ws2.on('open', ok));
    await json('POST', '/api/exec', { node: 'master-01', command: 'ip route', quiet: true });
    await new Promise((ok) => setTimeout(ok, 100));
    ws2.close();
    expect(got2.filter((m) => m.type === 'command')).toEqual([]);
    expect(before).toBe(got.length);
    expect((await json('POST', '/api/exec', { node: 'master-01', command: 'ip route', quiet: 'yes' })).status).toBe(400);
  });

  it('lists packets the browser decodes and filters like tcpdump', async () => {
    const { data } = await json<PacketsResponse>('GET', '/api/packets');
    const rows = data.packets.map(toRow);
    expect(rows.length).toBe(data.total);
    expect(rows.every((r) => r.frame !== undefined)).toBe(true);
    const icmp = filterRows(rows, 'icmp');
    expect(icmp.ok && icmp.rows.length).toBe(4); // request and reply, each seen on both nodes' eth0
    const bad = filterRows(rows, 'icmp and');
    expect(bad.ok).toBe(false);
    // The list says what the node's own tcpdump says (minus the timestamp column).
    const tcpdump = lab.exec('master-01', 'tcpdump -n -i eth0 icmp');
    const theirs = tcpdump.stdout.trim().split('\n').map((l) => l.replace(/^\S+ /, ''));
    expect(icmp.ok && icmp.rows.filter((r) => r.rec.node === 'master-01' && r.rec.iface === 'eth0').map((r) => r.line)).toEqual(theirs);
  });

  it('serves pcaps that tshark reads, one per captured interface', async () => {
    if (!haveCommands('tshark')) return;
    const caps = await json<{ node: string; iface: string; frames: number; pcap: string }[]>('GET', '/api/captures');
    const expected = lab.topology.nodes.filter((n) => n.kind !== 'switch').flatMap((n) => n.interfaces.map((i) => `${n.name}:${i.name}`));
    expect(caps.data.map((c) => `${c.node}:${c.iface}`).sort()).toEqual(expected.sort());
    const dir = mkdtempSync(join(tmpdir(), 'podlab-ui-pcap-'));
    try {
      for (const c of caps.data.filter((x) => x.node === 'master-01' || x.node === 'worker-01')) {
        const r = await call('GET', c.pcap);
        expect(r.type).toBe('application/vnd.tcpdump.pcap');
        writeFileSync(join(dir, 'c.pcap'), r.body);
        const lines = execFileSync('tshark', ['-r', join(dir, 'c.pcap')], { encoding: 'utf8' }).trim().split('\n');
        expect(lines.length).toBe(c.frames);
        expect(lines.some((l) => l.includes('Echo (ping) request'))).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await call('GET', '/api/pcap/master-01/tunl0')).status).toBe(404);
    expect((await call('GET', '/api/pcap/..%2F..%2Fetc/passwd')).status).toBe(400);
  });

  it('follows a pod-to-pod packet through the IPIP tunnel hop by hop', async () => {
    for (const [node, cmd] of [
      ['master-01', 'ip link add tunl0 type ipip'], ['master-01', 'ip link set tunl0 up'], ['master-01', 'ip addr add 10.5.1.1/32 dev lo'],
      ['master-01', 'ip route add 10.5.2.0/26 via 10.30.200.2 dev tunl0 onlink'], ['worker-01', 'ip link add tunl0 type ipip'],
      ['worker-01', 'ip link set tunl0 up'], ['worker-01', 'ip addr add 10.5.2.1/32 dev lo'], ['worker-01', 'ip route add 10.5.1.0/26 via 10.30.200.1 dev tunl0 onlink'],
    ] as const) expect((await exec(node, cmd)).data.stderr).toBe('');
    expect((await exec('master-01', 'ping -c 1 -I 10.5.1.1 10.5.2.1')).data.code).toBe(0);
    const { data } = await json<PacketsResponse>('GET', '/api/packets');
    const hops = (await json<HopsResponse>('GET', '/api/hops?since=0')).data.hops as HopEvent[];
    const rows = data.packets.map(toRow);
    const req = rows.find((r) => r.rec.node === 'worker-01' && r.rec.dir === 'in' && r.proto === 'IPIP' && r.line.includes('10.5.1.1 > 10.5.2.1: ICMP echo request'))!;
    expect(req).toBeDefined();
    const path = packetPath(req.rec, hops);
    const seen = path.map((h) => `${h.node} ${h.hop}${h.dev ? ` ${h.dev}` : ''}`);
    expect(seen[0]).toBe('master-01 encap tunl0');
    expect(seen).toContain('sw1 rx eth1');
    expect(seen).toContain('worker-01 decap tunl0');
    expect(seen[seen.length - 1]).toMatch(/^worker-01 deliver/);
    expect([...pathMarks(path)]).toEqual([['master-01', ['origin', 'encap']], ['worker-01', ['deliver', 'decap']]]);
    const wires = pathStops(path).filter((s) => s.kind === 'wire').map((s) => (s.kind === 'wire' ? `${s.from}:${s.fromDev}>${s.to}:${s.toDev}` : ''));
    expect(wires).toEqual(['master-01:eth0>sw1:eth1', 'sw1:eth2>worker-01:eth0']);
    // The reply is another packet with its own path.
    expect(path.some((h) => h.text.includes('echo reply'))).toBe(false);    // The encap hop names the inner destination; looked up now on the node it is the tunnel route.
    const qs = routeQueries(path);
    expect(qs).toEqual([{ node: 'master-01', dst: '10.5.2.1', command: 'ip route get 10.5.2.1' }]);
    const got = await exec(qs[0]!.node, qs[0]!.command);
    const line = routeGetLine(got.data);
    expect(line).toBe('10.5.2.1 via 10.30.200.2 dev tunl0 src 10.5.1.1');
    expect(hopCause(path[0]!, new Map([[routeKey('master-01', '10.5.2.1'), line]]))).toBe(`route now: ${line}`);
  });

  it('shows namespaces the topology does not name (pods) under the node their veth leads to', async () => {
    const pod = 'web-1.default.worker-01';
    const pk = lab.world.addNode(pod);
    lab.kernel('worker-01').addLink({ kind: 'veth', name: 'cali1234', peerName: 'eth0', peerNode: pod });
    lab.kernel('worker-01').setLink('cali1234', { up: true });
    pk.setLink('eth0', { up: true });
    pk.addAddress('eth0', parsePrefix4('10.5.2.9/32'));
    const t = await json<TopologyResponse>('GET', '/api/topology');
    expect(t.data.namespaces).toEqual([{ name: pod, host: 'worker-01', hostIface: 'cali1234', iface: 'eth0', addresses: ['10.5.2.9/32'] }]);
    expect((await exec(pod, 'ip -br addr')).data.stdout).toContain('10.5.2.9/32');
    const vm = viewModel(t.data.topology, t.data.namespaces);
    const l = layoutTiered(vm);
    expect(vm.nodes.find((n) => n.id === pod)).toMatchObject({ role: 'pod', kind: 'pod' });
    expect(vm.links.some((x) => x.id === `worker-01:cali1234--${pod}:eth0`)).toBe(true);
    expect(l.positions.get(pod)!.y).toBeGreaterThan(l.positions.get('worker-01')!.y);
    // Seen by the UI, the pod's interface is captured from then on.
    expect((await call('GET', `/api/pcap/${pod}/eth0`)).status).toBe(200);
  });

  it('says which port is taken instead of crashing', async () => {
    const { startUi, UiStartError } = await import('../../engine/cli/ui-serve.ts');
    await expect(startUi(lab, { port: ui.port })).rejects.toThrow(UiStartError);
    await expect(startUi(lab, { port: ui.port })).rejects.toThrow(`port ${ui.port} is in use`);
  });

  it('marks where a packet dies', async () => {
    // worker-01 sends through master-01, which forwards into a blackhole.
    expect((await exec('master-01', 'sysctl -w net.ipv4.ip_forward=1')).data.code).toBe(0);
    expect((await exec('master-01', 'ip route add blackhole 10.77.0.0/16')).data.code).toBe(0);
    expect((await exec('worker-01', 'ip route add 10.77.0.0/16 via 10.30.200.1')).data.code).toBe(0);
    expect((await exec('worker-01', 'ping -c 1 -W 1 10.77.0.1')).data.code).not.toBe(0);
    const hops = (await json<HopsResponse>('GET', '/api/hops?since=0')).data.hops;
    const drop = hops.find((h) => h.hop === 'drop' && h.node === 'master-01' && h.reason === 'blackhole');
    expect(drop).toBeDefined();
    expect(drop!.dst).toBe('10.77.0.1');
    expect(hopCause(drop!, new Map())).toBe('drop: blackhole');
    // The route that sent it there, asked now on the sender: via master-01.
    expect(routeGetLine((await exec('worker-01', 'ip route get 10.77.0.1')).data)).toMatch(/^10\.77\.0\.1 via 10\.30\.200\.1 dev eth0/);
    expect(routeGetLine((await exec('master-01', 'ip route get 10.77.0.1')).data)).toMatch(/^no route now \(/);
  });
});
