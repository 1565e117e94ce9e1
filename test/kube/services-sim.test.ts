/**
 * Service features through kube-proxy's rules in the simulator: sessionAffinity ClientIP
 * (xt_recent lists written as kube-proxy writes them), headless Services (no ClusterIP, no
 * chains), externalTrafficPolicy Local (only nodes with a local endpoint answer, the client's
 * address reaches the backend) against Cluster (SNAT to the node).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { topology, up } from '../calico/e2e/helpers.ts';

const deployment = (name: string, replicas: number, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
${extra}      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 80
`;

describe('Services in the simulator', async () => {
  const u = await up(await topology('topologies/two-nodes.yaml'));
  const sh = (node: string, line: string) => u.lab.execAsync(node, line);
  const apply = async (doc: string): Promise<void> => {
    const r = await sh('master-01', `kubectl apply -f - <<EOF\n${doc}EOF`);
    expect(r.stderr).toBe('');
  };
  await sh('master-01', 'kubectl run client --image=curl');

  it('sessionAffinity: ClientIP pins a client to one backend; the rules are kube-proxy\'s', async () => {
    await apply(deployment('sticky', 3));
    await sh('master-01', 'kubectl expose deploy sticky --port=80 --session-affinity=ClientIP');
    const ip = parse((await sh('master-01', 'kubectl get svc sticky -o yaml')).stdout).spec.clusterIP as string;
    const answers = new Set<string>();
    for (let i = 0; i < 12; i++) answers.add((await sh('client', `curl -s http://${ip}/`)).stdout);
    expect(answers.size).toBe(1);
    const nat = (await sh('master-01', 'iptables-save -t nat')).stdout;
    expect(nat).toMatch(/-A KUBE-SVC-[A-Z2-7]{16} -m comment --comment "default\/sticky -> 10\.5\.\d+\.\d+:80" -m recent --rcheck --seconds 10800 --reap --name (KUBE-SEP-[A-Z2-7]{16}) --mask 255\.255\.255\.255 --rsource -j \1\n/);
    expect(nat).toMatch(/-A (KUBE-SEP-[A-Z2-7]{16}) -p tcp -m comment --comment "default\/sticky" -m recent --set --name \1 --mask 255\.255\.255\.255 --rsource -m tcp -j DNAT --to-destination 10\.5\.\d+\.\d+:80\n/);
    // The same Service without affinity spreads the same client over its backends.
    await sh('master-01', 'kubectl expose deploy sticky --port=80 --name=spread');
    const ip2 = parse((await sh('master-01', 'kubectl get svc spread -o yaml')).stdout).spec.clusterIP as string;
    const spread = new Set<string>();
    for (let i = 0; i < 12; i++) spread.add((await sh('client', `curl -s http://${ip2}/`)).stdout);
    expect(spread.size).toBeGreaterThan(1);
  });

  it('a headless Service has no ClusterIP and no chains, but endpoints', async () => {
    await apply('apiVersion: v1\nkind: Service\nmetadata:\n  name: headless\nspec:\n  clusterIP: None\n  selector: {app: sticky}\n  ports:\n  - port: 80\n');
    expect((await sh('master-01', 'kubectl get svc headless')).stdout).toMatch(/^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\nheadless +ClusterIP +None +<none> +80\/TCP +\S+\n$/);
    expect((await sh('master-01', 'kubectl get endpoints headless')).stdout).toMatch(/headless +10\.5\.\d+\.\d+:80,10\.5\.\d+\.\d+:80,10\.5\.\d+\.\d+:80 /);
    expect((await sh('master-01', 'iptables-save -t nat')).stdout).not.toContain('default/headless');
  });

  it('externalTrafficPolicy: Local answers only where a backend runs and keeps the client\'s address; Cluster SNATs', async () => {
    // One backend, pinned to worker-01.
    await apply(deployment('local', 1, '      nodeSelector: {kubernetes.io/hostname: worker-01}\n'));
    await apply('apiVersion: v1\nkind: Service\nmetadata:\n  name: local\nspec:\n  type: NodePort\n  externalTrafficPolicy: Local\n  selector: {app: local}\n  ports:\n  - port: 80\n    nodePort: 30080\n');
    await apply('apiVersion: v1\nkind: Service\nmetadata:\n  name: cluster\nspec:\n  type: NodePort\n  selector: {app: local}\n  ports:\n  - port: 80\n    nodePort: 30081\n');
    expect((await sh('outside', 'curl -s --max-time 2 http://10.30.200.2:30080/')).stdout).toMatch(/^local-/);
    // master-01 has no local endpoint: kube-proxy drops the new connection there.
    expect((await sh('outside', 'curl -s --max-time 2 http://10.30.200.1:30080/')).code).not.toBe(0);
    expect((await sh('master-01', 'iptables-save -t filter')).stdout).toContain('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/local has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP');
    // Local keeps outside's address: the backend's reply goes back to 198.51.100.10 (no SNAT in conntrack).
    const ct = (await sh('worker-01', 'conntrack -L')).stdout.split('\n');
    const local = ct.find((l) => l.includes('dport=30080'))!;
    expect(local).toMatch(/src=198\.51\.100\.10 dst=10\.30\.200\.2 .*src=10\.5\.\d+\.\d+ dst=198\.51\.100\.10 /);
    // Cluster through master-01: DNAT to the worker's pod and SNAT to master-01's tunnel address.
    expect((await sh('outside', 'curl -s --max-time 2 http://10.30.200.1:30081/')).stdout).toMatch(/^local-/);
    const snat = (await sh('master-01', 'conntrack -L')).stdout.split('\n').find((l) => l.includes('dport=30081'))!;
    expect(snat).toMatch(/src=198\.51\.100\.10 dst=10\.30\.200\.1 .*src=10\.5\.\d+\.\d+ dst=(?!198\.51\.100\.10)\d+\.\d+\.\d+\.\d+ /);
  });
});
