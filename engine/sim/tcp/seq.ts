/**
 * Pure helpers of the TCP engine: 32-bit sequence arithmetic (RFC 9293 §3.4, the `before()` /
 * `after()` of Linux's tcp.h), the MSS option codec, and the byte queue that holds a
 * socket's unacknowledged + unsent data.
 */

/** a < b in sequence space (modulo 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a + n as an unsigned sequence number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** b - a as a signed distance (b after a → positive). */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;

/** The options of a SYN we send: MSS only (kind 2, length 4). */
export function mssOption(mss: number): Uint8Array {
  return Uint8Array.of(OPT_MSS, 4, (mss >>> 8) & 0xff, mss & 0xff);
}

/** The MSS option of a received segment, or undefined (RFC 9293: assume 536 then). */
export function parseMss(options: Uint8Array | undefined): number | undefined {
  if (!options) return undefined;
  for (let i = 0; i < options.length;) {
    const kind = options[i]!;
    if (kind === OPT_EOL) return undefined;
    if (kind === OPT_NOP) { i++; continue; }
    const len = options[i + 1] ?? 0;
    if (len < 2 || i + len > options.length) return undefined; // malformed: stop, like tcp_parse_options
    if (kind === OPT_MSS && len === 4) return (options[i + 2]! << 8) | options[i + 3]!;
    i += len;
  }
  return undefined;
}

/**
 * A FIFO of bytes: writes append chunks (copied, unless the writer hands them over), reads
 * take any range from the front, acks drop from the front. Chunks are never merged, so a 1 MB
 * write costs at most one copy.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // bytes already dropped from chunks[0]
  length = 0;
  /**
   * Where the last read ended up: chunk `curIdx` starts `curAt` bytes into chunks[0]. Segments
   * are read in order, so the next read starts there instead of walking every chunk queued
   * before it (a BGP speaker queues one chunk per write).
   */
  private curIdx = 0;
  private curAt = 0;

  /**
   * Appends `data`: a copy, or with `copy` false the bytes themselves (a writer that never
   * changes bytes once written, as node:net requires of its writers, hands them over).
   */
  push(data: Uint8Array, copy = true): void {
    if (data.length === 0) return;
    this.chunks.push(copy ? data.slice() : data);
    this.length += data.length;
  }

  /**
   * `len` bytes starting `offset` bytes from the front: a view when they lie in one chunk
   * (chunks are private copies never written again, so a segment may carry a view of one),
   * else a copy that joins the chunks.
   */
  read(offset: number, len: number): Uint8Array {
    const chunks = this.chunks;
    const pos = offset + this.head;
    let i = 0;
    let at = 0;
    if (pos >= this.curAt && this.curIdx < chunks.length) { i = this.curIdx; at = this.curAt; }
    while (i < chunks.length && pos >= at + chunks[i]!.length) at += chunks[i++]!.length;
    this.curIdx = i;
    this.curAt = at;
    const first = chunks[i];
    if (first && pos + len <= at + first.length) return first.subarray(pos - at, pos - at + len);
    const out = new Uint8Array(len);
    let skip = pos - at;
    let got = 0;
    for (; i < chunks.length && got < len; i++) {
      const c = chunks[i]!;
      const n = Math.min(c.length - skip, len - got);
      out.set(c.subarray(skip, skip + n), got);
      got += n;
      skip = 0;
    }
    return out;
  }

  /** Drops `n` bytes from the front (acknowledged data). */
  drop(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    let left = n + this.head;
    let gone = 0;
    let goneBytes = 0;
    while (gone < this.chunks.length && left >= this.chunks[gone]!.length) {
      left -= this.chunks[gone]!.length;
      goneBytes += this.chunks[gone]!.length;
      gone++;
    }
    if (gone > 0) this.chunks.splice(0, gone);
    this.head = left;
    this.curIdx -= gone;
    this.curAt -= goneBytes;
    if (this.curIdx < 0) { this.curIdx = 0; this.curAt = 0; }
  }
}

/**
 * Segments received beyond a hole, held until the bytes before them arrive (tcp_ofo_queue).
 * Entries may overlap each other and what was already delivered; `next` trims that away.
 */
export class OutOfOrderQueue {
  private readonly segs = new Map<number, Uint8Array>();

  /** True while something is held (a hole is open). */
  get holding(): boolean {
    return this.segs.size > 0;
  }

  /** Holds a copy of `data`, which starts at sequence number `seq`. */
  hold(seq: number, data: Uint8Array): void {
    this.segs.set(seq, data.slice());
  }

  /** The held bytes that continue the stream at `rcvNxt` (removed), or undefined; stale entries go. */
  next(rcvNxt: number): Uint8Array | undefined {
    for (const [seq, data] of this.segs) {
      if (seqLe(seqAdd(seq, data.length), rcvNxt)) { this.segs.delete(seq); continue; }
      if (seqLe(seq, rcvNxt)) {
        this.segs.delete(seq);
        return data.subarray(seqDiff(rcvNxt, seq));
      }
    }
    return undefined;
  }
}
