/**
 * A bridge's MAC follows Linux's rule, checked against the real kernel: the same `ip`
 * commands run in a network namespace and on a simulated Kernel, and after each one
 * `ip link show br0` and the bridge's entries in `bridge fdb show` must be equal.
 *
 * The rule (br_stp_recalculate_bridge_id): the lowest port MAC while there are ports,
 * 00:00:00:00:00:00 once the last port left, and whatever the user set once set. A new
 * bridge's MAC is random in both (not compared until a port joins). Normalisations, stated:
 * only `master` FDB lines are compared (the real dump also lists each device's multicast
 * `self` entries, which the simulator does not model).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { Kernel } from '../../../engine/sim/kernel.ts';
import { runTool } from '../../../engine/sim/tools/index.ts';
import type { HostFacts, ToolResult } from '../../../engine/sim/tools/index.ts';

const ok = haveRoot() && haveCommands('ip', 'bridge');
const NS = `plt-br-${process.pid}`;

/** Each step: one command, then whether br0's address is already determined (not random). */
const STEPS: [string[], boolean][] = [
  [['ip', 'link', 'add', 'br0', 'type', 'bridge'], false],
  [['ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'], false],
  [['ip', 'link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'vd'], false],
  [['ip', 'link', 'set', 'va', 'address', '02:00:00:00:00:50'], false],
  [['ip', 'link', 'set', 'vc', 'address', '02:00:00:00:00:30'], false],
  [['ip', 'link', 'set', 'va', 'master', 'br0'], true],
  [['ip', 'link', 'set', 'vc', 'master', 'br0'], true],
  [['ip', 'link', 'set', 'vc', 'address', '02:00:00:00:00:70'], true],
  [['ip', 'link', 'set', 'vc', 'address', '02:00:00:00:00:10'], true],
  [['ip', 'link', 'set', 'vc', 'nomaster'], true],
  [['ip', 'link', 'set', 'va', 'nomaster'], true],
  [['ip', 'link', 'set', 'vc', 'master', 'br0'], true],
  [['ip', 'link', 'set', 'br0', 'address', '02:00:00:00:00:99'], true],
  [['ip', 'link', 'set', 'va', 'master', 'br0'], true],
  [['ip', 'link', 'set', 'vc', 'nomaster'], true],
  [['ip', 'link', 'set', 'va', 'nomaster'], true],
  [['ip', 'link', 'set', 'br0', 'address', '00:00:00:00:00:00'], true],
];

function real(argv: string[]): ToolResult {
  const [tool, ...rest] = argv;
  const r = spawnSync(tool!, ['-n', NS, ...rest], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

function masterLines(t: string): string[] {
  return t.split('\n').filter((l) => l.includes(' master '));
}

describe.skipIf(!ok)('a bridge takes its MAC like Linux (real netns vs simulator)', () => {
  const k = new Kernel({ node: NS });
  let host: HostFacts;
  const sim = (argv: string[]): ToolResult => runTool(k, argv, host);

  beforeAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
    const r = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip netns add ${NS}: ${r.stderr}`);
    // Probe bridge VLAN support in a namespace of its own: a probe device would take ifindex 2 here.
    const probeNs = `${NS}-probe`;
    spawnSync('ip', ['netns', 'add', probeNs]);
    const probe = spawnSync('ip', ['-n', probeNs, 'link', 'add', 'brprobe', 'type', 'bridge', 'vlan_filtering', '1']);
    spawnSync('ip', ['netns', 'del', probeNs]);
    host = { possibleCpus: 1, bridgeVlanSupport: probe.status === 0 };
  });

  afterAll(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('after every port change and explicit address, ip link and bridge fdb agree', () => {
    for (const [argv, determined] of STEPS) {
      const step = argv.join(' ');
      const r = real(argv);
      const s = sim(argv);
      expect({ step, ...s }).toEqual({ step, ...r });
      if (!determined) continue;
      const rl = real(['ip', 'link', 'show', 'br0']);
      const sl = sim(['ip', 'link', 'show', 'br0']);
      expect({ step, ...sl }).toEqual({ step, ...rl });
      const rf = masterLines(real(['bridge', 'fdb', 'show']).stdout);
      const sf = masterLines(sim(['bridge', 'fdb', 'show']).stdout);
      expect({ step, fdb: sf }).toEqual({ step, fdb: rf });
    }
  });
});
