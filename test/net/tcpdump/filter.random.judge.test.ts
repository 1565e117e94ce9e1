/**
 * Random expressions judged by real tcpdump: a seeded generator combines primitives, bare
 * operands (qualifier inheritance), not/and/or/parentheses in any order — including orders
 * that are errors. For each, either both reject it with the same message, or both select the
 * same packets of the corpus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCommands } from '../../support/system.ts';
import { checkFilter } from '../../../engine/net/tcpdump/index.ts';
import { corpus } from './corpus.ts';
import { realTcpdump, writeCorpusPcap } from './judge.ts';

const ATOMS = [
  'icmp', 'tcp', 'udp', 'arp', 'ip', 'vlan', 'vlan 10', 'vlan 20', 'host 10.5.1.2', 'src host 10.30.200.1', 'dst 10.5.2.3',
  'net 10.30.0.0/16', 'src net 10.5', 'port 80', 'src port 179', 'tcp port 4789', 'udp port 4789', 'portrange 33000-34000',
  'proto 4', 'ip proto 17', 'ether src 52:54:00:00:01:01', 'ether dst ff:ff:ff:ff:ff:ff', 'less 80', 'greater 1000',
  'tcp[13] & 2 != 0', 'icmp[0] = 8', 'arp host 10.30.200.2', 'ip host 10.30.0.1', 'len > 100', 'multicast',
];
const BARE = ['10.5.1.2', '80', '10.30.0.1', '179', 'not 10.5.2.3', '(10.5.1.2 or 10.5.2.3)'];
const COUNT = 160;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function gen(r: () => number, depth: number): string {
  const x = r();
  if (depth <= 0 || x < 0.35) return ATOMS[Math.floor(r() * ATOMS.length)]!;
  if (x < 0.45) return `${r() < 0.5 ? 'not ' : '!'}${gen(r, depth - 1)}`;
  if (x < 0.55) return `(${gen(r, depth - 1)})`;
  const op = ['and', 'or', '&&', '||'][Math.floor(r() * 4)]!;
  const right = r() < 0.2 ? BARE[Math.floor(r() * BARE.length)]! : gen(r, depth - 1);
  return `${gen(r, depth - 1)} ${op} ${right}`;
}

const r = rng(Number(process.env.TCPDUMP_FUZZ_SEED ?? 20261122));
const EXPRS = [...new Set(Array.from({ length: COUNT }, () => gen(r, 4)))];
const packets = corpus();

describe.skipIf(!haveCommands('tcpdump'))('random filters vs real tcpdump', () => {
  let pcap: ReturnType<typeof writeCorpusPcap>;
  beforeAll(() => { pcap = writeCorpusPcap(packets); });
  afterAll(() => pcap?.dispose());

  it(`agrees on ${COUNT} seeded random expressions`, () => {
    const stamps = packets.map((p) => (p.tsMs / 1000).toFixed(6));
    const disagreements: string[] = [];
    let errors = 0;
    for (const expr of EXPRS) {
      const real = realTcpdump(pcap.path, ['-n', '-tt', expr]);
      const ours = checkFilter(expr);
      if (real.code !== 0) {
        errors++;
        const msg = real.stderr.split('\n').find((l) => l.startsWith('tcpdump: '));
        if (msg === 'tcpdump: expression rejects all packets') {
          // libpcap's optimizer proved the filter constant-false; we do not run an optimizer,
          // so we accept it — and must then match nothing.
          if (ours.ok && packets.some((p) => ours.predicate(p.frame))) disagreements.push(`${expr}: real rejects all, ours matched`);
          continue;
        }
        if (ours.ok || ours.message !== msg) disagreements.push(`${expr}: real ${msg}, ours ${ours.ok ? 'accepted' : ours.message}`);
        continue;
      }
      if (!ours.ok) { disagreements.push(`${expr}: real accepted, ours ${ours.message}`); continue; }
      const realSet = real.lines.filter((l) => /^\d+\.\d{6} /.test(l)).map((l) => stamps.indexOf(l.split(' ')[0]!));
      const ourSet = packets.flatMap((p, i) => (ours.predicate(p.frame) ? [i] : []));
      if (JSON.stringify(realSet) !== JSON.stringify(ourSet)) disagreements.push(`${expr}: real ${realSet}, ours ${ourSet}`);
    }
    expect(disagreements).toEqual([]);
    // The generator must exercise both paths.
    expect(errors).toBeGreaterThan(3);
    expect(EXPRS.length - errors).toBeGreaterThan(COUNT / 3);
  });
});
