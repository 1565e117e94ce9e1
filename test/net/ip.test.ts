import { describe, it, expect } from 'vitest';
import {
  AddressError, formatIPv4, formatIPv6, formatIp, formatPrefix, formatPrefix4, formatPrefix6, ipNetworkOf,
  ipPrefixContains, ipPrefixesOverlap, ipv6FromBytes, ipv6ToBytes, isIPv6, isNetworkPrefix6, maskOf, maskOf6,
  networkOf, networkOf6, parseIPv4, parseIPv6, parseIp, parsePrefix, parsePrefix4, parsePrefix6, prefix6Contains,
  prefix6Covers, prefixContains, prefixes6Overlap, prefixesOverlap,
} from '../../engine/net/ip.ts';

describe('IPv4 edge cases', () => {
  it('parses the extremes and formats them back', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(formatIPv4(0xffffffff)).toBe('255.255.255.255');
    expect(parseIPv4('10.0.0.1')).toBe(0x0a000001);
  });
  it('rejects leading zeros, large octets and junk', () => {
    for (const bad of ['010.0.0.1', '10.0.0.01', '256.0.0.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.-4', '']) {
      expect(() => parseIPv4(bad), bad).toThrow(AddressError);
    }
  });
  it('handles /0 and /32', () => {
    const all = parsePrefix4('0.0.0.0/0');
    expect(maskOf(0)).toBe(0);
    expect(prefixContains(all, 0xffffffff)).toBe(true);
    expect(prefixesOverlap(all, parsePrefix4('192.168.1.0/24'))).toBe(true);
    const host = parsePrefix4('10.1.2.3/32');
    expect(maskOf(32)).toBe(0xffffffff);
    expect(prefixContains(host, parseIPv4('10.1.2.3'))).toBe(true);
    expect(prefixContains(host, parseIPv4('10.1.2.4'))).toBe(false);
    expect(formatPrefix4(networkOf(parsePrefix4('10.1.2.3/24')))).toBe('10.1.2.0/24');
    expect(() => parsePrefix4('10.0.0.0/33')).toThrow(AddressError);
  });
});

describe('IPv6 parse', () => {
  it('expands :: in every position', () => {
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('1::')).toBe(1n << 112n);
    expect(parseIPv6('2001:db8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIPv6('1:2:3:4:5:6:7::')).toBe(0x00010002000300040005000600070000n);
    expect(parseIPv6('::2:3:4:5:6:7:8')).toBe(0x00000002000300040005000600070008n);
    expect(parseIPv6('FE80::AbCd')).toBe(0xfe80000000000000000000000000abcdn);
    expect(parseIPv6('0001:0002:0003:0004:0005:0006:0007:0008')).toBe(0x00010002000300040005000600070008n);
  });
  it('reads embedded IPv4 in the last 32 bits', () => {
    expect(parseIPv6('::ffff:10.0.0.1')).toBe(0xffff0a000001n);
    expect(parseIPv6('64:ff9b::192.0.2.33')).toBe(0x0064ff9b0000000000000000c0000221n);
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(0x00010002000300040005000601020304n);
  });
  it('rejects malformed text', () => {
    for (const bad of [
      '', ':', ':::', '1::2::3', ':1::', '1::2:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::',
      '1:2:3:4:5:6:7::8', '::1.2.3.4:5', '::ffff:1.2.3.04', '::ffff:256.1.1.1', 'fe80::1%eth0', '1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
    ]) {
      expect(() => parseIPv6(bad), bad).toThrow(AddressError);
    }
    expect(isIPv6('2001:db8::')).toBe(true);
  });
});

describe('IPv6 format (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // equal runs: the first is compressed (§4.2.3)
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single 0 group is never '::' (§4.2.2)
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins (§4.2.3)
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::ffff:0a00:0001', '::ffff:10.0.0.1'], // IPv4-mapped keeps the dotted quad (§5)
    ['fe80::a:b', 'fe80::a:b'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => expect(formatIPv6(parseIPv6(input))).toBe(want));
  }
  it('bytes round-trip', () => {
    const a = parseIPv6('2001:db8::ff00:42:8329');
    const b = ipv6ToBytes(a);
    expect(Array.from(b.slice(0, 4))).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(b[15]).toBe(0x29);
    expect(ipv6FromBytes(b)).toBe(a);
  });
});

describe('IPv6 prefixes', () => {
  it('contains / overlaps / network / covers', () => {
    const p = parsePrefix6('2001:db8:1::5/48');
    expect(formatPrefix6(networkOf6(p))).toBe('2001:db8:1::/48');
    expect(isNetworkPrefix6(p)).toBe(false);
    expect(prefix6Contains(p, parseIPv6('2001:db8:1:ffff::1'))).toBe(true);
    expect(prefix6Contains(p, parseIPv6('2001:db8:2::1'))).toBe(false);
    expect(prefixes6Overlap(p, parsePrefix6('2001:db8::/32'))).toBe(true);
    expect(prefixes6Overlap(p, parsePrefix6('2001:db8:2::/48'))).toBe(false);
    expect(prefix6Covers(parsePrefix6('2001:db8::/32'), p)).toBe(true);
    expect(prefix6Covers(p, parsePrefix6('2001:db8::/32'))).toBe(false);
  });
  it('handles ::/0 and /128', () => {
    expect(maskOf6(0)).toBe(0n);
    expect(maskOf6(128)).toBe((1n << 128n) - 1n);
    expect(maskOf6(64)).toBe(0xffffffffffffffff0000000000000000n);
    expect(prefix6Contains(parsePrefix6('::/0'), parseIPv6('ffff::1'))).toBe(true);
    const host = parsePrefix6('fd00::1');
    expect(host.len).toBe(128);
    expect(prefix6Contains(host, parseIPv6('fd00::2'))).toBe(false);
    for (const bad of ['::/129', '::/-1', '::/01', '::/', '::/1.5']) expect(() => parsePrefix6(bad), bad).toThrow(AddressError);
  });
});

describe('family-generic parsing', () => {
  it('tags by family and formats back', () => {
    const a = parseIp('192.168.0.1');
    expect(a).toEqual({ family: 4, addr: 0xc0a80001 });
    const b = parseIp('fd00::1');
    expect(b.family).toBe(6);
    expect(formatIp(b)).toBe('fd00::1');
    const p = parsePrefix('10.244.0.0/16');
    expect(p).toEqual({ family: 4, addr: 0x0af40000, len: 16 });
    expect(formatPrefix(parsePrefix('FD00:0::/64'))).toBe('fd00::/64');
    expect(formatPrefix(ipNetworkOf(parsePrefix('10.1.2.3/8')))).toBe('10.0.0.0/8');
  });
  it('never matches across families', () => {
    expect(ipPrefixContains(parsePrefix('0.0.0.0/0'), parseIp('::1'))).toBe(false);
    expect(ipPrefixContains(parsePrefix('::/0'), parseIp('1.2.3.4'))).toBe(false);
    expect(ipPrefixContains(parsePrefix('::/0'), parseIp('::ffff:1.2.3.4'))).toBe(true);
    expect(ipPrefixesOverlap(parsePrefix('0.0.0.0/0'), parsePrefix('::/0'))).toBe(false);
    expect(ipPrefixesOverlap(parsePrefix('10.0.0.0/8'), parsePrefix('10.2.0.0/16'))).toBe(true);
  });
  it('rejects junk with AddressError', () => {
    for (const bad of ['', 'x', '10.0.0.1/40', 'fd00::/200', '::g']) expect(() => parsePrefix(bad), bad).toThrow(AddressError);
  });
});
