/**
 * The pod MTU check: between pods on different nodes, a packet of the pod's MTU with DF set
 * (what a TCP connection sends once its window opens); when it does not pass, a binary search
 * for the largest packet that does. Pods on the same pair of nodes share a path, so the search
 * runs once per node pair. A drop of an encapsulated packet names the classic black hole:
 * Calico sized the pod MTU for one underlay, a link on the way carries less, and the outer
 * header tips full-size packets over.
 */
import type { MtuDrop, Prober } from './probe.ts';
import type { MtuResult, ProbeEndpoint } from './types.ts';

/** IPv4 + ICMP echo headers: `ping -s S` sends an IP packet of S + 28 bytes. */
const PING_OVERHEAD = 28;

/** The black hole in words, from the drop of the full-size packet and the search's result. Pure. */
export function blackHoleText(podMtu: number, largest: number | undefined, d: MtuDrop): string {
  const fits = d.mtu - d.overhead;
  const passes = largest !== undefined ? `; the largest packet that passes is ${largest} bytes` : '';
  if (d.encap) {
    return `${d.encap} black hole: pods send up to ${podMtu} bytes, ${d.encap} adds ${d.overhead} (${podMtu + d.overhead} on the wire), ` +
      `but ${d.node}:${d.dev} carries ${d.mtu}${passes}; a pod MTU of ${fits} would fit (FelixConfiguration ${d.encap === 'IPIP' ? 'ipipMTU' : 'vxlanMTU'})`;
  }
  return `path MTU below the pod MTU: ${d.node}:${d.dev} carries ${d.mtu}, pods send up to ${podMtu}${passes}`;
}

/**
 * Binary search for the largest ping payload in [0, hi] that passes with DF, given that `hi`
 * itself failed; undefined when even 0 fails. `passes` is monotone along one path.
 */
export async function largestPassing(hi: number, passes: (size: number) => Promise<boolean>): Promise<number | undefined> {
  if (!(await passes(0))) return undefined;
  let lo = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (await passes(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The MTU results of every ordered pair of pods on different nodes. */
export async function probeMtu(prober: Prober, pods: readonly ProbeEndpoint[]): Promise<MtuResult[]> {
  const out: MtuResult[] = [];
  const byNodes = new Map<string, number | undefined>();
  for (const a of pods) for (const b of pods) {
    if (a.node === b.node) continue;
    const podMtu = prober.podMtu(a);
    if (!podMtu) continue;
    const r = await prober.probe(a, b, { size: podMtu - PING_OVERHEAD });
    if (r.ok) {
      out.push({ from: a.id, to: b.id, podMtu, ok: true, largest: podMtu });
      continue;
    }
    const key = `${a.node}|${b.node}`;
    if (!byNodes.has(key)) {
      const s = await largestPassing(podMtu - PING_OVERHEAD, async (size) => (await prober.probe(a, b, { size })).ok);
      byNodes.set(key, s === undefined ? undefined : s + PING_OVERHEAD);
    }
    const largest = byNodes.get(key);
    out.push({
      from: a.id, to: b.id, podMtu, ok: false, ...(r.reason ? { reason: r.reason } : {}),
      ...(largest !== undefined ? { largest } : {}),
      ...(r.mtuDrop ? { blackHole: blackHoleText(podMtu, largest, r.mtuDrop) } : {}),
    });
  }
  return out;
}
