/**
 * Calico on Docker containers, judged against the simulator — the containerlab runtime's
 * counterpart of mininet-calico.test.ts: a small leaf-spine (one spine, two racks each its own
 * AS, nodes peering with their ToR, no encapsulation; test/runtime/docker/small-fabric.yaml)
 * deployed on containers with real BIRD, etcd and `podlab agent`s, and on the simulator, with
 * the same pods. Routes of every node and pod, BGP sessions, the reachability matrix and the
 * headers of a ping crossing the spine must be identical (test/support/calico-observations.ts
 * says what is normalised). The lab is then destroyed and must leave no container behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { ensureImages } from '../../engine/runtime/docker/images.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';
import { containerlabDeploy } from '../../engine/scenario/real-driver.ts';
import { labDir } from '../../engine/runtime/labs.ts';
import { simDeploy } from '../../engine/scenario/sim-driver.ts';
import { bringUp, expectSameObservations, observe, type ObservationPlan } from '../support/calico-observations.ts';
import { haveCommands, haveDocker, haveRoot } from '../support/system.ts';

const ok = haveRoot() && haveCommands('dockerd', 'ip', 'nsenter', 'iptables', 'tcpdump') && haveDocker();
process.env.PODLAB_HOME = mkdtempSync(join(tmpdir(), 'pl-dkcalico-'));

const PLAN: ObservationPlan = {
  pods: [['pod-1a', 'node-1a'], ['pod-1b', 'node-1b'], ['pod-2a', 'node-2a']],
  // spine1:eth2 faces leaf2: the ping crosses the spine there, routed by BGP-learnt blocks.
  ping: { from: 'pod-1a', to: 'pod-2a', at: ['spine1', 'eth2'] },
  // The k8s nodes' cable to podlab-etcd, the lab's own etcd node (the simulator needs none).
  managementDevs: ['mgmt0'],
};

describe.runIf(ok)('Calico on Docker containers against the simulator (small leaf-spine)', () => {
  const lab = `dkdiff-${process.pid}`;
  let real: LabDriver | undefined;
  let sim: LabDriver | undefined;

  beforeAll(async () => {
    const t = await loadTopology(join(import.meta.dirname, 'docker', 'small-fabric.yaml'));
    if (!t.topology) throw new Error(t.problems.map((p) => p.message).join('; '));
    sim = await simDeploy(t.topology, { seed: 1 });
    await bringUp(sim, PLAN);
    const images = await ensureImages({});
    real = await containerlabDeploy(t.topology, { lab, images: { node: images.node, router: images.router } });
    await bringUp(real, PLAN, 180_000);
  }, 900_000);

  afterAll(async () => {
    await real?.destroy();
    await sim?.destroy();
  }, 120_000);

  it("gives the simulator's observations: routes, sessions, reachability, ping headers", async () => {
    const [a, b] = [await observe(sim!, PLAN), await observe(real!, PLAN)];
    expectSameObservations(b, a);
  }, 180_000);

  it("runs the image's own podlab and BIRD, and its own etcd node: nothing of the engine's checkout is mounted in", async () => {
    const docker = new Docker();
    const containers = await docker.listContainers({ all: true, filters: { label: [`podlab.lab=${lab}`] } });
    // The lab's etcd is a container of the lab, as in the generated .clab.yml.
    expect(containers.map((c) => c.Names[0])).toContain(`/clab-${lab}-podlab-etcd`);
    for (const c of containers) {
      const sources = (await docker.getContainer(c.Id).inspect()).Mounts.map((m) => m.Source);
      // The lab's own directory (its files, BIRD sockets) and the pods' namespaces: nothing else.
      for (const s of sources) expect(s === '/run/netns' || s.startsWith(`${labDir(lab)}/`) || s === labDir(lab), s).toBe(true);
    }
  });

  it('destroy leaves no container of the lab', async () => {
    await real!.destroy();
    real = undefined;
    const left = await new Docker().listContainers({ all: true, filters: { label: [`podlab.lab=${lab}`] } });
    expect(left.map((c) => c.Names[0])).toEqual([]);
  }, 120_000);
});
