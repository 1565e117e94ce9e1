/** Parser errors (message and column), name resolution, and the inner-header option. */
import { describe, expect, it } from 'vitest';
import { checkFilter, compileFilter, encapsulated, FilterError } from '../../../engine/net/tcpdump/index.ts';
import { parseIPv4 } from '../../../engine/net/ip.ts';
import { corpus } from './corpus.ts';

const frames = corpus().map((p) => p.frame);
const matches = (expr: string, opts = {}): number[] => {
  const f = compileFilter(expr, opts);
  return frames.flatMap((fr, i) => (f(fr) ? [i] : []));
};

describe('filter errors', () => {
  it.each([
    ['host', "can't parse filter expression: syntax error", 5],
    ['host 10.0.0.1 and (', "can't parse filter expression: syntax error", 20],
    ['tcp and and', "can't parse filter expression: syntax error", 9],
    ['port 99999', 'illegal port number 99999 > 65535', 6],
    ['icmp or host nosuch', "unknown host 'nosuch'", 14],
    ['net 10.5.1.2/16', 'non-network bits set in "10.5.1.2/16"', 5],
    ['tcp or 80', 'syntax error in filter expression', 8],
    ['ip proto icmp', "can't parse filter expression: syntax error", 10],
    ['host 1.2.3.4 $', "can't parse filter expression: syntax error", 14],
  ])('%j → %s at column %i', (expr, msg, col) => {
    let caught: unknown;
    try { compileFilter(expr); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(FilterError);
    expect((caught as FilterError).tcpdumpMessage).toBe(msg);
    expect((caught as FilterError).column).toBe(col);
  });

  it('checkFilter reports instead of throwing, prefixed like tcpdump', () => {
    expect(checkFilter('port 70000')).toEqual({ ok: false, message: 'tcpdump: illegal port number 70000 > 65535', column: 6 });
    const ok = checkFilter('icmp');
    expect(ok.ok).toBe(true);
  });

  it('accepts the empty expression as "everything"', () => {
    expect(matches('').length).toBe(frames.length);
    expect(matches('   ').length).toBe(frames.length);
  });
});

describe('host names', () => {
  const resolveHost = (n: string): number[] | undefined => (n === 'pod-a' ? [parseIPv4('10.5.1.2')] : n === 'nodes' ? [parseIPv4('10.30.200.1'), parseIPv4('10.30.200.2')] : undefined);
  it('resolves through the caller and ORs every address', () => {
    expect(matches('host pod-a', { resolveHost })).toEqual(matches('host 10.5.1.2'));
    expect(matches('src host nodes', { resolveHost })).toEqual(matches('src host 10.30.200.1 or src host 10.30.200.2'));
  });
  it('fails like tcpdump for names the caller does not know', () => {
    expect(() => compileFilter('host pod-b', { resolveHost })).toThrow("unknown host 'pod-b'");
  });
});

describe('inner headers', () => {
  it('matches outer headers only by default, like tcpdump on the underlay', () => {
    const ipipIdx = 2; // IPIP 10.30.200.1 → 10.30.200.2 carrying 10.5.1.2 → 10.5.2.3 ICMP
    const vxlanIdx = 4;
    expect(matches('host 10.5.1.2')).not.toContain(ipipIdx);
    expect(matches('icmp')).not.toContain(vxlanIdx);
    expect(matches('host 10.5.1.2', { inner: true })).toEqual(expect.arrayContaining([ipipIdx, vxlanIdx]));
    expect(matches('icmp and host 10.5.2.3', { inner: true })).toEqual(expect.arrayContaining([ipipIdx, vxlanIdx]));
  });
  it('inner: true only adds packets, never removes them', () => {
    for (const e of ['host 10.30.200.1', 'udp port 4789', 'proto 4', 'arp', 'not icmp', 'vlan']) {
      expect(matches(e, { inner: true })).toEqual(expect.arrayContaining(matches(e)));
    }
  });
  it('finds tunnelled TCP and ARP inside VXLAN', () => {
    expect(matches('tcp[tcpflags] & tcp-syn != 0', { inner: true })).toContain(3);
    expect(matches('arp host 10.5.1.0', { inner: true })).toEqual([5]);
    expect(encapsulated(frames[4]!)).toHaveLength(1);
    expect(encapsulated(frames[0]!)).toHaveLength(0);
  });
});

describe('direction', () => {
  it('inbound / outbound use the direction the caller passes', () => {
    const f = compileFilter('inbound and icmp');
    expect(f(frames[0]!, { dir: 'In' })).toBe(true);
    expect(f(frames[0]!, { dir: 'Out' })).toBe(false);
    expect(f(frames[0]!)).toBe(false);
  });
});
