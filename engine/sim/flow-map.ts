/**
 * A map keyed by a flow's five numbers (protocol, addresses, ports), compared field by field
 * and chained under a small-integer hash: conntrack and the TCP demultiplexer look flows up
 * on every packet, and a string key per lookup cost a string and four number conversions.
 */

/** The fields that identify a flow direction (conntrack's Tuple has this shape). */
export interface FlowKey {
  proto: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
}

function sameFlow(a: FlowKey, b: FlowKey): boolean {
  return a.proto === b.proto && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport;
}

/** A hash kept within V8's small-integer range, so the Map keyed by it allocates no key. */
export function flowHash(t: FlowKey): number {
  let h = Math.imul(t.src ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ t.dst, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ ((t.sport << 16) | t.dport), 0x27d4eb2f);
  return (h ^ (h >>> 16) ^ t.proto) & 0x3fffffff;
}

interface Slot<V> { readonly k: FlowKey; v: V; next: Slot<V> | undefined }

/** Flow → value. A lookup may pass a scratch key (it is not kept); set keeps a new key's object. */
export class FlowMap<V> {
  private readonly buckets = new Map<number, Slot<V>>();

  get(k: FlowKey): V | undefined {
    for (let s = this.buckets.get(flowHash(k)); s; s = s.next) if (sameFlow(s.k, k)) return s.v;
    return undefined;
  }

  /** Sets the value of `k`; a new key is kept as is, so callers never change it afterwards. */
  set(k: FlowKey, v: V): void {
    const h = flowHash(k);
    const first = this.buckets.get(h);
    for (let s = first; s; s = s.next) if (sameFlow(s.k, k)) { s.v = v; return; }
    this.buckets.set(h, { k, v, next: first });
  }

  delete(k: FlowKey): void {
    const h = flowHash(k);
    let prev: Slot<V> | undefined;
    for (let s = this.buckets.get(h); s; prev = s, s = s.next) {
      if (!sameFlow(s.k, k)) continue;
      if (prev) prev.next = s.next;
      else if (s.next) this.buckets.set(h, s.next);
      else this.buckets.delete(h);
      return;
    }
  }

  clear(): void {
    this.buckets.clear();
  }
}
