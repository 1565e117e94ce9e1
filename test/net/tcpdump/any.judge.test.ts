/**
 * `-i any` lines judged by real tcpdump: the same frames written as a Linux cooked v2
 * (LINKTYPE_LINUX_SLL2) capture on interface index 1 (`lo` on every Linux host), with the
 * packet type set from the direction, as the kernel does for a capture on "any".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveCommands } from '../../support/system.ts';
import { PcapWriter } from '../../../engine/net/pcap.ts';
import { encodeFrame } from '../../../engine/net/codec/index.ts';
import { macToBytes } from '../../../engine/net/mac.ts';
import { tcpdump, type CapturedFrame } from '../../../engine/net/tcpdump/index.ts';
import { corpus } from './corpus.ts';
import { realTcpdump } from './judge.ts';

const LINKTYPE_LINUX_SLL2 = 276;
const frames: CapturedFrame[] = corpus()
  .filter(({ frame: f }) => f.vlan === undefined && !(f.payload instanceof Uint8Array) && !(f.payload.kind === 'ipv4' && f.payload.protocol === 89))
  .map((p, i) => ({ ...p, dir: i % 3 === 1 ? 'Out' : 'In', ifname: 'lo' }));

function sll2(p: CapturedFrame): Uint8Array {
  const l2 = encodeFrame(p.frame);
  const h = new Uint8Array(20);
  const v = new DataView(h.buffer);
  v.setUint16(0, p.frame.etherType);
  v.setUint32(4, 1); // ifindex 1 = lo
  v.setUint16(8, 1); // ARPHRD_ETHER
  const bcast = p.frame.dst === 'ff:ff:ff:ff:ff:ff';
  const mcast = (parseInt(p.frame.dst.slice(0, 2), 16) & 1) === 1;
  h[10] = p.dir === 'Out' ? 4 : bcast ? 1 : mcast ? 2 : 0;
  h[11] = 6;
  macToBytes(p.frame.src, h, 12);
  const out = new Uint8Array(20 + l2.length - 14);
  out.set(h);
  out.set(l2.subarray(14), 20);
  return out;
}

describe.skipIf(!haveCommands('tcpdump'))('tcpdump -i any vs real tcpdump on a cooked capture', () => {
  let dir: string;
  let path: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pl-tcpdump-any-'));
    path = join(dir, 'any.pcap');
    const w = new PcapWriter({ linktype: LINKTYPE_LINUX_SLL2 });
    for (const p of frames) w.add(p.tsMs, sll2(p));
    writeFileSync(path, w.bytes());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([[['-n']], [['-n', 'arp or icmp']], [['-n', '-tt', 'tcp']]])('tcpdump -i any %j', (args) => {
    const real = realTcpdump(path, args);
    expect(real.code, real.stderr).toBe(0);
    const ours = tcpdump(['-i', 'any', ...args], { interfaces: { lo: frames } });
    expect(ours.stdout.split('\n').filter(Boolean)).toEqual(real.lines);
  });
});
