/**
 * tcpdump's SCTP line (print-sctp.c, without -v): `sctp (N)` then each chunk in brackets with
 * the fields tcpdump shows for it — INIT/INIT ACK tags and window, DATA's TSN and stream, SACK's
 * cumulative ack. Chunks are numbered `(1) … , (2) …`, each followed by a space, as tcpdump
 * writes them.
 */
import type { Ipv4Packet } from '../packet.ts';
import { chunkName, decodeSctp, readData, readInit, SCTP_DATA, SCTP_INIT, SCTP_INIT_ACK, SCTP_SACK } from '../sctp.ts';
import type { SctpChunk } from '../sctp.ts';

function chunkText(c: SctpChunk): string {
  const head = `[${chunkName(c.type)}]`;
  if (c.type === SCTP_INIT || c.type === SCTP_INIT_ACK) {
    const i = readInit(c);
    return i ? `${head} [init tag: ${i.initiateTag >>> 0}] [rwnd: ${i.arwnd >>> 0}] [OS: ${i.outStreams}] [MIS: ${i.inStreams}] [init TSN: ${i.initialTsn >>> 0}]` : head;
  }
  if (c.type === SCTP_DATA) {
    const d = readData(c);
    const be = `${c.flags & 2 ? '(B)' : ''}${c.flags & 1 ? '(E)' : ''}`;
    return d ? `${head} ${be} [TSN: ${d.tsn >>> 0}] [SID: ${d.stream}] [SSEQ ${d.ssn}] [PPID 0x${d.ppid.toString(16)}]` : head;
  }
  if (c.type === SCTP_SACK && c.value.length >= 12) {
    const v = new DataView(c.value.buffer, c.value.byteOffset, c.value.byteLength);
    return `${head} [cum ack ${v.getUint32(0)}] [a_rwnd ${v.getUint32(4)}] [#gap acks ${v.getUint16(8)}] [#dup tsns ${v.getUint16(10)}]`;
  }
  return head;
}

/** `SRC.PORT > DST.PORT: sctp (1) [CHUNK] … , (2) …`, or undefined when the bytes are not SCTP tcpdump could read. */
export function sctpText(ip: Ipv4Packet, bytes: Uint8Array, host: (a: number) => string): string | undefined {
  const p = decodeSctp(bytes);
  if (!p) return undefined;
  // Each chunk as tcpdump writes it: numbered, comma before all but the first, a space after each.
  const chunks = p.chunks.map((c, i) => `${i ? ',' : ''} (${i + 1}) ${chunkText(c)} `).join('');
  return `${host(ip.src)}.${p.srcPort} > ${host(ip.dst)}.${p.dstPort}: sctp${chunks}`;
}
