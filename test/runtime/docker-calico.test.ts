/**
 * Calico on Docker containers, judged against the simulator — the containerlab runtime's
 * counterpart of mininet-calico.test.ts: a small leaf-spine (one spine, two racks each its own
 * AS, nodes peering with their ToR, no encapsulation; test/runtime/docker/small-fabric.yaml)
 * deployed on containers with real BIRD, etcd and `podlab agent`s, and on the simulator, with
 * the same pods. Routes of every node and pod, BGP sessions, the reachability matrix and the
 * headers of a ping crossing the spine must be identical (test/support/calico-observations.ts
 * says what is normalised). Then Services on the same containers, through the lab shell as the
 * web terminal runs it: a Deployment pasted as a here-document and a NodePort Service, kube-proxy's
 * chains in the node containers' iptables, `curl` to the ClusterIP from a pod and to the NodePort
 * from another node's container. The lab is then destroyed and must leave no container behind.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { ensureImages } from '../../engine/runtime/docker/images.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';
import { containerlabDeploy, realTraceSource } from '../../engine/scenario/real-driver.ts';
import { driverBackend } from '../../engine/server/driver-backend.ts';
import { LiveFeed } from '../../engine/server/live-feed.ts';
import { labDir } from '../../engine/runtime/labs.ts';
import { simDeploy } from '../../engine/scenario/sim-driver.ts';
import { bringUp, expectSameObservations, observe, type ObservationPlan } from '../support/calico-observations.ts';
import { haveCommands, haveDocker, haveRoot } from '../support/system.ts';

const ok = haveRoot() && haveCommands('dockerd', 'ip', 'nsenter', 'iptables', 'tcpdump', 'socat', 'curl', 'ss') && haveDocker();
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

  it('runs Services: kubectl in the lab shell, kube-proxy in the node containers, curl to the ClusterIP and the NodePort', async () => {
    const backend = driverBackend(real!, new LiveFeed(realTraceSource(real!)!), () => []);
    const sh = async (node: string, line: string) => backend.exec!(node, line);
    const deployment = [
      'kubectl apply -f - <<EOF', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: echo', 'spec:', '  replicas: 2',
      '  selector:', '    matchLabels: { app: echo }', '  template:', '    metadata:', '      labels: { app: echo }', '    spec:',
      '      nodeSelector: { rack: rack2 }', '      containers:', '      - name: echo', '        image: nginx:1.25', '        ports:', '        - containerPort: 8080', 'EOF',
    ].join('\n');
    expect(await sh('node-1a', deployment)).toMatchObject({ code: 0, stdout: 'deployment.apps/echo created\n' });
    expect(await sh('node-1a', 'kubectl expose deployment echo --port=80 --target-port=8080 --type=NodePort')).toMatchObject({ code: 0, stdout: 'service/echo exposed\n' });
    const svc = JSON.parse((await sh('node-1a', 'kubectl get svc echo -o json')).stdout) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    const pods = (await sh('node-1a', 'kubectl get pods -l app=echo -o wide')).stdout;
    expect(pods).toMatch(/\necho-[a-z0-9]+-[a-z0-9]{5} +1\/1 +Running +0 +\S+ +10\.\d+\.\d+\.\d+ +node-2a +/);
    // From pod-1a (rack1) across the spine to a backend on node-2a, DNATed by node-1a's kube-proxy chains.
    expect(await sh('pod-1a', `curl -s -m 5 http://${svc.spec.clusterIP}/`)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^echo-[a-z0-9]+-[a-z0-9]{5}\n$/) });
    // The NodePort on node-2a's own address, from its container (the image's curl): OUTPUT → KUBE-NODEPORTS → a
    // backend. (This fabric routes pod blocks, not the racks' node subnets: another rack's node address is unreachable.)
    expect(await sh('node-2a', `curl -s -m 5 http://10.1.2.11:${svc.spec.ports[0]!.nodePort}/`)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^echo-[a-z0-9]+-[a-z0-9]{5}\n$/) });
    const nat = (await sh('node-1a', 'iptables-save -t nat')).stdout;
    expect(nat).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(nat).toContain(`-A KUBE-SERVICES -d ${svc.spec.clusterIP}/32 -p tcp -m comment --comment "default/echo cluster IP" -m tcp --dport 80 -j KUBE-SVC-`);
    expect(nat).toMatch(/-A PREROUTING -m comment --comment "cali:[^"]+" -j cali-PREROUTING/);
    expect((await sh('node-1a', 'kubectl delete deployment echo')).stdout).toBe('deployment.apps "echo" deleted\n');
    expect((await sh('node-1a', 'kubectl delete svc echo')).stdout).toBe('service "echo" deleted\n');
    expect((await sh('node-1a', 'kubectl get pods -l app=echo')).stderr).toBe('No resources found in default namespace.\n');
  }, 240_000);

  it('destroy leaves no container of the lab', async () => {
    await real!.destroy();
    real = undefined;
    const left = await new Docker().listContainers({ all: true, filters: { label: [`podlab.lab=${lab}`] } });
    expect(left.map((c) => c.Names[0])).toEqual([]);
  }, 120_000);
});
