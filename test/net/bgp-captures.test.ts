/**
 * The real BGP captures (bird2, gobgpd, FRR, ExaBGP, BIRD 1.6 on veth pairs) as codec vectors.
 *
 * Honest note on checksums: almost every TCP segment in these files has a "bad" checksum.
 * They were captured on the sending veth with checksum offload, so the kernel had only written
 * the pseudo-header sum (CHECKSUM_PARTIAL) when tcpdump saw the packet. The exceptions are
 * RSTs the kernel builds itself (ip_send_unicast_reply), which carry a full checksum. The IPv4
 * header checksums are all real. So each TCP frame is either
 *  - valid: strict decoding succeeds and re-encoding gives the identical bytes, or
 *  - offloaded: the field holds the folded pseudo-header sum, strict decoding fails exactly at
 *    the TCP checksum, and lenient decoding re-encodes every other byte identically;
 * and in both cases our recomputed checksum equals the one tshark calculates.
 */
import { afterAll, describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame, DecodeError, encodeFrame, foldSum, pseudoHeaderSum } from '../../engine/net/codec/index.ts';
import { readPcap, LINKTYPE_ETHERNET } from '../../engine/net/pcap.ts';
import type { Ipv4Packet, TcpSegment } from '../../engine/net/packet.ts';
import { formatIPv4 } from '../../engine/net/ip.ts';
import { haveCommands } from '../support/system.ts';
import { tsharkFields } from './tshark.ts';

const DIR = join(import.meta.dirname, '../fixtures/bgp-interop');
const files = readdirSync(DIR).filter((f) => f.endsWith('.pcap')).sort();
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function hexLines(pcap: string): Map<number, { src: string; dst: string; payload: string }> | undefined {
  const m = new Map<number, { src: string; dst: string; payload: string }>();
  const path = join(DIR, pcap.replace(/\.pcap$/, '.hex.txt'));
  if (!existsSync(path)) return undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [n, src, dst, payload] = line.split('|');
    if (n && payload !== undefined) m.set(Number(n), { src: src!, dst: dst!, payload });
  }
  return m;
}

const counts: string[] = [];

describe('real BGP captures', () => {
  it('has captures to check', () => expect(files.length).toBeGreaterThanOrEqual(7));
  afterAll(() => process.stdout.write(`${counts.join('\n')}\n`));

  for (const name of files) {
    it(`${name}: every record decodes and re-encodes`, () => {
      const pcap = readPcap(new Uint8Array(readFileSync(join(DIR, name))));
      expect(pcap.linktype).toBe(LINKTYPE_ETHERNET);
      expect(pcap.records.length).toBeGreaterThan(0);
      const hex = hexLines(name);
      let valid = 0;
      let offloaded = 0;
      pcap.records.forEach((rec, i) => {
        expect(rec.origLen).toBe(rec.data.length);
        const f = decodeFrame(rec.data, { verifyChecksums: false });
        const again = encodeFrame(f);
        expect(again.length).toBe(rec.data.length);
        const want = hex?.get(i + 1);
        if (f.etherType !== 0x0800) {
          // IPv6 (v6.pcap): the model has no IPv6 header, so the payload stays raw — and identical.
          expect(f.payload).toBeInstanceOf(Uint8Array);
          expect(toHex(again)).toBe(toHex(rec.data));
          if (want) expect(toHex(f.payload as Uint8Array).endsWith(want.payload)).toBe(true);
          return;
        }
        const ip = f.payload as Ipv4Packet;
        expect(ip.kind).toBe('ipv4');
        const tcp = ip.payload as TcpSegment;
        expect(tcp.kind).toBe('tcp');
        expect(tcp.srcPort === 179 || tcp.dstPort === 179).toBe(true);
        const csumAt = 14 + 20 + (ip.options?.length ?? 0) + 16;
        const wire = (rec.data[csumAt]! << 8) | rec.data[csumAt + 1]!;
        let err: unknown;
        try { decodeFrame(rec.data); } catch (e) { err = e; }
        if (err === undefined) {
          valid++;
          expect(toHex(again)).toBe(toHex(rec.data));
        } else {
          offloaded++;
          // Strict decoding passed the IPv4 header checksum and stopped at the TCP one…
          expect(err).toBeInstanceOf(DecodeError);
          expect((err as DecodeError).offset).toBe(csumAt);
          expect((err as DecodeError).reason).toMatch(/bad TCP checksum/);
          // …because the wire holds the folded pseudo-header sum, not the checksum.
          expect(wire).toBe(foldSum(pseudoHeaderSum(ip.src, ip.dst, 6, rec.data.length - 14 - 20 - (ip.options?.length ?? 0))));
          // Identical except the TCP checksum field, and our re-encoding is fully valid.
          const a = rec.data.slice(); const b = again.slice();
          a[csumAt] = a[csumAt + 1] = b[csumAt] = b[csumAt + 1] = 0;
          expect(toHex(b)).toBe(toHex(a));
          expect(decodeFrame(again)).toEqual(f);
        }
        if (want) {
          expect(toHex(tcp.payload)).toBe(want.payload);
          expect(formatIPv4(ip.src)).toBe(want.src);
          expect(formatIPv4(ip.dst)).toBe(want.dst);
        } else if (hex && tcp.payload.length > 0) {
          throw new Error(`${name} frame ${i + 1} carries ${tcp.payload.length} TCP bytes but is not in the hex dump`);
        }
      });
      if (name !== 'v6.pcap') {
        expect(valid + offloaded).toBe(pcap.records.length);
        counts.push(`${name}: ${pcap.records.length} frames, ${offloaded} offloaded TCP checksums, ${valid} valid`);
      }
    });
  }
});

describe.skipIf(!haveCommands('tshark'))('real BGP captures, judged by tshark', () => {
  for (const name of files.filter((f) => f !== 'v6.pcap')) {
    it(`${name}: our TCP checksums equal tshark's calculated ones`, async () => {
      const file = join(DIR, name);
      const rows = await tsharkFields(file, ['tcp.checksum_calculated', 'ip.checksum.status']);
      const pcap = readPcap(new Uint8Array(readFileSync(file)));
      expect(rows.length).toBe(pcap.records.length);
      pcap.records.forEach((rec, i) => {
        const again = encodeFrame(decodeFrame(rec.data, { verifyChecksums: false }));
        const ours = (again[50]! << 8) | again[51]!; // these captures carry no IPv4 options
        expect(rows[i]!['ip.checksum.status']).toEqual(['1']);
        expect(Number(rows[i]!['tcp.checksum_calculated']![0])).toBe(ours);
      });
    });
  }
});
