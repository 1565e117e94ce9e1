/**
 * The cluster's compact event log gives back, field for field and in the same key order, the
 * events it was given: route events stored as numbers, the others as they came.
 */
import { describe, expect, it } from 'vitest';
import { ClusterEventLog } from '../../../engine/calico/cluster/event-log.ts';
import type { NodeAgentEvent } from '../../../engine/calico/node/agent.ts';
import { KernelRouteEvent } from '../../../engine/calico/node/kernel-routes.ts';

const route = (node: string, t: number, action: 'add' | 'replace' | 'delete' | 'error', route: string, reason: string): NodeAgentEvent =>
  ({ type: 'route', node, t, action, route, reason });

describe('ClusterEventLog', () => {
  it('reads back every event as it was pushed, in order, across growth', () => {
    const log = new ClusterEventLog();
    const events: NodeAgentEvent[] = [
      { type: 'bgp-session', node: 'n1', t: 0.5, peer: '10.0.0.2', name: 'Node_10_0_0_2', from: 'Idle', to: 'Connect', reason: '' },
      route('n1', 1.25, 'add', '10.244.1.0/26 via 10.0.0.2 dev tunl0 proto bird onlink', 'learned over BGP'),
      route('n2', 1.5, 'error', '10.244.0.0/26 via 10.0.0.1 dev tunl0 proto bird onlink', 'RTNETLINK answers: Network is unreachable'),
      // Another key order, or an extra field: kept as an object, so it reads back the same.
      { t: 2, type: 'route', node: 'n3', action: 'delete', route: 'x', reason: 'y' } as NodeAgentEvent,
      { ...route('n3', 2, 'replace', 'x', 'y'), extra: 1 } as unknown as NodeAgentEvent,
      { type: 'confd', node: 'n1', t: 3, peers: ['a'], announced: ['10.244.0.0/26'], caveats: [] },
    ];
    for (let i = 0; i < 3000; i++) events.push(route(`n${i % 7}`, i / 3, i % 2 ? 'add' : 'delete', `10.244.${i % 50}.0/26 via 10.0.0.${i % 50} dev tunl0 proto bird onlink`, 'learned over BGP'));
    // A pass's events in a row: one node, the reason changing now and then (the log remembers the last of each).
    for (let i = 0; i < 40; i++) events.push(route('n9', 1000, 'add', `10.245.${i}.0/26 via 10.0.1.${i} dev tunl0 proto bird onlink`, i % 9 < 6 ? 'IPIP pool 10.245.0.0/16' : `pool ${i % 2}`));
    for (const e of events) log.push(e);
    expect(log.length).toBe(events.length);
    expect(JSON.stringify([...log])).toBe(JSON.stringify(events));
    expect(log.slice(2990).map((e) => JSON.stringify(e))).toEqual(events.slice(2990).map((e) => JSON.stringify(e)));
    expect(log.at(0)).toBe(events[0]);
    expect(log.at(events.length)).toBeUndefined();
    expect(log.at(-1)).toBeUndefined();
  });

  it("calico-node's KernelRouteEvents are stored by their fields and read back as the plain events they equal", () => {
    const log = new ClusterEventLog();
    const mine = [
      new KernelRouteEvent('n1', 1.25, 'add', '10.244.1.0/26 via 10.0.0.2 dev tunl0 proto bird onlink', 'IPIP pool 10.244.0.0/16'),
      new KernelRouteEvent('n1', 1.25, 'error', '10.244.2.0/26 via 10.0.0.3 dev tunl0 proto bird onlink', 'RTNETLINK answers: File exists'),
      new KernelRouteEvent('n2', 2, 'delete', 'blackhole 10.244.3.0/26 proto bird', 'static blackhole for block 10.244.3.0/26'),
    ];
    const plain = mine.map((e) => route(e.node, e.t, e.action, e.route, e.reason));
    // Same keys in the same order as the agent's literal always had.
    for (const [i, e] of mine.entries()) expect(Object.keys(e)).toEqual(Object.keys(plain[i]!));
    for (const e of mine) log.push(e);
    expect(JSON.stringify([...log])).toBe(JSON.stringify(plain));
    // Stored as columns, not kept: reading gives a plain object.
    expect(log.at(0)).not.toBe(mine[0]);
    expect(Object.getPrototypeOf(log.at(0))).toBe(Object.prototype);
  });
});
