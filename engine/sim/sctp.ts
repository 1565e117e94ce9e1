/**
 * A minimal SCTP for the simulated kernel: enough for a probe and a test server to set up an
 * association (INIT → INIT ACK with a State Cookie → COOKIE ECHO → COOKIE ACK), exchange one
 * message each way (DATA, SACK) and close it (SHUTDOWN → SHUTDOWN ACK → SHUTDOWN COMPLETE).
 * A packet for a port nobody listens on is answered with ABORT (RFC 9260 §8.4, "out of the
 * blue"), the way Linux's sctp module answers. One stream, one message, no retransmission:
 * a lost packet is a timeout, which is what a probe reports anyway.
 */
import type { IPv4 } from '../net/ip.ts';
import type { IcmpMessage, Ipv4Packet } from '../net/packet.ts';
import { makeIpv4, parseIcmpQuote } from '../net/codec/index.ts';
import {
  IPPROTO_SCTP, SCTP_ABORT, SCTP_COOKIE_ACK, SCTP_COOKIE_ECHO, SCTP_DATA, SCTP_INIT, SCTP_INIT_ACK, SCTP_SHUTDOWN,
  SCTP_SHUTDOWN_ACK, SCTP_SHUTDOWN_COMPLETE, bareChunk, cookieEchoChunk, dataChunk, decodeSctp, encodeSctp, initChunk,
  readData, readInit, sackChunk, shutdownChunk,
} from '../net/sctp.ts';
import type { SctpChunk, SctpPacket } from '../net/sctp.ts';
import type { Kernel } from './kernel.ts';
import type { NetDevice } from './types.ts';
import { drop } from './device.ts';
import { nextId } from './icmp.ts';
import { ipLocalOut, routeOutput } from './ipv4-output.ts';

type Endpoint = (pkt: Ipv4Packet, s: SctpPacket) => void;

/** Bound SCTP ports per kernel (a kernel has no SCTP state until something binds). */
const bound = new WeakMap<Kernel, Map<number, Endpoint>>();

const ARWND = 106496; // Linux's default receive window for a new association

function portsOf(k: Kernel): Map<number, Endpoint> {
  let m = bound.get(k);
  if (!m) bound.set(k, (m = new Map()));
  return m;
}

function send(k: Kernel, src: IPv4, dst: IPv4, p: SctpPacket): void {
  ipLocalOut(k, makeIpv4({ src, dst, protocol: IPPROTO_SCTP, payload: encodeSctp(p), id: nextId(k) }), {});
}

const tag = (k: Kernel): number => (k.rng.nextU32() >>> 0) || 1;

/** sctp_rcv(): a bound port gets the packet; a bad checksum is dropped; anything else is out of the blue. */
export function sctpRcv(k: Kernel, dev: NetDevice, pkt: Ipv4Packet): void {
  const s = pkt.payload instanceof Uint8Array ? decodeSctp(pkt.payload) : undefined;
  if (!s) return; // malformed or wrong CRC32c: dropped without a word, as Linux does
  const ep = bound.get(k)?.get(s.dstPort);
  if (ep) {
    ep(pkt, s);
    return;
  }
  drop(k, 'no-listener', dev, pkt);
  // No reply to an ABORT or a SHUTDOWN COMPLETE (§8.4 items 2 and 6), ABORT to anything else.
  if (s.chunks.some((c) => c.type === SCTP_ABORT || c.type === SCTP_SHUTDOWN_COMPLETE)) return;
  const init = s.chunks[0]?.type === SCTP_INIT ? readInit(s.chunks[0]) : undefined;
  // To an INIT: the INIT's initiate tag; otherwise the packet's own tag with the T bit set.
  send(k, pkt.dst, pkt.src, { srcPort: s.dstPort, dstPort: s.srcPort, vtag: init ? init.initiateTag : s.vtag, chunks: [bareChunk(SCTP_ABORT, init ? 0 : 1)] });
}

interface Assoc { peerTag: number; myTag: number; myTsn: number }

/** The state a server keeps in its cookie (stateless until COOKIE ECHO, as SCTP intends). */
function cookieBytes(peerTag: number, myTag: number, myTsn: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, peerTag);
  v.setUint32(4, myTag);
  v.setUint32(8, myTsn);
  return b;
}

/**
 * Listens on an SCTP port: accepts associations and answers each DATA message with
 * `reply(message)` (none when it returns undefined). Returns the closer.
 */
export function sctpListen(k: Kernel, port: number, reply: (message: Uint8Array) => Uint8Array | undefined): () => void {
  const ports = portsOf(k);
  if (ports.has(port)) throw new Error(`SCTP port ${port} is already in use`);
  const assocs = new Map<string, Assoc>();
  ports.set(port, (pkt, s) => {
    const key = `${pkt.src}:${s.srcPort}`;
    const out = (vtag: number, chunks: SctpChunk[]): void => send(k, pkt.dst, pkt.src, { srcPort: port, dstPort: s.srcPort, vtag, chunks });
    for (const c of s.chunks) {
      const a = assocs.get(key);
      switch (c.type) {
        case SCTP_INIT: {
          const init = readInit(c);
          if (!init) return;
          const myTag = tag(k);
          const myTsn = tag(k);
          out(init.initiateTag, [initChunk(SCTP_INIT_ACK, { initiateTag: myTag, arwnd: ARWND, outStreams: 10, inStreams: 10, initialTsn: myTsn, cookie: cookieBytes(init.initiateTag, myTag, myTsn) })]);
          break;
        }
        case SCTP_COOKIE_ECHO: {
          if (c.value.length < 12) return;
          const v = new DataView(c.value.buffer, c.value.byteOffset, 12);
          const st: Assoc = { peerTag: v.getUint32(0), myTag: v.getUint32(4), myTsn: v.getUint32(8) };
          if (s.vtag !== st.myTag) return; // a cookie for another association
          assocs.set(key, st);
          out(st.peerTag, [bareChunk(SCTP_COOKIE_ACK)]);
          break;
        }
        case SCTP_DATA: {
          const d = readData(c);
          if (!a || !d || s.vtag !== a.myTag) return;
          const answer = reply(d.data);
          out(a.peerTag, answer ? [sackChunk(d.tsn, ARWND), dataChunk({ tsn: a.myTsn++, stream: d.stream, ssn: 0, ppid: d.ppid, data: answer })] : [sackChunk(d.tsn, ARWND)]);
          break;
        }
        case SCTP_SHUTDOWN:
          if (!a) return;
          out(a.peerTag, [bareChunk(SCTP_SHUTDOWN_ACK)]);
          break;
        case SCTP_SHUTDOWN_COMPLETE:
        case SCTP_ABORT:
          assocs.delete(key);
          break;
        default:
          break; // SACK and the rest: nothing to do for one message each way
      }
    }
  });
  return () => { ports.delete(port); };
}

/** How a probe ended: an association and (when a message was sent) the answer, or why not. */
export type SctpOutcome = { readonly result: 'open'; readonly answer?: Uint8Array } | { readonly result: 'refused' | 'timeout' | 'unreachable' | 'no-route' };

/**
 * An SCTP client in virtual time: associate with dst:port, send `message` (if any) and wait for
 * the answer, then shut down. ABORT is "refused"; silence for `waitMs` is "timeout".
 */
export function sctpProbe(k: Kernel, dst: IPv4, port: number, message: Uint8Array | undefined, waitMs: number): SctpOutcome {
  const rt = routeOutput(k, dst);
  if (typeof rt === 'string') return { result: 'no-route' };
  const ports = portsOf(k);
  let sport = 32768 + (k.rng.nextU32() % 28232);
  while (ports.has(sport)) sport++;
  const myTag = tag(k);
  let myTsn = tag(k);
  let peerTag = 0;
  let answer: Uint8Array | undefined;
  let done: SctpOutcome | undefined;
  const out = (vtag: number, chunks: SctpChunk[]): void => send(k, rt.src, dst, { srcPort: sport, dstPort: port, vtag, chunks });
  const closeDown = (cumTsn: number): void => out(peerTag, [shutdownChunk(cumTsn)]);
  let lastPeerTsn = 0;
  ports.set(sport, (pkt, s) => {
    if (pkt.src !== dst || s.srcPort !== port) return;
    for (const c of s.chunks) {
      switch (c.type) {
        case SCTP_INIT_ACK: {
          const ack = readInit(c);
          if (!ack?.cookie || s.vtag !== myTag) return;
          peerTag = ack.initiateTag;
          lastPeerTsn = (ack.initialTsn - 1) >>> 0;
          out(peerTag, [cookieEchoChunk(ack.cookie)]);
          break;
        }
        case SCTP_COOKIE_ACK:
          if (message) out(peerTag, [dataChunk({ tsn: myTsn++, stream: 0, ssn: 0, ppid: 0, data: message })]);
          else closeDown(lastPeerTsn);
          break;
        case SCTP_DATA: {
          const d = readData(c);
          if (!d) return;
          answer = d.data;
          lastPeerTsn = d.tsn;
          out(peerTag, [sackChunk(d.tsn, ARWND)]);
          closeDown(d.tsn);
          break;
        }
        case SCTP_SHUTDOWN_ACK:
          out(peerTag, [bareChunk(SCTP_SHUTDOWN_COMPLETE)]);
          done = { result: 'open', ...(answer ? { answer } : {}) };
          break;
        case SCTP_ABORT:
          done ??= { result: 'refused' };
          break;
        default:
          break;
      }
    }
  });
  const onIcmp = (pkt: Ipv4Packet): void => {
    const m = pkt.payload as IcmpMessage;
    if (m.type !== 3) return;
    try {
      const q = parseIcmpQuote(m.data);
      if (q.protocol === IPPROTO_SCTP && q.dst === dst && ((q.l4[0]! << 8) | q.l4[1]!) === sport) done ??= { result: m.code === 3 ? 'refused' : 'unreachable' };
    } catch { /* not a quote we can read */ }
  };
  k.icmpSockets.add(onIcmp);
  try {
    const start = k.clock.nowMs();
    out(0, [initChunk(SCTP_INIT, { initiateTag: myTag, arwnd: ARWND, outStreams: 10, inStreams: 65535, initialTsn: myTsn })]);
    if (!k.clock.runWhile(() => done === undefined, waitMs)) k.clock.runUntil(start + waitMs);
  } finally {
    ports.delete(sport);
    k.icmpSockets.delete(onIcmp);
  }
  return done ?? { result: 'timeout' };
}
