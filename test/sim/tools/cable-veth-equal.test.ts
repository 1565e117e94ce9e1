/**
 * A World cable is a veth pair across two namespaces, and the node tools print it as Linux
 * does: built the same way in real network namespaces (`ip link add eth0 type veth peer name
 * eth0 netns B`, run in A — what World.connect(A, eth0, B, eth0) stands for), the views inside
 * each node must be byte for byte equal. The real tools run with /run/netns hidden, as inside
 * a container or a Mininet host, so the peer shows as `link-netnsid N`.
 *
 * Normalisations, stated: the real MACs are set to the simulator's deterministic ones; IPv6
 * duplicate address detection is awaited on the real side.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { World } from '../../../engine/sim/world.ts';
import { runTool } from '../../../engine/sim/tools/index.ts';
import type { HostFacts, ToolResult } from '../../../engine/sim/tools/index.ts';

const ok = haveRoot() && haveCommands('ip', 'sh');
const tag = `plt-cv-${process.pid}`;
const NODES = ['a', 'b', 'c'];
const ns = (n: string): string => `${tag}-${n}`;

/** [node, iface, node, iface]: the cables, in the order the World connects them. */
const CABLES: [string, string, string, string][] = [['a', 'eth0', 'b', 'eth0'], ['a', 'eth1', 'c', 'eth0'], ['b', 'eth1', 'c', 'eth1']];

/** Then each node's setup, as its plan would run it. */
const SETUP: [string, string[]][] = [
  ['a', ['ip', 'link', 'set', 'lo', 'up']],
  ['a', ['ip', 'addr', 'add', '10.0.1.1/24', 'dev', 'eth0']],
  ['a', ['ip', 'link', 'set', 'eth0', 'up']],
  ['b', ['ip', 'link', 'set', 'eth0', 'up']],
  ['c', ['ip', 'link', 'set', 'eth1', 'up']],
];

const VIEWS: string[][] = [
  ['ip', 'link'], ['ip', '-d', 'link'], ['ip', 'addr'], ['ip', '-4', 'addr'], ['ip', '-br', 'link'], ['ip', '-o', 'link'], ['ip', 'link', 'show', 'eth1'],
];

function real(node: string, argv: string[]): ToolResult {
  // `ip netns exec` gives the command its own mount namespace: hiding /run/netns there is
  // what a container or a Mininet host sees.
  const script = 'mount -t tmpfs none /run/netns && exec "$@"';
  const r = spawnSync('ip', ['netns', 'exec', ns(node), 'sh', '-c', script, 'sh', ...argv], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

describe.skipIf(!ok)('a World cable prints as a veth pair across namespaces (real netns vs simulator)', () => {
  const w = new World();
  let host: HostFacts;
  const sim = (node: string, argv: string[]): ToolResult => runTool(w.node(node), argv, host);

  beforeAll(() => {
    for (const n of NODES) {
      spawnSync('ip', ['netns', 'del', ns(n)]);
      const r = spawnSync('ip', ['netns', 'add', ns(n)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip netns add ${ns(n)}: ${r.stderr}`);
      w.addNode(n);
    }
    for (const [a, ai, b, bi] of CABLES) {
      w.connect(a, ai, b, bi);
      const r = spawnSync('ip', ['-n', ns(a), 'link', 'add', ai, 'type', 'veth', 'peer', 'name', bi, 'netns', ns(b)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`veth ${a}:${ai}-${b}:${bi}: ${r.stderr}`);
      for (const [n, i] of [[a, ai], [b, bi]] as const) {
        // The same command on both sides: it also makes n number the peer's namespace now.
        const set = ['ip', 'link', 'set', 'dev', i, 'address', w.node(n).findDevice(i)!.mac];
        spawnSync(set[0]!, ['-n', ns(n), ...set.slice(1)]);
        expect(runTool(w.node(n), set).code).toBe(0);
      }
    }
    const cpus = /^0-(\d+)$/.exec(readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim());
    host = { possibleCpus: cpus ? Number(cpus[1]) + 1 : 1, bridgeVlanSupport: true };
  });

  afterAll(() => {
    for (const n of NODES) spawnSync('ip', ['netns', 'del', ns(n)]);
  });

  const compare = (): void => {
    for (const view of VIEWS) {
      for (const n of NODES) {
        const r = real(n, view);
        const s = sim(n, view);
        expect({ node: n, view: view.join(' '), ...s }).toEqual({ node: n, view: view.join(' '), ...r });
      }
    }
  };

  it('fresh nodes: lo down, cable ends down, eth0@ifN and link-netnsid as Linux numbers them', () => {
    compare();
  });

  it('after setup: addresses, carrier on one cable, NO-CARRIER where the far end is down', () => {
    for (const [n, argv] of SETUP) {
      const r = real(n, argv);
      expect(r.code, `${n}: ${argv.join(' ')}: ${r.stderr}`).toBe(0);
      expect(sim(n, argv).code).toBe(0);
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && NODES.some((n) => real(n, ['ip', 'addr']).stdout.includes('tentative'))) spawnSync('sleep', ['0.2']);
    compare();
  });

  it('deleting one end of a cable deletes its peer in the other namespace', () => {
    expect(sim('c', ['ip', 'link', 'del', 'eth1']).code).toBe(real('c', ['ip', 'link', 'del', 'eth1']).code);
    compare();
  });
});
