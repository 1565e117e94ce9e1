/**
 * Kubernetes Services on Mininet: a Deployment and a NodePort Service (the Kubernetes docs'
 * examples) on two real nodes (VXLAN: this kernel has no ipip). The Deployment's pods are made
 * through the real CNI plugin and serve port 80 with a real socat answering their name;
 * kube-proxy's chains go into each node's real iptables next to Felix's. `curl` (real) from a
 * client pod reaches the ClusterIP, `curl` from `outside` reaches the NodePort, and
 * `iptables-save -t nat` on a node shows kube-proxy's chains. A private PODLAB_HOME; the lab
 * is destroyed by name.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadTopology } from '../../engine/model/load.ts';
import { formatProblem } from '../../engine/model/problems.ts';
import { parseScenario } from '../../engine/scenario/format.ts';
import { runScenario } from '../../engine/scenario/run.ts';
import { mininetDeploy } from '../../engine/scenario/real-driver.ts';
import { localExec } from '../../engine/runtime/linux/exec.ts';
import { haveBird, haveCommands, haveMininet, haveRoot } from '../support/system.ts';

const ok = haveRoot() && haveCommands('ip', 'nsenter', 'mnexec', 'etcd', 'iptables-save', 'iptables-restore', 'socat', 'curl', 'ss') && haveMininet() && haveBird();
process.env.PODLAB_HOME = mkdtempSync(join(tmpdir(), 'pl-mnsvc-'));

const TOPOLOGY = resolve('scenarios/topologies/two-nodes-vxlan.yaml');
const POD_NAME = '^nginx-deployment-[a-z0-9]{8,10}-[a-z0-9]{5}\\n$';

function scenarioText(): string {
  return stringify({
    name: 'mininet-services', topology: TOPOLOGY, seed: 1,
    steps: [
      { title: 'Calico comes up', converge: { max: '120s' } },
      {
        title: 'A Deployment of two nginx pods',
        apply: {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
          spec: { replicas: 2, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } } },
        },
      },
      {
        title: 'A NodePort Service',
        apply: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' }, spec: { type: 'NodePort', selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80, nodePort: 30007 }] } },
      },
      { title: 'A client pod', pod: { name: 'client', node: 'master-01' } },
      { title: 'curl the ClusterIP', exec: { node: 'client', command: 'curl -s -m 5 http://10.108.155.68/' }, expect: [{ exitCode: 0 }, { output: { matches: POD_NAME } }] },
      { title: 'curl the NodePort from outside', exec: { node: 'outside', command: 'curl -s -m 5 http://10.30.200.2:30007/' }, expect: [{ exitCode: 0 }, { output: { matches: POD_NAME } }] },
      {
        title: "kube-proxy's chains beside Felix's",
        exec: { node: 'master-01', command: 'iptables-save -t nat' },
        expect: [
          { output: { contains: '-A KUBE-SERVICES -d 10.108.155.68/32 -p tcp -m comment --comment "default/my-service cluster IP" -m tcp --dport 80 -j KUBE-SVC-' } },
          { output: { contains: '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/my-service" -m tcp --dport 30007 -j KUBE-EXT-' } },
          { output: { matches: '-A PREROUTING -m comment --comment "cali:[^"]+" -j cali-PREROUTING' } },
          { output: { contains: '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' } },
        ],
      },
    ],
  }, { lineWidth: 0 });
}

describe.runIf(ok)('Services on Mininet (kube-proxy on real nodes)', () => {
  it('curl reaches a backend through the ClusterIP and the NodePort; kube-proxy chains in the real nat table', async () => {
    const parsed = parseScenario(scenarioText(), '/virtual/mininet-services.yaml');
    expect(parsed.problems.map(formatProblem)).toEqual([]);
    const topo = await loadTopology(TOPOLOGY);
    const lab = `svc-${process.pid}`;
    let leftover = '';
    try {
      const run = await runScenario(parsed.scenario!, topo.topology!, { deploy: (t) => mininetDeploy(t, { lab }) });
      const failed = run.steps.flatMap((s) => [
        ...(s.ok ? [] : [`step ${s.index} ${s.title}: ${s.error ?? ''} ${s.commands.map((c) => `${c.argv.join(' ')} → ${c.code} ${c.stdout.slice(0, 300)} ${c.stderr.slice(0, 300)}`).join('; ')}`]),
        ...s.expectations.filter((e) => !e.pass).map((e) => `${s.title}: ${e.text} — observed ${JSON.stringify(e.observed).slice(0, 400)}`),
      ]);
      expect(failed).toEqual([]);
    } finally {
      // runScenario destroys the lab; nothing of it may be left (socat servers, pod namespaces).
      leftover = (await localExec(['pgrep', '-af', `socat -U TCP-LISTEN:80`])).stdout.split('\n').filter((l) => l.includes(lab)).join('\n');
    }
    expect(leftover).toBe('');
  }, 400_000);
});
