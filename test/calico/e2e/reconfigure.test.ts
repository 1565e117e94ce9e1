/**
 * confd reacting to datastore changes while the cluster runs: switching the node-to-node
 * mesh off removes the sessions (Cease) and BIRD's routes with them, so pods lose each other
 * (the docs' warning: mesh off without replacement peers breaks pod networking); switching it
 * back on restores both. Sessions of unchanged peers are not restarted by unrelated changes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { calicoEventBody } from '../../../engine/runtime/sim/calico.ts';
import { checkEvent } from '../../../engine/events.ts';
import { blocksOf, podPing, routes, topology, up } from './helpers.ts';
import type { Up } from './helpers.ts';

const mesh = (enabled: boolean) => ({
  apiVersion: 'projectcalico.org/v3', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { nodeToNodeMeshEnabled: enabled },
});

describe('reconfiguring BGP at run time (two-nodes)', () => {
  let u: Up;
  beforeAll(async () => {
    u = await up(await topology('topologies/two-nodes.yaml'), [['master-01', 'pod-a'], ['worker-01', 'pod-b']]);
  });

  it('a new pod does not restart the established session', async () => {
    const since = u.c.agents.get('master-01')!.speaker!.peer('10.30.200.2')!.session.since;
    u.lab.world.run(5000);
    await u.c.addPod('master-01', 'default', 'pod-c');
    u.lab.world.run(1000);
    const s = u.c.agents.get('master-01')!.speaker!.peer('10.30.200.2')!.session;
    expect(s.state).toBe('Established');
    expect(s.since).toBe(since);
  });

  it('mesh off: no peers, remote block routes withdrawn, pods cut off; mesh on: back', async () => {
    const [remote] = await blocksOf(u.c, 'worker-01');
    await u.c.apply(mesh(false));
    u.lab.world.run(1000);
    expect(u.lab.exec('master-01', 'calicoctl node status').stdout).toContain('IPv4 BGP status\nNo IPv4 peers found.\n');
    expect(routes(u, 'master-01').filter((l) => l.startsWith(remote!))).toEqual([]);
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('0 received');
    const ceased = u.c.events.filter((e) => e.type === 'bgp-session' && e.node === 'worker-01' && e.to === 'Idle');
    expect(ceased.length).toBeGreaterThan(0);

    await u.c.apply(mesh(true));
    const r = u.c.converge();
    expect(r.converged).toBe(true);
    expect(routes(u, 'master-01')).toContain(`${remote} via 10.30.200.2 dev tunl0 proto bird onlink`);
    expect(podPing(u, 'pod-a', 'pod-b', 1)).toContain('1 received');
  });
});

describe('events', () => {
  it('session and route events map to calico.* events the schema accepts', async () => {
    const u = await up(await topology('topologies/two-nodes.yaml'), [['master-01', 'pod-a']]);
    const bodies = u.c.events.map(calicoEventBody).filter((b) => b !== undefined);
    expect(bodies.some((b) => b.type === 'calico.bgp-session' && (b as { to: string }).to === 'Established')).toBe(true);
    expect(bodies.some((b) => b.type === 'calico.route' && (b as { route: string }).route.endsWith('proto bird'))).toBe(true);
    bodies.forEach((b, i) => expect(checkEvent({ seq: i, t: 0, step: 0, ...b })).toBeUndefined());
    expect(checkEvent({ seq: 0, t: 0, step: 0, type: 'calico.route', node: 'x' })).toMatch(/'action' must be a string/);
  });
});

describe('FelixConfiguration from the topology', () => {
  it('vxlanVNI in FelixConfiguration default reaches vxlan.calico', async () => {
    const t = await topology('topologies/two-nodes.yaml', { ipipMode: 'Never', vxlanMode: 'Always' });
    const felix = { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { vxlanVNI: 5000 } };
    const u = await up({ ...t, calico: [...t.calico, { apiVersion: felix.apiVersion, kind: felix.kind, name: 'default', manifest: felix, loc: { file: 'test', line: 1, col: 1 } }] });
    expect(u.lab.exec('master-01', 'ip -d link show vxlan.calico').stdout).toMatch(/vxlan id 5000 /);
  });
});
