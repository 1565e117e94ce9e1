/**
 * What a reader needs to show the lab as it was at any step, beyond routes and sessions:
 * the pods that existed (`kube.pod` added/deleted, diffed like routes) and, per node, what
 * the inspector's tools printed at the end of each step (`lab.snapshot`, emitted only when
 * the text changed since the node's previous snapshot, so a recording grows with change,
 * not with steps × nodes). The UI's panels read these at the timeline cursor.
 */
import { registerEventType } from '../events.ts';
import type { EventBody } from '../events.ts';
import type { LabDriver } from './driver.ts';

declare module '../events.ts' {
  interface ExtensionEvents {
    /** A pod appeared or went away (the CNI ADD / DEL of a pod step, or one the topology declares). */
    'kube.pod': {
      readonly action: 'added' | 'deleted';
      readonly namespace: string;
      readonly name: string;
      /** The k8s node it runs on. */
      readonly node: string;
      /** The name its own network namespace answers to (commands, routes events). */
      readonly podNode: string;
      readonly ip: string;
      /** The host end of its veth (`cali…`). */
      readonly hostIface: string;
    };
    /** What `command` printed on `node` at the end of a step (only when it changed). */
    'lab.snapshot': { readonly node: string; readonly command: string; readonly text: string };
  }
}

const strs = (e: Record<string, unknown>, ...keys: string[]): string | undefined => {
  for (const k of keys) if (typeof e[k] !== 'string') return `'${k}' must be a string`;
  return undefined;
};
registerEventType('kube.pod', (e) => strs(e, 'action', 'namespace', 'name', 'node', 'podNode', 'ip', 'hostIface')
  ?? (e.action === 'added' || e.action === 'deleted' ? undefined : "'action' must be added or deleted"));
registerEventType('lab.snapshot', (e) => strs(e, 'node', 'command', 'text'));

/** The commands snapshotted per node: the node inspector's sections (web/src/components/NodeInspector.ts). */
export const SNAPSHOT_COMMANDS = {
  all: ['ip addr', 'ip neigh'],
  calico: ['birdc show protocols', 'birdc show route', 'calicoctl ipam show --show-blocks', 'iptables-save -c'],
  router: ['birdc show protocols', 'birdc show route'],
  switch: ['bridge fdb show', 'bridge vlan show'],
} as const;

/**
 * Labs larger than this get no per-step snapshots: 5 commands × nodes × steps would cost more
 * than the run (the UI says the sections were not recorded).
 */
export const SNAPSHOT_MAX_NODES = 64;

/** Keeps what was last emitted, and emits the differences. */
export class LabStateRecorder {
  private readonly pods = new Map<string, EventBody & { type: 'kube.pod' }>();
  private readonly texts = new Map<string, string>();

  /** `snapshots`: emit lab.snapshot events (pods are always tracked: they cost nothing). */
  constructor(private readonly driver: LabDriver, private readonly emit: (b: EventBody) => void, private readonly snapshots = true) {}

  /** Emits pods added or deleted since the last call. */
  recordPods(): void {
    const now = this.driver.calico()?.pods();
    if (!now) return;
    for (const [k, p] of now) {
      if (this.pods.has(k)) continue;
      const b = { type: 'kube.pod' as const, action: 'added' as const, namespace: p.namespace, name: p.name, node: p.node, podNode: p.podNode, ip: p.ip, hostIface: p.hostIface };
      this.pods.set(k, b);
      this.emit(b);
    }
    for (const [k, b] of this.pods) {
      if (now.has(k)) continue;
      this.pods.delete(k);
      this.emit({ ...b, action: 'deleted' });
    }
  }

  /** Emits each topology node's inspector texts that changed since its last snapshot. */
  async snapshot(): Promise<void> {
    const t = this.driver.topology;
    if (!this.snapshots || t.nodes.length > SNAPSHOT_MAX_NODES) return;
    const calico = this.driver.calico() !== undefined;
    for (const n of t.nodes) {
      const cmds = n.kind === 'switch' ? SNAPSHOT_COMMANDS.switch
        : [...SNAPSHOT_COMMANDS.all, ...(calico && n.kind === 'k8s-node' ? SNAPSHOT_COMMANDS.calico : calico && n.kind === 'router' ? SNAPSHOT_COMMANDS.router : [])];
      for (const command of cmds) {
        let text: string;
        try {
          const r = await this.driver.exec(n.name, command.split(' '));
          if (r.code !== 0) continue; // the node has no such tool (no BIRD on it): nothing to show
          text = r.stdout;
        } catch {
          continue; // a snapshot must never fail the run
        }
        const key = `${n.name}\n${command}`;
        if (this.texts.get(key) === text) continue;
        this.texts.set(key, text);
        this.emit({ type: 'lab.snapshot', node: n.name, command, text });
      }
    }
  }
}
