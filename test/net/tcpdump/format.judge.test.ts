/**
 * Output lines judged by the real tcpdump: the corpus goes to a pcap, real `tcpdump -r` prints
 * it with each flag set (TZ=UTC), and our printer must produce the same text, line for line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands } from '../../support/system.ts';
import { TcpdumpPrinter, type FormatOptions } from '../../../engine/net/tcpdump/index.ts';
import { corpus } from './corpus.ts';
import { realTcpdump, writeCorpusPcap } from './judge.ts';

// tcpdump dissects OSPF and DHCPv6 payloads that podlab's model keeps raw; those two frames
// are left out. Under -v, tcpdump also decodes the BGP message body, which we do not.
const all = corpus();
const isRawL4 = (i: number): boolean => {
  const p = all[i]!.frame.payload;
  return p instanceof Uint8Array || (p.kind === 'ipv4' && p.protocol === 89);
};
const plain = all.filter((_, i) => !isRawL4(i));
const verbose = plain.filter((p) => {
  const ip = p.frame.payload;
  return !(ip instanceof Uint8Array) && !(ip.kind === 'ipv4' && !(ip.payload instanceof Uint8Array) && ip.payload.kind === 'tcp' && ip.payload.payload.length > 0 && (ip.payload.srcPort === 179 || ip.payload.dstPort === 179));
});

const CASES: [string[], FormatOptions, typeof plain][] = [
  [['-n'], {}, plain],
  [['-nn'], {}, plain],
  [['-n', '-e'], { link: true }, plain],
  [['-n', '-tt'], { timestamps: 'epoch' }, plain],
  [['-n', '-ttt'], { timestamps: 'delta' }, plain],
  [['-n', '-tttt'], { timestamps: 'date' }, plain],
  [['-n', '-ttttt'], { timestamps: 'sincefirst' }, plain],
  [['-n', '-t'], { timestamps: 'none' }, plain],
  [['-n', '-S'], { absoluteSeq: true }, plain],
  [['-n', '-v'], { verbose: 1 }, verbose],
  [['-n', '-e', '-v'], { link: true, verbose: 1 }, verbose],
];

describe.skipIf(!haveCommands('tcpdump'))('output lines vs real tcpdump', () => {
  const pcaps = new Map<typeof plain, ReturnType<typeof writeCorpusPcap>>();
  beforeAll(() => { for (const set of [plain, verbose]) pcaps.set(set, writeCorpusPcap(set)); });
  afterAll(() => { for (const p of pcaps.values()) p.dispose(); });

  it.each(CASES)('tcpdump %j', (args, opts, set) => {
    const real = realTcpdump(pcaps.get(set)!.path, args);
    expect(real.code, real.stderr).toBe(0);
    const printer = new TcpdumpPrinter(opts);
    const ours = set.flatMap((p) => printer.format(p).split('\n'));
    expect(ours).toEqual(real.lines);
  });
});
