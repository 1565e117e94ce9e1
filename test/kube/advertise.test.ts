/**
 * Calico's service advertisement: BGPConfiguration serviceClusterIPs / serviceExternalIPs
 * advertised to the ToRs, and for externalTrafficPolicy Local the /32 only from nodes with a
 * local endpoint — the pure rule, then the routes a leaf learns on the leaf-spine fabric.
 */
import { describe, expect, it } from 'vitest';
import { localServiceRoutes } from '../../engine/kube/advertise.ts';
import type { AllocatedService } from '../../engine/kube/proxier.ts';
import type { EndpointSlice } from '../../engine/kube/types.ts';
import { topology, up } from '../calico/e2e/helpers.ts';

const svc = (over: Partial<AllocatedService>): AllocatedService => ({
  namespace: 'default', name: 'web', type: 'NodePort', clusterIP: '10.96.10.10', externalTrafficPolicy: 'Local', labels: {},
  ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }], externalIPs: ['192.0.2.10'], ...over,
});
const slices = new Map<string, EndpointSlice[]>([['default/web', [{ namespace: 'default', name: 'web-x', service: 'web', ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [{ ip: '10.5.0.1', nodeName: 'n1', pod: 'a', ready: true }] }]]]);
const ranges = { clusterIPs: ['10.96.0.0/12'], externalIPs: ['192.0.2.0/24'], loadBalancerIPs: [] };

describe('service advertisement (pure)', () => {
  it('ETP Local: /32s only from the node with an endpoint, only inside the advertised ranges', () => {
    expect(localServiceRoutes('n1', [svc({})], slices, ranges)).toEqual(['10.96.10.10/32', '192.0.2.10/32']);
    expect(localServiceRoutes('n2', [svc({})], slices, ranges)).toEqual([]);
    expect(localServiceRoutes('n1', [svc({ externalTrafficPolicy: 'Cluster' })], slices, ranges)).toEqual([]);
    expect(localServiceRoutes('n1', [svc({})], slices, { ...ranges, externalIPs: [] })).toEqual(['10.96.10.10/32']);
  });
});

describe('service advertisement to the ToRs (leaf-spine, simulator)', async () => {
  const u = await up(await topology('topologies/leaf-spine.yaml'));
  const sh = (node: string, line: string) => u.lab.execAsync(node, line);
  const leafRoutes = (leaf: string): string => u.lab.exec(leaf, 'ip route').stdout;

  it('serviceClusterIPs reach every leaf; the ETP Local /32 comes only from the node with the backend', async () => {
    const bgp = 'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  nodeToNodeMeshEnabled: false\n  asNumber: 64512\n  serviceClusterIPs:\n  - cidr: 10.96.0.0/12\n  serviceExternalIPs:\n  - cidr: 192.0.2.0/24\n';
    expect((await sh('node-1a', `calicoctl apply -f - <<EOF\n${bgp}EOF`)).stdout).toBe("Successfully applied 1 'BGPConfiguration' resource(s)\n");
    u.c.converge(60_000);
    expect(leafRoutes('leaf1')).toMatch(/^10\.96\.0\.0\/12 .*proto bird/m);
    expect(leafRoutes('leaf2')).toMatch(/^10\.96\.0\.0\/12 /m);
    const dep = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      nodeSelector: {kubernetes.io/hostname: node-2b}\n      containers:\n      - name: web\n        image: nginx\n        ports:\n        - containerPort: 80\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n  externalTrafficPolicy: Local\n  externalIPs: [192.0.2.10]\n  selector: {app: web}\n  ports:\n  - port: 80\n';
    expect((await sh('node-1a', `kubectl apply -f - <<EOF\n${dep}EOF`)).code).toBe(0);
    u.c.converge(60_000);
    const ip = JSON.parse((await sh('node-1a', 'kubectl get svc web -o json')).stdout).spec.clusterIP as string;
    // leaf2 (rack 2) learns the /32s from node-2b only; leaf1 learns them through the spines.
    expect(leafRoutes('leaf2')).toContain(`${ip} via 10.1.2.12 dev eth3 proto bird`);
    expect(leafRoutes('leaf2')).toContain('192.0.2.10 via 10.1.2.12 dev eth3 proto bird');
    expect(leafRoutes('leaf1')).toMatch(new RegExp(`^${ip.replace(/\./g, '\\.')} .*proto bird`, 'm'));
    expect(leafRoutes('leaf1')).not.toContain(`${ip} via 10.1.1.`);
    // Move the backend: the /32 follows it.
    await sh('node-1a', 'kubectl delete deploy web');
    u.c.converge(60_000);
    expect(leafRoutes('leaf2')).not.toContain(`${ip} via`);
    expect(leafRoutes('leaf2')).toMatch(/^10\.96\.0\.0\/12 /m);
  });
});
