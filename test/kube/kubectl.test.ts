/**
 * kubectl's table format, checked against documented output: `kubectl get svc nginx` as
 * printed in ALT Linux's docs (https://docs.altlinux.org/ru-RU/archive/9.0/html/alt-server-v/ch55s02.html),
 * the `-o wide` pod columns of the Kubernetes docs, and HumanDuration's AGE texts.
 */
import { describe, expect, it } from 'vitest';
import { humanDuration, tabwrite } from '../../engine/kube/table.ts';
import { kubectl as kubectlOrAsync } from '../../engine/kube/kubectl.ts';
import { KubeCluster } from '../../engine/kube/cluster.ts';
import type { HostPod, KubeHost } from '../../engine/kube/cluster.ts';
import type { KubeNode } from '../../engine/kube/types.ts';

/** A KubeHost over plain arrays (no kernel): enough for the views. */
function fakeHost(now: { t: number }): KubeHost {
  const pods: HostPod[] = [];
  let n = 0;
  return {
    nodes: (): KubeNode[] => [
      { name: 'master-01', labels: { 'node-role.kubernetes.io/control-plane': '' }, internalIP: '10.30.200.1', created: 0 },
      { name: 'worker-01', labels: {}, internalIP: '10.30.200.2', created: 0 },
    ],
    pods: () => pods,
    now: () => now.t,
    async createPod(node, namespace, name, labels) {
      const p = { namespace, name, node, ip: `10.5.119.${129 + n++}`, labels };
      pods.push(p);
      return p;
    },
    async deletePod(namespace, name) { pods.splice(pods.findIndex((p) => p.namespace === namespace && p.name === name), 1); },
    iptablesSave: async () => '',
    iptablesRestore: async () => ({ stdout: '', stderr: '', code: 0 }),
    iptables: async () => ({ stdout: '', stderr: '', code: 0 }),
  };
}

/** The reading verbs answer synchronously. */
const kubectl = (...a: Parameters<typeof kubectlOrAsync>) => kubectlOrAsync(...a)!;

const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
  spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } } },
};

describe('kubectl tables', () => {
  it('aligns columns like kubectl (tabwriter: padding 3, last column bare) — documented `kubectl get svc nginx`', () => {
    expect(tabwrite([
      ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
      ['nginx', 'NodePort', '10.105.18.148', '<none>', '80:30723/TCP', '7s'],
    ])).toBe(
      'NAME    TYPE       CLUSTER-IP      EXTERNAL-IP   PORT(S)        AGE\n'
      + 'nginx   NodePort   10.105.18.148   <none>        80:30723/TCP   7s\n');
  });

  it('AGE is HumanDuration', () => {
    expect([0, 7_000, 119_000, 125_000, 600_000, 3 * 3600_000 + 5 * 60_000, 50 * 3600_000, 9 * 86400_000].map(humanDuration))
      .toEqual(['0s', '7s', '119s', '2m5s', '10m', '3h5m', '2d2h', '9d']);
  });

  it('get pods -o wide / svc / endpoints / nodes from a reconciled Deployment and NodePort Service', async () => {
    const now = { t: 0 };
    const k = new KubeCluster(fakeHost(now));
    await k.apply(deployment);
    await k.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' }, spec: { type: 'NodePort', selector: { app: 'nginx' }, ports: [{ port: 80, targetPort: 80, nodePort: 30007 }] } });
    now.t = 65_000;
    const pods = kubectl(k, ['get', 'pods', '-o', 'wide'], now.t).stdout.split('\n');
    // The Kubernetes docs' header for `kubectl get pods -o wide` (v1.28).
    expect(pods[0]!.split(/ {2,}/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(pods[1]).toMatch(/^nginx-deployment-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5} {3}1\/1 {5}Running {3}0 {10}65s {3}10\.5\.119\.129 {3}worker-01 {3}<none> {11}<none>$/);
    expect(pods.filter((l) => l.includes('worker-01'))).toHaveLength(3); // the control-plane taint keeps master-01 free
    expect(kubectl(k, ['get', 'svc'], now.t).stdout).toMatch(/^NAME {9}TYPE {8}CLUSTER-IP {6}EXTERNAL-IP {3}PORT\(S\) {8}AGE\nkubernetes {3}ClusterIP {3}10\.96\.0\.1 {7}<none> {8}443\/TCP {8}65s\nmy-service {3}NodePort {4}10\.\d+\.\d+\.\d+ +<none> {8}80:30007\/TCP {3}65s\n$/);
    expect(kubectl(k, ['get', 'endpoints', 'my-service'], now.t).stdout).toBe(
      'NAME         ENDPOINTS                                         AGE\nmy-service   10.5.119.129:80,10.5.119.130:80,10.5.119.131:80   65s\n');
    expect(kubectl(k, ['get', 'nodes'], now.t).stdout).toBe(
      'NAME        STATUS   ROLES           AGE   VERSION\nmaster-01   Ready    control-plane   65s   v1.28.2\nworker-01   Ready    <none>          65s   v1.28.2\n');
    expect(kubectl(k, ['get', 'pods', '-n', 'kube-system'], now.t)).toEqual({ stdout: '', stderr: 'No resources found in kube-system namespace.\n', code: 0 });
    expect(kubectl(k, ['get', 'svc', 'nope'], now.t)).toEqual({ stdout: '', stderr: 'Error from server (NotFound): services "nope" not found\n', code: 1 });
    expect(kubectl(k, ['get', 'widgets'], now.t).stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
  });

  it('pod names are deterministic from the seed, and scale-down removes pods', async () => {
    const names = async (seed: number): Promise<string[]> => {
      const k = new KubeCluster(fakeHost({ t: 0 }), { seed });
      await k.apply(deployment);
      return k.pods().map((p) => p.name);
    };
    expect(await names(1)).toEqual(await names(1));
    expect(await names(2)).not.toEqual(await names(1));
    const k = new KubeCluster(fakeHost({ t: 0 }));
    await k.apply(deployment);
    await k.apply({ ...deployment, spec: { ...deployment.spec, replicas: 1 } });
    expect(k.pods()).toHaveLength(1);
  });
});
