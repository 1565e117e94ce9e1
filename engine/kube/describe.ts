/**
 * `kubectl describe pod|svc|deploy|node`: the key/value blocks kubectl's describers print,
 * aligned the way Go's text/tabwriter (padding 2) aligns them — a column's width is set by
 * the longest cell among the consecutive lines that have that column.
 */
import type { KubeCluster } from './cluster.ts';
import { podsOf } from './kubectl-get.ts';
import { containerNameOf, timestamp } from './objects.ts';
import { formatMatchLabels } from './selector.ts';
import { humanDuration } from './table.ts';
import type { KubePod } from './types.ts';

/** Go text/tabwriter (minwidth 0, padding 2, no trailing cell padding) over tab-separated lines. */
export function goTabwrite(lines: readonly string[], padding = 2): string {
  const cells = lines.map((l) => l.split('\t'));
  const widths = cells.map((c) => new Array<number>(c.length).fill(0));
  const format = (from: number, to: number, col: number): void => {
    let i = from;
    while (i < to) {
      if (cells[i]!.length - 1 <= col) { i++; continue; }
      let j = i;
      let w = 0;
      while (j < to && cells[j]!.length - 1 > col) { w = Math.max(w, cells[j]![col]!.length + padding); j++; }
      for (let x = i; x < j; x++) widths[x]![col] = w;
      format(i, j, col + 1);
      i = j;
    }
  };
  format(0, cells.length, 0);
  return cells.map((c, i) => c.map((cell, col) => (col < c.length - 1 ? cell.padEnd(widths[i]![col]!) : cell)).join('')).join('\n') + '\n';
}

const labelLines = (title: string, l: Readonly<Record<string, string>> | undefined): string[] => {
  const keys = Object.keys(l ?? {}).sort();
  if (!keys.length) return [`${title}:\t<none>`];
  return keys.map((k, i) => `${i === 0 ? `${title}:` : ''}\t${k}=${l![k]}`);
};

/** kubectl's date in describe (RFC 1123Z). */
function rfc1123(ms: number): string {
  return new Date(Date.parse(timestamp(ms))).toUTCString().replace('GMT', '+0000');
}

function podEvents(p: KubePod, now: number): string[] {
  const age = humanDuration(now - p.created);
  const c = containerNameOf(p.image ?? '', p.name);
  return [
    'Events:',
    '  Type\tReason\tAge\tFrom\tMessage',
    '  ----\t------\t----\t----\t-------',
    `  Normal\tScheduled\t${age}\tdefault-scheduler\tSuccessfully assigned ${p.namespace}/${p.name} to ${p.node}`,
    `  Normal\tPulled\t${age}\tkubelet\tContainer image "${p.image ?? ''}" already present on machine`,
    `  Normal\tCreated\t${age}\tkubelet\tCreated container ${c}`,
    `  Normal\tStarted\t${age}\tkubelet\tStarted container ${c}`,
  ];
}

/** `kubectl describe pod NAME`. */
export function describePod(k: KubeCluster, p: KubePod, now: number): string {
  const node = k.nodes().find((n) => n.name === p.node);
  const ports = p.containerPorts.length ? p.containerPorts.map((c) => `${c.containerPort}/${c.protocol}`).join(', ') : '<none>';
  const lines = [
    `Name:\t${p.name}`,
    `Namespace:\t${p.namespace}`,
    'Priority:\t0',
    'Service Account:\tdefault',
    `Node:\t${p.node}/${node?.internalIP ?? ''}`,
    `Start Time:\t${rfc1123(p.created)}`,
    ...labelLines('Labels', p.labels),
    'Annotations:\t<none>',
    'Status:\tRunning',
    `IP:\t${p.ip}`,
    'IPs:',
    `  IP:\t${p.ip}`,
    ...(p.owner ? [`Controlled By:\t${p.owner}`] : []),
    'Containers:',
    `  ${containerNameOf(p.image ?? '', p.name)}:`,
    `    Image:\t${p.image ?? ''}`,
    `    Port:\t${ports}`,
    `    Host Port:\t${p.containerPorts.length ? p.containerPorts.map((c) => `0/${c.protocol}`).join(', ') : '<none>'}`,
    '    State:\tRunning',
    `      Started:\t${rfc1123(p.created)}`,
    '    Ready:\tTrue',
    '    Restart Count:\t0',
    '    Environment:\t<none>',
    'Conditions:',
    '  Type\tStatus',
    '  Initialized\tTrue ',
    '  Ready\tTrue ',
    '  ContainersReady\tTrue ',
    '  PodScheduled\tTrue ',
    'QoS Class:\tBestEffort',
    'Node-Selectors:\t<none>',
    'Tolerations:\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s',
    '\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s',
    ...podEvents(p, now),
  ];
  return goTabwrite(lines);
}

/** `kubectl describe svc NAME`. */
export function describeService(k: KubeCluster, namespace: string, name: string): string | undefined {
  const s = k.services.get(`${namespace}/${name}`);
  if (!s) return undefined;
  const slices = k.slices.get(`${namespace}/${name}`) ?? [];
  const lines = [
    `Name:\t${s.name}`,
    `Namespace:\t${s.namespace}`,
    ...labelLines('Labels', s.labels),
    'Annotations:\t<none>',
    `Selector:\t${s.selector ? formatMatchLabels(s.selector) : '<none>'}`,
    `Type:\t${s.type}`,
    'IP Family Policy:\tSingleStack',
    'IP Families:\tIPv4',
    `IP:\t${s.clusterIP}`,
    `IPs:\t${s.clusterIP}`,
    ...(s.externalIPs?.length ? [`External IPs:\t${s.externalIPs.join(',')}`] : []),
    ...(s.type === 'LoadBalancer' && s.loadBalancerIP ? [`LoadBalancer Ingress:\t${s.loadBalancerIP}`] : []),
  ];
  for (const p of s.ports) {
    const eps = slices.flatMap((sl) => sl.endpoints.flatMap((e) => sl.ports.filter((x) => x.name === p.name).map((x) => `${e.ip}:${x.port}`)));
    lines.push(`Port:\t${p.name || '<unset>'}\t${p.port}/${p.protocol}`);
    lines.push(`TargetPort:\t${p.targetPort}/${p.protocol}`);
    if (p.nodePort !== undefined) lines.push(`NodePort:\t${p.name || '<unset>'}\t${p.nodePort}/${p.protocol}`);
    lines.push(`Endpoints:\t${s.clusterIP === 'None' && !eps.length ? '<none>' : eps.length ? (eps.length > 3 ? `${eps.slice(0, 3).join(',')} + ${eps.length - 3} more...` : eps.join(',')) : '<none>'}`);
  }
  lines.push(`Session Affinity:\t${s.sessionAffinity ?? 'None'}`);
  if (s.type !== 'ClusterIP') lines.push(`External Traffic Policy:\t${s.externalTrafficPolicy}`);
  lines.push('Events:\t<none>');
  return goTabwrite(lines);
}

/** `kubectl describe deployment|replicaset|daemonset NAME` (the summary lines). */
export function describeWorkload(k: KubeCluster, key: string, now: number): string | undefined {
  const w = k.workloads.get(key);
  if (!w) return undefined;
  const have = podsOf(k, w);
  const lines = [
    `Name:\t${w.name}`,
    `Namespace:\t${w.namespace}`,
    `CreationTimestamp:\t${rfc1123(w.created)}`,
    ...labelLines('Labels', w.labels),
    `Selector:\t${formatMatchLabels(w.selector)}`,
    ...(w.kind === 'DaemonSet' ? [`Number of Nodes Scheduled with Up-to-date Pods:\t${have}`]
      : [`Replicas:\t${w.replicas} desired | ${have} updated | ${have} total | ${have} available | 0 unavailable`]),
    ...(k.pending.has(key) ? [`Scheduling:\tFailedScheduling ${humanDuration(now - w.created)}: ${k.pending.get(key)}`] : []),
    'Pod Template:',
    ...labelLines('  Labels', w.template.labels),
    '  Containers:',
    `   ${containerNameOf(w.template.image, w.name)}:`,
    `    Image:\t${w.template.image}`,
    `    Port:\t${w.template.containerPorts.length ? w.template.containerPorts.map((c) => `${c.containerPort}/${c.protocol}`).join(', ') : '<none>'}`,
    'Events:\t<none>',
  ];
  return goTabwrite(lines);
}
