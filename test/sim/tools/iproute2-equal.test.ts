/**
 * The simulator's `ip` prints, byte for byte, what real iproute2 prints for the same state.
 *
 * Both sides are built from ONE list of `ip` commands: the real side runs them with
 * `ip -n <ns>` in two network namespaces joined by a veth, the simulated side runs them with
 * runTool() on two Kernels whose node names are the namespace names (so `link-netns` matches).
 * MACs are set explicitly by the commands. Normalisations, all stated: `ip neigh` is compared
 * as a sorted multiset of lines (the kernel dumps ARP entries in a randomly seeded hash order),
 * and host facts (CPU count for veth queues, bridge VLAN support) are read from this machine.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { Kernel } from '../../../engine/sim/kernel.ts';
import { Clock, Rng } from '../../../engine/sim/clock.ts';
import { TraceBus } from '../../../engine/sim/trace.ts';
import { runTool } from '../../../engine/sim/tools/index.ts';
import type { HostFacts, ToolResult } from '../../../engine/sim/tools/index.ts';

const ok = haveRoot() && haveCommands('ip');
const A = `plt-a-${process.pid}`;
const B = `plt-b-${process.pid}`;

/** [node, ip arguments] — the single source of truth for both sides. */
const SETUP: [string, string[]][] = [
  [A, ['link', 'set', 'lo', 'up']],
  [B, ['link', 'set', 'lo', 'up']],
  [A, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', B]],
  [A, ['link', 'set', 'dev', 'eth0', 'address', '02:00:00:00:00:01']],
  [B, ['link', 'set', 'dev', 'eth0', 'address', '02:00:00:00:00:02']],
  [A, ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0']],
  [A, ['addr', 'add', '10.0.0.5/24', 'dev', 'eth0']],
  [A, ['addr', 'add', '10.20.0.6/24', 'broadcast', '+', 'dev', 'eth0']],
  [B, ['addr', 'add', '10.0.0.2/24', 'dev', 'eth0']],
  [A, ['link', 'set', 'eth0', 'up']],
  [B, ['link', 'set', 'eth0', 'up']],
  [A, ['link', 'add', 'br0', 'type', 'bridge']],
  [A, ['link', 'set', 'dev', 'br0', 'address', '02:00:00:00:00:10']],
  [A, ['link', 'add', 'vx0', 'type', 'vxlan', 'id', '4096', 'dstport', '4789', 'local', '10.0.0.1', 'dev', 'eth0', 'nolearning']],
  [A, ['link', 'set', 'dev', 'vx0', 'address', '02:00:00:00:00:20']],
  [A, ['link', 'set', 'vx0', 'up']],
  [A, ['link', 'add', 'veth1', 'type', 'veth', 'peer', 'name', 'veth2']],
  [A, ['link', 'set', 'dev', 'veth1', 'address', '02:00:00:00:00:31']],
  [A, ['link', 'set', 'dev', 'veth2', 'address', '02:00:00:00:00:32']],
  [A, ['link', 'set', 'veth1', 'master', 'br0']],
  [A, ['link', 'set', 'veth1', 'up']],
  [A, ['route', 'add', '10.1.0.0/16', 'via', '10.0.0.2']],
  [A, ['route', 'add', '10.2.0.0/26', 'via', '10.0.0.2', 'dev', 'eth0', 'proto', 'bird']],
  [A, ['route', 'add', '10.3.0.0/26', 'via', '10.0.0.2', 'dev', 'eth0', 'proto', '80', 'onlink']],
  [A, ['route', 'add', 'blackhole', '10.4.0.0/26', 'proto', 'bird']],
  [A, ['route', 'add', 'unreachable', '10.5.0.0/24']],
  [A, ['route', 'add', 'prohibit', '10.6.0.0/24', 'metric', '5']],
  [A, ['route', 'add', '10.7.0.1', 'dev', 'eth0', 'scope', 'link']],
  [A, ['route', 'add', '10.8.0.0/24', 'via', '10.0.0.2', 'src', '10.0.0.1', 'metric', '100']],
  [A, ['route', 'add', '10.0.0.0/16', 'dev', 'eth0']],
  [A, ['route', 'add', 'default', 'via', '10.0.0.254']],
  [A, ['route', 'add', '10.9.0.0/24', 'via', '10.0.0.2', 'table', '100']],
  [A, ['route', 'add', '192.168.9.0/24', 'via', '10.0.0.2', 'table', '5']],
  [A, ['neigh', 'add', '10.0.0.9', 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0']],
  [A, ['neigh', 'add', '10.0.0.10', 'lladdr', '02:00:00:00:00:aa', 'dev', 'eth0', 'nud', 'permanent']],
  [A, ['neigh', 'add', '10.0.0.3', 'lladdr', '02:00:00:00:00:dd', 'dev', 'eth0', 'nud', 'stale']],
  [A, ['neigh', 'add', '10.0.0.12', 'lladdr', '02:00:00:00:00:cc', 'dev', 'eth0', 'nud', 'noarp']],
  [A, ['neigh', 'replace', '10.0.0.10', 'lladdr', '02:00:00:00:00:ab', 'dev', 'eth0']],
  [A, ['neigh', 'add', 'proxy', '10.0.0.50', 'dev', 'eth0']],
  [A, ['neigh', 'add', 'proxy', '10.0.0.51', 'dev', 'eth0']],
  [B, ['route', 'add', '10.1.0.0/16', 'via', '10.0.0.1', 'proto', 'bird']],
];

/** Views compared byte for byte on both nodes. */
const VIEWS: string[][] = [
  ['route'], ['r'], ['route', 'show', 'table', 'local'], ['route', 'show', 'table', 'all'], ['route', 'show', 'table', '100'],
  ['-4', 'route', 'show', 'table', 'all'], ['route', 'show', 'dev', 'eth0'], ['route', 'show', '10.1.0.0/16'],
  ['addr'], ['a'], ['addr', 'show', 'dev', 'eth0'], ['-br', 'addr'], ['-o', 'addr'], ['-4', 'addr'],
  ['link'], ['l'], ['-br', 'link'], ['-o', 'link'], ['-d', 'link'], ['-d', 'link', 'show', 'vx0'],
  ['neigh', 'show', 'proxy'], ['-6', 'route'],
  ['route', 'get', '10.1.2.3'], ['route', 'get', '10.0.0.2'], ['route', 'get', '10.0.0.1'], ['route', 'get', '8.8.8.8'],
  ['route', 'get', '10.0.0.255'], ['route', 'get', '127.0.0.5'], ['route', 'get', '10.3.0.9'], ['route', 'get', '10.8.0.9'],
  ['route', 'get', '10.4.0.1'], ['route', 'get', '10.5.0.1'], ['route', 'get', '10.6.0.1'],
];

/** Failing commands: stderr and exit status must match too. */
const ERRORS: string[][] = [
  ['route', 'add', '10.1.0.0/16', 'via', '10.0.0.2'],
  ['route', 'add', '10.11.0.0/16', 'via', '10.99.0.2'],
  ['route', 'add', '10.11.0.0/16', 'dev', 'eth9'],
  ['route', 'del', '10.12.0.0/16'],
  ['route', 'add', '10.11.0.0/33', 'dev', 'eth0'],
  ['route', 'add', '10.11.0.1/16', 'dev', 'eth0'],
  ['route', 'add', '10.11.0.0/16', 'via', '10.0.0.2', 'bogus'],
  ['route', 'add', '10.31.0.0/16', 'via', '10.0.0.2', 'metric', 'abc'],
  ['route', 'add', '10.31.0.0/16', 'via', '10.0.0.2', 'proto', 'bogus'],
  ['route', 'foo'], ['foo'], ['link', 'foo'], ['addr', 'foo'], ['neigh', 'foo'],
  ['link', 'set', 'eth9', 'up'], ['link', 'set', 'dev', 'eth0', 'mtu', 'abc'], ['link', 'set', 'dev'],
  ['link', 'set', 'dev', 'eth0', 'bogus'], ['link', 'set', 'eth0', 'master', 'br9'],
  ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x'],
  ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0'], ['addr', 'del', '10.0.0.7/24', 'dev', 'eth0'],
  ['addr', 'add', '10.0.0.77/24'], ['addr', 'add', '10.0.0.300/24', 'dev', 'eth0'], ['addr', 'show', 'dev', 'eth9'],
  ['neigh', 'add', '10.0.0.10', 'lladdr', '02:00:00:00:00:aa', 'dev', 'eth0'],
  ['neigh', 'add', '10.0.0.77', 'lladdr', 'zz', 'dev', 'eth0'],
  ['neigh', 'add', '10.0.0.13', 'dev', 'eth0', 'nud', 'noarp'],
  ['neigh', 'del', '10.0.0.99', 'dev', 'eth0'],
  ['route', 'get'], ['-x', 'link'],
];

function real(ns: string, args: string[]): ToolResult {
  const r = spawnSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  // To print `link-netns NAME`, iproute2 opens every entry of /run/netns to find the peer's
  // name; one that another suite is deleting at that moment makes it complain on stderr
  // (and print the same line). That is the machine being shared, not the namespace we read.
  const stderr = (r.stderr ?? '').replace(/^Error: Peer netns reference is invalid\.\n/gm, '');
  return { stdout: r.stdout, stderr, code: r.status ?? -1 };
}

/**
 * Linux allocates the ifindex of a veth peer created with `netns X` in the creating namespace
 * before moving it, so the real ifindexes skip a number the simulator does not (yet) skip.
 * Only ifindex numbers are normalised: "N: " at a record start and "@ifN".
 */
function normIfindex(r: ToolResult): ToolResult {
  const f = (t: string): string => t.replace(/^\d+: /gm, 'N: ').replace(/@if\d+/g, '@ifN');
  return { stdout: f(r.stdout), stderr: r.stderr, code: r.code };
}

function sortedLines(t: string): string[] {
  return t.split('\n').sort();
}

describe.skipIf(!ok)('simulated ip equals real iproute2 (netns)', () => {
  // Both namespaces are made with `ip netns add`, so iproute2 prints their names (link-netns).
  const world = {
    clock: new Clock(), trace: new TraceBus(), rng: new Rng(1), kernels: new Map<string, Kernel>(),
    kernel(n: string) { return this.kernels.get(n); }, isNamedNetns: () => true,
  };
  let host: HostFacts;
  const sim = (ns: string, args: string[]): ToolResult => runTool(world.kernels.get(ns)!, ['ip', ...args], host);

  beforeAll(() => {
    for (const ns of [A, B]) {
      spawnSync('ip', ['netns', 'del', ns]);
      const r = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip netns add ${ns}: ${r.stderr}`);
      world.kernels.set(ns, new Kernel({ node: ns, world }));
    }
    const cpus = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    const m = /^0-(\d+)$/.exec(cpus);
    // Probe bridge VLAN support the way it shows: can a bridge be created VLAN-filtering?
    const probe = spawnSync('ip', ['-n', A, 'link', 'add', 'brprobe', 'type', 'bridge', 'vlan_filtering', '1']);
    spawnSync('ip', ['-n', A, 'link', 'del', 'brprobe']);
    host = { possibleCpus: m ? Number(m[1]) + 1 : 1, bridgeVlanSupport: probe.status === 0 };
    for (const [ns, args] of SETUP) {
      const r = real(ns, args);
      if (r.code !== 0) throw new Error(`real ip -n ${ns} ${args.join(' ')}: ${r.stderr}`);
      const s = sim(ns, args);
      if (s.code !== 0) throw new Error(`sim ip ${args.join(' ')} on ${ns}: ${s.stderr}`);
    }
    // IPv6 duplicate address detection takes ~1 s on the real side; the simulator has none.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const t = real(A, ['addr']).stdout + real(B, ['addr']).stdout;
      if (!t.includes('tentative')) break;
      spawnSync('sleep', ['0.2']);
    }
  });

  afterAll(() => {
    for (const ns of [A, B]) spawnSync('ip', ['netns', 'del', ns]);
  });

  for (const view of VIEWS) {
    it(`ip ${view.join(' ')}`, () => {
      for (const ns of [A, B]) {
        const r = normIfindex(real(ns, view));
        const s = normIfindex(sim(ns, view));
        expect({ ns, ...s }).toEqual({ ns, ...r });
      }
    });
  }

  it('ip neigh (as a multiset of lines: real dump order is a seeded hash)', () => {
    for (const args of [['neigh'], ['n'], ['neigh', 'show', 'dev', 'eth0'], ['-4', 'neigh', 'show', 'nud', 'noarp']]) {
      const r = real(A, args);
      const s = sim(A, args);
      expect(s.code).toBe(r.code);
      expect(sortedLines(s.stdout)).toEqual(sortedLines(r.stdout));
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });

  for (const cmd of ERRORS) {
    it(`error: ip ${cmd.join(' ')}`, () => {
      const r = real(A, cmd);
      const s = sim(A, cmd);
      expect(r.code).not.toBe(0);
      expect(s).toEqual(r);
    });
  }
});
