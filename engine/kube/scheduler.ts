/**
 * A small deterministic kube-scheduler: filter nodes (spec.nodeName, nodeSelector, the
 * control-plane NoSchedule taint unless tolerated), then score by fewest pods, ties broken
 * by node name. The real scheduler scores many plugins and breaks ties at random; this keeps
 * the one that shapes small labs (spread replicas, keep them off the control plane).
 */
import type { KubeNode, PodTemplate, Toleration } from './types.ts';

/** The taint kubeadm puts on control-plane nodes, implied here by their role label. */
export const CONTROL_PLANE_TAINT = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' } as const;

/** True when a toleration lets a pod onto a node with the taint (v1 ToleratesTaint). */
export function tolerates(t: Toleration, taint: { key: string; value?: string; effect: string }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return t.key === undefined || t.key === '' || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** The nodes a pod fits by nodeSelector and taints (what a DaemonSet runs one pod on each of). */
export function eligible(t: PodTemplate, nodes: readonly KubeNode[]): KubeNode[] {
  return nodes.filter((n) => Object.entries(t.nodeSelector).every(([k, v]) => n.labels[k] === v)
    && !(CONTROL_PLANE_TAINT.key in n.labels && !t.tolerations.some((x) => tolerates(x, CONTROL_PLANE_TAINT))));
}

/** The node for a new pod, or the FailedScheduling message kube-scheduler would record. */
export function schedule(t: PodTemplate, nodes: readonly KubeNode[], podsPerNode: ReadonlyMap<string, number>): { node: string } | { error: string } {
  if (t.nodeName) {
    // spec.nodeName bypasses the scheduler (kubelet takes the pod as it is).
    return nodes.some((n) => n.name === t.nodeName) ? { node: t.nodeName } : { error: `node "${t.nodeName}" not found` };
  }
  let tainted = 0;
  let unmatched = 0;
  const fit = nodes.filter((n) => {
    if (!Object.entries(t.nodeSelector).every(([k, v]) => n.labels[k] === v)) { unmatched++; return false; }
    if (CONTROL_PLANE_TAINT.key in n.labels && !t.tolerations.some((x) => tolerates(x, CONTROL_PLANE_TAINT))) { tainted++; return false; }
    return true;
  });
  if (fit.length === 0) {
    const why: string[] = [];
    if (unmatched) why.push(`${unmatched} node(s) didn't match Pod's node affinity/selector`);
    if (tainted) why.push(`${tainted} node(s) had untolerated taint {${CONTROL_PLANE_TAINT.key}: }`);
    return { error: `0/${nodes.length} nodes are available: ${why.join(', ')}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.` };
  }
  const best = [...fit].sort((a, b) => (podsPerNode.get(a.name) ?? 0) - (podsPerNode.get(b.name) ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0]!;
  return { node: best.name };
}
