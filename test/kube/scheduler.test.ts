/** The small scheduler and the EndpointSlice controller: pure cores. */
import { describe, expect, it } from 'vitest';
import { schedule } from '../../engine/kube/scheduler.ts';
import { endpointSlices } from '../../engine/kube/endpoints.ts';
import { allocateClusterIP, allocateNodePort } from '../../engine/kube/allocate.ts';
import type { KubeNode, KubePod, PodTemplate } from '../../engine/kube/types.ts';

const nodes: KubeNode[] = [
  { name: 'cp', labels: { 'node-role.kubernetes.io/control-plane': '' }, internalIP: '10.0.0.1', created: 0 },
  { name: 'w2', labels: { disk: 'ssd' }, internalIP: '10.0.0.3', created: 0 },
  { name: 'w1', labels: {}, internalIP: '10.0.0.2', created: 0 },
];
const tpl = (over: Partial<PodTemplate> = {}): PodTemplate => ({ labels: {}, containerPorts: [], image: 'x', nodeSelector: {}, tolerations: [], ...over });

describe('schedule', () => {
  it('skips the control plane unless tolerated, then least-loaded, ties by name', () => {
    expect(schedule(tpl(), nodes, new Map())).toEqual({ node: 'w1' });
    expect(schedule(tpl(), nodes, new Map([['w1', 2], ['w2', 1]]))).toEqual({ node: 'w2' });
    const tol = tpl({ tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(schedule(tol, nodes, new Map([['w1', 1], ['w2', 1]]))).toEqual({ node: 'cp' });
  });

  it('nodeSelector and nodeName; FailedScheduling text when nothing fits', () => {
    expect(schedule(tpl({ nodeSelector: { disk: 'ssd' } }), nodes, new Map([['w2', 9]]))).toEqual({ node: 'w2' });
    expect(schedule(tpl({ nodeName: 'cp' }), nodes, new Map())).toEqual({ node: 'cp' });
    const r = schedule(tpl({ nodeSelector: { gpu: 'yes' } }), nodes.slice(0, 1), new Map());
    expect(r).toEqual({ error: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling." });
  });
});

describe('EndpointSlices', () => {
  const pod = (name: string, ip: string, labels: Record<string, string>, named = true): KubePod =>
    ({ namespace: 'default', name, node: 'w1', ip, labels, created: 0, containerPorts: named ? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] : [] });
  it('select by label in the namespace, resolve named targetPorts, skip pods without the port', () => {
    const svc = { namespace: 'default', name: 'web', type: 'ClusterIP' as const, selector: { app: 'web' }, labels: {}, externalTrafficPolicy: 'Cluster' as const,
      ports: [{ name: '', protocol: 'TCP' as const, port: 80, targetPort: 'http' }] };
    const s = endpointSlices(svc, [pod('b', '10.5.0.2', { app: 'web' }), pod('a', '10.5.0.1', { app: 'web' }), pod('c', '10.5.0.3', { app: 'db' }), pod('d', '10.5.0.4', { app: 'web' }, false)]);
    expect(s).toHaveLength(1);
    expect(s[0]!.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(s[0]!.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(s[0]!.endpoints.map((e) => e.pod)).toEqual(['a', 'b']);
  });
});

describe('allocation', () => {
  it('ClusterIPs inside the range, stable per name, never reused; node ports in 30000-32767', () => {
    const ip = allocateClusterIP('default/web', '10.96.0.0/12', new Set());
    expect(ip).toBe(allocateClusterIP('default/web', '10.96.0.0/12', new Set()));
    expect(allocateClusterIP('default/web', '10.96.0.0/12', new Set([ip]))).not.toBe(ip);
    expect(() => allocateClusterIP('default/x', '10.96.0.0/12', new Set(), '10.200.0.1')).toThrow('provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    const p = allocateNodePort('default/web:http:80', new Set());
    expect(p).toBeGreaterThanOrEqual(30000);
    expect(p).toBeLessThanOrEqual(32767);
  });
});
