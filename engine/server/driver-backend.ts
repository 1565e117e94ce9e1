/**
 * The UI backend of a lab on real nodes (Mininet hosts, containers): everything comes from
 * the scenario runner's LabDriver — commands run on the node's real tools, the packet list is
 * what tcpdump captured on every interface, pods are the CNI plugin's namespaces, cables
 * follow the run's link-state events. The HTTP/WebSocket code is the simulator's, unchanged.
 */
import type { PodlabEvent } from '../events.ts';
import type { LabDriver } from '../scenario/driver.ts';
import { splitCommandLine, CommandLineError } from '../sim/tools/argv.ts';
import type { LiveFeed } from './live-feed.ts';
import type { UiBackend } from './backend.ts';
import type { AttachedNamespace, LinkState } from './api-types.ts';

/** A live backend over a driver; `events` returns the run's events so far (a growing list). */
export function driverBackend(driver: LabDriver, feed: LiveFeed, events: () => readonly PodlabEvent[]): UiBackend {
  const t = driver.topology;
  return {
    mode: 'live', runtime: driver.runtime, topology: t, feed,
    exec: async (node, command) => {
      let argv: string[];
      try {
        argv = splitCommandLine(command);
      } catch (e) {
        if (e instanceof CommandLineError) return { stdout: '', stderr: `bash: ${e.message}\n`, code: 2 };
        throw e;
      }
      return driver.exec(node, argv);
    },
    now: () => driver.now(),
    namespaces: () => [...(driver.calico()?.pods().values() ?? [])].map((p): AttachedNamespace => ({
      name: p.podNode, host: p.node, hostIface: p.hostIface, iface: 'eth0', addresses: [`${p.ip}/32`],
    })),
    hasNode: (name) => driver.nodes().includes(name),
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
