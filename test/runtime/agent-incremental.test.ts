/**
 * The real calico-node (`podlab agent`, LinuxNodeAgent) is incremental by construction: it
 * lists the datastore once, then follows its watch. Against a real etcd holding a 150-node
 * cluster with 10 endpoints per node, in its own network namespace with real BIRD:
 *   - at start, one listing per prefix (not one per node), and BIRD runs with confd's config;
 *   - a pod added on its node is programmed (route to the pod's veth) with no datastore read
 *     at all during the pass — no relisting of the cluster's 1,500 endpoints;
 *   - a pod added on another node costs no Felix pass and no read, yet the agent reports
 *     in-sync with it;
 *   - a BGPPeer added makes confd re-render BIRD's config from its cache and reload BIRD, again
 *     with no read.
 * Not timed: it counts the reads the agent makes through its datastore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EtcdDatastore, resourceKey } from '../../engine/calico/datastore/index.ts';
import { birdPaths } from '../../engine/runtime/linux/agent.ts';
import type { AgentEvent } from '../../engine/runtime/linux/agent.ts';
import { haveBird, haveCommands, haveRoot } from '../support/system.ts';
import { buildCluster, copyInto, startAgentUnderTest } from '../support/real-agent-lab.ts';
import type { AgentUnderTest } from '../support/real-agent-lab.ts';
import { startEtcd } from '../calico/datastore/etcd-server.ts';
import type { EtcdServer } from '../calico/datastore/etcd-server.ts';

const ok = haveRoot() && haveCommands('ip', 'etcd') && haveBird();
const NODES = 150;
const PODS = 10;

describe.runIf(ok)('the real agent reads its caches, not the datastore, on every pass', () => {
  let etcd: EtcdServer;
  let writer: EtcdDatastore;
  let a: AgentUnderTest;
  let other: string;

  beforeAll(async () => {
    etcd = await startEtcd('agent-incr');
    const root = '/agent-incr';
    writer = new EtcdDatastore({ endpoints: [etcd.clientUrl], root });
    const cluster = await buildCluster(NODES, PODS);
    await copyInto(writer, cluster.kvs);
    const node = cluster.nodeNames[0]!;
    other = cluster.nodeNames[NODES - 1]!;
    a = await startAgentUnderTest({ etcdUrl: etcd.clientUrl, root, node, address: cluster.nodeAddress(node), writer, tag: 'incr' });
    await a.inSync(await writer.revision());
  }, 180_000);

  afterAll(async () => {
    await a?.stop();
    await writer?.close();
    await etcd?.stop();
  });

  const felixAfter = (from: number): AgentEvent[] => a.events.slice(from).filter((e) => e.type === 'felix');

  it('started from one listing per prefix; confd rendered its block for BIRD', async () => {
    // The load: a fixed number of prefixes, whatever the cluster's size (no list per node).
    expect(a.counting.lists).toBeLessThan(20);
    expect(a.events.filter((e) => e.type === 'error')).toEqual([]);
    // BIRD's static blackhole for the node's block, from the config confd rendered out of the cache.
    // BIRD was started (or reloaded) by the pass that reported in-sync: its kernel protocol exports a moment later.
    const deadline = Date.now() + 10_000;
    let routes = '';
    while (!/blackhole \S+\/26 proto bird/.test(routes = execFileSync('ip', ['-n', a.ns, 'route', 'show']).toString()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(routes).toMatch(/blackhole \S+\/26 proto bird/);
  });

  it('programs a pod added on its node without reading the datastore', async () => {
    a.counting.reset();
    const from = a.events.length;
    const pod = await a.addPod(a.node, 'added-here');
    await a.inSync(pod.revision);
    await a.waitEvent(from, (e) => e.type === 'felix' && e.changes.some((c) => c.object.includes(pod.ip)));
    const routes = execFileSync('ip', ['-n', a.ns, 'route', 'show', `${pod.ip}/32`]).toString();
    expect(routes).toContain(`dev ${pod.iface}`);
    expect({ lists: a.counting.listed, gets: a.counting.gets }).toEqual({ lists: [], gets: 0 });
  }, 60_000);

  it('is in sync with a pod added on another node without a Felix pass or a read', async () => {
    a.counting.reset();
    const from = a.events.length;
    const pod = await a.addPod(other, 'added-there');
    await a.inSync(pod.revision);
    expect(felixAfter(from)).toEqual([]);
    expect({ lists: a.counting.listed, gets: a.counting.gets }).toEqual({ lists: [], gets: 0 });
  }, 60_000);

  it('re-renders BIRD\'s config from its cache when a BGPPeer is added, and reloads BIRD', async () => {
    a.counting.reset();
    const from = a.events.length;
    const kv = await writer.put(resourceKey('BGPPeer', 'extra-peer'), {
      apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'extra-peer' }, spec: { peerIP: '192.0.2.9', asNumber: 65009 },
    });
    await a.inSync(kv.modRevision);
    await a.waitEvent(from, (e) => e.type === 'bird' && e.action === 'reconfigured');
    expect(readFileSync(birdPaths(a.dir).config, 'utf8')).toContain('192.0.2.9');
    expect(felixAfter(from)).toEqual([]);
    expect({ lists: a.counting.listed, gets: a.counting.gets }).toEqual({ lists: [], gets: 0 });
  }, 60_000);
});
