/**
 * A recording opened in the browser as a LabSource: the engine's own recording backend
 * (engine/server/recording-backend.ts) and API bodies (api-views.ts) run here instead of on
 * the server, so the page shows it exactly as `podlab replay FILE` would.
 */
import type { Recording } from '../../../engine/scenario/recording.ts';
import { recordingBackend } from '../../../engine/server/recording-backend.ts';
import { eventsView, hopsView, linksView, packetsView, topologyView } from '../../../engine/server/api-views.ts';
import type { LabSource } from './source.ts';

/** A read-only source over a decoded recording; `label` names it in the header (the file name). */
export function recordingSource(rec: Recording, label: string): LabSource {
  const b = recordingBackend(rec);
  return {
    label, local: true,
    topology: async () => topologyView(b),
    events: async (since, limit) => eventsView(b, since, limit),
    packets: async (since) => packetsView(b, since),
    hops: async (since) => hopsView(b, since),
    links: async () => linksView(b),
    downloadPcap: (node, iface) => {
      const bytes = b.pcap(node, iface);
      if (!bytes) return;
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.tcpdump.pcap' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${node}-${iface}.pcap`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    // Nothing changes in a recording: "connected" once, no messages.
    connect: (_onMessage, onState) => {
      queueMicrotask(() => onState(true));
      return () => {};
    },
  };
}
