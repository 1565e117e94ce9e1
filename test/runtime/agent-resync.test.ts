/**
 * The real calico-node's Linux driver trusts what it programmed between resyncs, and its
 * periodic resync repairs what was changed behind its back. Against a real etcd (a 3-node
 * cluster), the agent in its own network namespace with real BIRD, resyncing every 1.5 s:
 *   - a pod added on its node: the pass reads links only (no route, rule or set listing);
 *   - the pod's route deleted by hand comes back at the next resync, and the agent says so.
 * Not timed: it waits for the repair, bounded only to fail instead of hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { EtcdDatastore } from '../../engine/calico/datastore/index.ts';
import type { Exec } from '../../engine/runtime/linux/exec.ts';
import { haveBird, haveCommands, haveRoot } from '../support/system.ts';
import { buildCluster, copyInto, startAgentUnderTest } from '../support/real-agent-lab.ts';
import type { AgentUnderTest } from '../support/real-agent-lab.ts';
import { startEtcd } from '../calico/datastore/etcd-server.ts';
import type { EtcdServer } from '../calico/datastore/etcd-server.ts';

const ok = haveRoot() && haveCommands('ip', 'etcd', 'ipset', 'iptables-save') && haveBird();

describe.runIf(ok)('the real agent\'s driver between and at resyncs', () => {
  let etcd: EtcdServer;
  let writer: EtcdDatastore;
  let a: AgentUnderTest;
  /** Commands the agent ran (argv after `ip netns exec NS`). */
  const ran: string[] = [];

  beforeAll(async () => {
    etcd = await startEtcd('agent-resync');
    const root = '/agent-resync';
    writer = new EtcdDatastore({ endpoints: [etcd.clientUrl], root });
    const cluster = await buildCluster(3, 2);
    await copyInto(writer, cluster.kvs);
    const node = cluster.nodeNames[0]!;
    const wrapExec = (exec: Exec): Exec => (argv, opts) => { ran.push(argv.join(' ')); return exec(argv, opts); };
    a = await startAgentUnderTest({ etcdUrl: etcd.clientUrl, root, node, address: cluster.nodeAddress(node), writer, tag: 'resync', wrapExec, resyncMs: 1_500 });
    await a.inSync(await writer.revision());
  }, 120_000);

  afterAll(async () => {
    await a?.stop();
    await writer?.close();
    await etcd?.stop();
  });

  it('a pod added on its node: the pass reads links (and the new interface\'s sysctls), never routes, rules or sets', async () => {
    const from = a.events.length;
    const pod = await a.addPod(a.node, 'here', () => { ran.length = 0; });
    await a.inSync(pod.revision);
    await a.waitEvent(from, (e) => e.type === 'felix' && e.changes.some((c) => c.object.includes(pod.ip)));
    expect(execFileSync('ip', ['-n', a.ns, 'route', 'show', `${pod.ip}/32`]).toString()).toContain(`dev ${pod.iface}`);
    const reads = ran.filter((c) => /^(ip -j|bridge -j|sysctl -e|ipset save|iptables-save)/.test(c));
    expect(reads.filter((c) => !c.startsWith('sysctl -e'))).toEqual(['ip -j -d -s -s addr show']);
  }, 60_000);

  it('a route deleted by hand is back after the next resync', async () => {
    const from = a.events.length;
    const pod = await a.addPod(a.node, 'drift');
    await a.waitEvent(from, (e) => e.type === 'felix' && e.changes.some((c) => c.object.includes(pod.ip)));
    const mark = a.events.length;
    execFileSync('ip', ['-n', a.ns, 'route', 'del', `${pod.ip}/32`, 'dev', pod.iface]);
    expect(execFileSync('ip', ['-n', a.ns, 'route', 'show', `${pod.ip}/32`]).toString()).toBe('');
    const e = await a.waitEvent(mark, (x) => x.type === 'felix' && x.changes.some((c) => c.text === `route added ${pod.ip} dev ${pod.iface} scope link`), 20_000);
    expect(e.type).toBe('felix');
    expect(execFileSync('ip', ['-n', a.ns, 'route', 'show', `${pod.ip}/32`]).toString()).toContain(`dev ${pod.iface}`);
  }, 60_000);
});
