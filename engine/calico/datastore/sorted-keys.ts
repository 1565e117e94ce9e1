/**
 * The embedded datastore's keys in byte order, held in chunks of a bounded size: inserting or
 * removing a key moves the entries of one chunk, not of the whole key set (a single sorted
 * array made every new pod's keys cost O(keys in the store): quadratic over a cluster's
 * start). A prefix range is a binary search over the chunks' first keys, then one inside a chunk.
 */

/** Chunks split when they reach twice this size. */
const CHUNK = 256;

/** Index of the first key >= `k` in a sorted array. */
export function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A sorted set of strings with cheap inserts, removals and ordered ranges. */
export class SortedKeys {
  /** Non-empty chunks, each sorted, every key of a chunk below every key of the next. */
  private readonly chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The chunk that holds `k` or where it would go: the last whose first key is <= k (0 when none). */
  private chunkFor(k: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid]![0]! <= k) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  /** Adds a key that is not in the set. */
  insert(k: string): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([k]);
      return;
    }
    const ci = this.chunkFor(k);
    const c = this.chunks[ci]!;
    c.splice(lowerBound(c, k), 0, k);
    if (c.length >= 2 * CHUNK) this.chunks.splice(ci + 1, 0, c.splice(CHUNK));
  }

  /** Removes a key of the set. */
  remove(k: string): void {
    const ci = this.chunkFor(k);
    const c = this.chunks[ci];
    if (!c) return;
    const i = lowerBound(c, k);
    if (c[i] !== k) return;
    this.count--;
    c.splice(i, 1);
    if (c.length === 0) this.chunks.splice(ci, 1);
  }

  /** Every key starting with `prefix`, in order (they follow each other from the first key >= prefix). */
  *withPrefix(prefix: string): Generator<string> {
    const first = this.chunkFor(prefix);
    for (let ci = first; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci]!;
      for (let j = ci === first ? lowerBound(c, prefix) : 0; j < c.length; j++) {
        if (!c[j]!.startsWith(prefix)) return;
        yield c[j]!;
      }
    }
  }
}
