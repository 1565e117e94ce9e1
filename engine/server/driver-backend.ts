/**
 * The UI backend of a lab on real nodes (Mininet hosts, containers): everything comes from
 * the scenario runner's LabDriver — commands run on the node's real tools, the packet list is
 * what tcpdump captured on every interface, pods are the CNI plugin's namespaces, cables
 * follow the run's link-state events. The HTTP/WebSocket code is the simulator's, unchanged.
 */
import type { PodlabEvent } from '../events.ts';
import type { LabDriver } from '../scenario/driver.ts';
import { splitCommandLine, CommandLineError } from '../sim/tools/argv.ts';
import { splitHeredoc } from '../sim/tools/heredoc.ts';
import type { LiveFeed } from './live-feed.ts';
import type { UiBackend } from './backend.ts';
import type { AttachedNamespace, LinkState } from './api-types.ts';

/** The shell's node for a name: itself, or a pod by its kubectl name (`ns/pod`; bare `pod`: the default namespace's, else the only one so named). */
function shellNode(driver: LabDriver, name: string): string | undefined {
  if (driver.nodes().includes(name)) return name;
  const pods = driver.calico()?.pods();
  if (!pods) return undefined;
  if (name.includes('/')) return pods.get(name)?.podNode;
  const same = [...pods.values()].filter((p) => p.name === name);
  return (pods.get(`default/${name}`) ?? (same.length === 1 ? same[0] : undefined))?.podNode;
}

/** A live backend over a driver; `events` returns the run's events so far (a growing list). */
export function driverBackend(driver: LabDriver, feed: LiveFeed, events: () => readonly PodlabEvent[]): UiBackend {
  const t = driver.topology;
  return {
    mode: 'live', runtime: driver.runtime, topology: t, feed,
    exec: async (node, command) => {
      // A here-document (`kubectl apply -f - <<EOF` + lines + `EOF`) feeds the program's stdin.
      const { line, stdin } = splitHeredoc(command);
      let argv: string[];
      try {
        argv = splitCommandLine(line);
      } catch (e) {
        if (e instanceof CommandLineError) return { stdout: '', stderr: `bash: ${e.message}\n`, code: 2 };
        throw e;
      }
      return driver.exec(shellNode(driver, node) ?? node, argv, stdin !== undefined ? { stdin } : {});
    },
    now: () => driver.now(),
    namespaces: () => [...(driver.calico()?.pods().values() ?? [])].map((p): AttachedNamespace => ({
      name: p.podNode, host: p.node, hostIface: p.hostIface, iface: 'eth0', addresses: [`${p.ip}/32`],
    })),
    hasNode: (name) => shellNode(driver, name) !== undefined,
    links: () => {
      // Cables start up; the run's link-state events say what changed since.
      const down = new Map<string, boolean>();
      const shaped = new Map<string, { latencyMs: number; lossPct: number }>();
      for (const e of events()) {
        if (e.type !== 'link-state') continue;
        const key = [...e.endpoints].sort().join(' ');
        down.set(key, e.state === 'down');
        shaped.set(key, { latencyMs: e.latencyMs, lossPct: e.lossPct });
      }
      return t.links.map((l): LinkState => {
        const [a, b] = l.endpoints;
        const key = [`${a.node}:${a.iface}`, `${b.node}:${b.iface}`].sort().join(' ');
        const s = shaped.get(key);
        return { a: a.node, aIf: a.iface, b: b.node, bIf: b.iface, up: !down.get(key), latencyMs: s?.latencyMs ?? l.latencyMs, lossPct: s?.lossPct ?? l.lossPercent };
      });
    },
    captures: () => driver.recordedCaptures().map((c) => ({ node: c.node, iface: c.dev, frames: c.frames })),
    pcap: (node, iface) => driver.recordedCaptures().find((c) => c.id === `${node}:${iface}`)?.pcap,
    events,
  };
}
