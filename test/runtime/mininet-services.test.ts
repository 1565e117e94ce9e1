/**
 * Kubernetes Services on Mininet: a Deployment and a NodePort Service (the Kubernetes docs'
 * examples) on two real nodes (VXLAN: this kernel has no ipip). The Deployment's pods are made
 * through the real CNI plugin and serve port 80 with a real socat answering their name;
 * kube-proxy's chains go into each node's real iptables next to Felix's. `curl` (real) from a
 * client pod reaches the ClusterIP, `curl` from `outside` reaches the NodePort, and
 * `iptables-save -t nat` on a node shows kube-proxy's chains. Then, in the same lab, the web
 * terminal's API (POST /api/exec of the UI server `podlab up` serves: a command line, here-documents
 * as stdin, pods by name): kubectl's and calicoctl's write verbs change the real cluster, with
 * the simulator's output texts. A private PODLAB_HOME; the lab is destroyed by name.
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
import { mininetDeploy, realTraceSource } from '../../engine/scenario/real-driver.ts';
import type { LabDriver } from '../../engine/scenario/driver.ts';
import { driverBackend } from '../../engine/server/driver-backend.ts';
import { LiveFeed, serveBackend, type UiServer } from '../../engine/server/index.ts';
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
      {
        title: 'A v1 Pod declaring a containerPort serves it',
        apply: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', labels: { app: 'db' } }, spec: { nodeName: 'worker-01', containers: [{ name: 'db', image: 'postgres:16', ports: [{ containerPort: 5432 }] }] } },
      },
      { title: "A scenario pod's test server", pod: { name: 'probe', node: 'worker-01', listen: [7000] } },
      {
        title: "A scenario pod with the Deployment's labels joins the Service's endpoints",
        pod: { name: 'extra', node: 'worker-01', labels: { app: 'nginx' }, listen: [80] },
        expect: [{ output: { node: 'master-01', command: 'kubectl get endpoints my-service', matches: 'my-service +(10\\.5\\.\\d+\\.\\d+:80,){2}10\\.5\\.\\d+\\.\\d+:80 ' } }],
      },
      {
        title: '…and leaves them when a delete step removes it',
        delete: { kind: 'Pod', name: 'extra' },
        expect: [{ output: { node: 'master-01', command: 'kubectl get endpoints my-service', matches: 'my-service +10\\.5\\.\\d+\\.\\d+:80,10\\.5\\.\\d+\\.\\d+:80 ' } }],
      },
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

/** The lab shell's answers, line by line, as the web terminal gets them. */
type Shell = (node: string, line: string) => Promise<{ stdout: string; stderr: string; code: number }>;

/** kubectl and calicoctl write verbs in the real lab's shell, each answer checked. */
async function shellVerbs(sh: Shell): Promise<string[]> {
  const bad: string[] = [];
  const check = async (node: string, line: string, want: { code?: number; out?: RegExp; err?: RegExp }): Promise<string> => {
    const r = await sh(node, line);
    if (typeof r.stdout !== 'string') {
      bad.push(`${node}> ${line.split('\n')[0]} → ${JSON.stringify(r)}`);
      return '';
    }
    if ((want.code ?? 0) !== r.code || (want.out && !want.out.test(r.stdout)) || (want.err && !want.err.test(r.stderr))) {
      bad.push(`${node}> ${line.split('\n')[0]} → ${r.code} ${JSON.stringify(r.stdout.slice(0, 300))} ${JSON.stringify(r.stderr.slice(0, 300))}`);
    }
    return r.stdout;
  };
  // The scenario's v1 Pod and `listen:` pod answer on their ports with their names.
  for (const [pod, port] of [['db', 5432], ['probe', 7000]] as const) {
    const podIP = (JSON.parse((await check('master-01', `kubectl get pod ${pod} -o json`, { out: /"podIP"/ })) || '{}') as { status?: { podIP?: string } }).status?.podIP;
    await check('client', `curl -s -m 5 http://${podIP}:${port}/`, { out: new RegExp(`^${pod}\\n$`) });
  }
  // A bare pod with a declared port serves it (a built-in server answering its name); expose makes a NodePort Service.
  await check('master-01', 'kubectl run web --image=nginx --labels=app=web --port=8080', { out: /^pod\/web created\n$/ });
  await check('master-01', 'kubectl expose pod web --port=80 --target-port=8080 --type=NodePort', { out: /^service\/web exposed\n$/ });
  const svc = await check('master-01', 'kubectl get svc web -o json', { out: /"clusterIP"/ });
  const ip = (JSON.parse(svc || '{}') as { spec?: { clusterIP?: string } }).spec?.clusterIP ?? 'none';
  await check('client', `curl -s -m 5 http://${ip}/`, { out: /^web\n$/ });
  await check('master-01', 'iptables-save -t nat', { out: new RegExp(`-A KUBE-SERVICES -d ${ip.replace(/\./g, '\\.')}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-`) });
  // A NetworkPolicy pasted as a here-document: Felix on the real node drops the client's connection.
  const deny = 'kubectl apply -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-web\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  policyTypes: [Ingress]\nEOF';
  await check('master-01', deny, { out: /^networkpolicy\.networking\.k8s\.io\/deny-web created\n$/ });
  await check('master-01', 'kubectl get networkpolicies', { out: /^NAME +POD-SELECTOR +AGE\ndeny-web +app=web +/ });
  await check('client', `curl -s -m 2 http://${ip}/`, { code: 28 });
  await check('master-01', 'kubectl delete networkpolicy deny-web', { out: /^networkpolicy\.networking\.k8s\.io "deny-web" deleted\n$/ });
  // The pod by its node name, as the UI's graph names it.
  await check('client.default.master-01', `curl -s -m 5 http://${ip}/`, { out: /^web\n$/ });
  // Relabelled out of the Service's selector: its endpoints empty, kube-proxy rejects.
  await check('master-01', 'kubectl label pod web app=other --overwrite', { out: /^pod\/web labeled\n$/ });
  await check('master-01', 'kubectl get endpoints web', { out: /^NAME +ENDPOINTS +AGE\nweb +<none> +/ });
  await check('master-01', 'kubectl scale deployment nginx-deployment --replicas=1', { out: /^deployment\.apps\/nginx-deployment scaled\n$/ });
  await check('master-01', 'kubectl get endpoints my-service', { out: /\nmy-service +10\.5\.\d+\.\d+:80 +/ });
  await check('master-01', 'kubectl delete svc web', { out: /^service "web" deleted\n$/ });
  await check('master-01', 'kubectl delete pod web', { out: /^pod "web" deleted\n$/ });
  await check('master-01', 'kubectl delete pod web', { code: 1, err: /^Error from server \(NotFound\): pods "web" not found\n$/ });
  // calicoctl writes to the lab's etcd, in calicoctl's words.
  const gnp = 'calicoctl apply -f - <<EOF\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: allow-none\nspec:\n  selector: app == "none"\n  types: [Ingress]\nEOF';
  await check('master-01', gnp, { out: /^Successfully applied 1 'GlobalNetworkPolicy' resource\(s\)\n$/ });
  await check('master-01', gnp.replace('apply', 'create'), { code: 1, err: /^Failed to create 'GlobalNetworkPolicy' resource: resource already exists: GlobalNetworkPolicy\(allow-none\)\n$/ });
  await check('master-01', 'calicoctl get gnp -o wide', { out: /allow-none +app == "none"/ });
  await check('master-01', 'calicoctl delete gnp allow-none', { out: /^Successfully deleted 1 'GlobalNetworkPolicy' resource\(s\)\n$/ });
  await check('master-01', 'calicoctl label nodes worker-01 rack=r2', { out: /^Successfully set label rack on nodes worker-01\n$/ });
  await check('master-01', 'calicoctl get node worker-01 -o yaml', { out: /\n    rack: r2\n/ });
  await check('master-01', 'calicoctl node status', { out: /IPv4 BGP status/ });
  return bad;
}

describe.runIf(ok)('Services on Mininet (kube-proxy on real nodes)', () => {
  it('curl reaches a backend through the ClusterIP and the NodePort; kube-proxy chains in the real nat table; kubectl and calicoctl write verbs in the lab shell', async () => {
    const parsed = parseScenario(scenarioText(), '/virtual/mininet-services.yaml');
    expect(parsed.problems.map(formatProblem)).toEqual([]);
    const topo = await loadTopology(TOPOLOGY);
    const lab = `svc-${process.pid}`;
    let driver: LabDriver | undefined;
    let ui: UiServer | undefined;
    let leftover = '';
    try {
      // The lab outlives the run (as `podlab up SCENARIO` keeps it): the shell comes after.
      const run = await runScenario(parsed.scenario!, topo.topology!, {
        deploy: async (t) => {
          driver = await mininetDeploy(t, { lab });
          return Object.assign(Object.create(Object.getPrototypeOf(driver) as object) as LabDriver, driver, { destroy: async () => {} });
        },
      });
      const failed = run.steps.flatMap((s) => [
        ...(s.ok ? [] : [`step ${s.index} ${s.title}: ${s.error ?? ''} ${s.commands.map((c) => `${c.argv.join(' ')} → ${c.code} ${c.stdout.slice(0, 300)} ${c.stderr.slice(0, 300)}`).join('; ')}`]),
        ...s.expectations.filter((e) => !e.pass).map((e) => `${s.title}: ${e.text} — observed ${JSON.stringify(e.observed).slice(0, 400)}`),
      ]);
      expect(failed).toEqual([]);
      ui = await serveBackend(driverBackend(driver!, new LiveFeed(realTraceSource(driver!)!), () => []), { port: 0 });
      const url = ui.url;
      expect(await shellVerbs(async (node, command) => {
        const r = await fetch(`${url}api/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ node, command }) });
        return (await r.json()) as { stdout: string; stderr: string; code: number };
      })).toEqual([]);
    } finally {
      await ui?.close();
      await driver?.destroy();
      // Nothing of the lab may be left (socat servers, pod namespaces).
      leftover = (await localExec(['pgrep', '-af', 'socat -U'])).stdout.split('\n').filter((l) => l.includes(lab)).join('\n');
    }
    expect(leftover).toBe('');
  }, 400_000);
});
