import { describe, it, expect } from 'vitest';
import { AddressError } from '../../engine/net/ip.ts';
import {
  isBroadcastMac, isLocallyAdministeredMac, isMac, isMulticastMac, macFromBytes, macFromSeed, macToBytes, normalizeMac, parseMac,
} from '../../engine/net/mac.ts';

describe('MAC', () => {
  it('normalises every common notation to lower-case colons', () => {
    for (const t of ['EE:EE:EE:EE:EE:EE', 'ee-ee-ee-ee-ee-ee', 'eeee.eeee.eeee', 'EEEEEEEEEEEE']) {
      expect(parseMac(t)).toBe('ee:ee:ee:ee:ee:ee');
    }
    expect(normalizeMac('2:0:a:B:c:D')).toBe('02:00:0a:0b:0c:0d');
  });
  it('rejects junk', () => {
    for (const bad of ['', 'ee:ee:ee:ee:ee', 'ee:ee:ee:ee:ee:ee:ee', 'ee:ee-ee:ee:ee:ee', 'gg:ee:ee:ee:ee:ee', 'eeee.eeee', '123:45:67:89:ab:cd']) {
      expect(() => parseMac(bad), bad).toThrow(AddressError);
      expect(isMac(bad)).toBe(false);
    }
  });
  it('converts to and from bytes', () => {
    const b = macToBytes('02:42:ac:11:00:02');
    expect(Array.from(b)).toEqual([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]);
    expect(macFromBytes(b)).toBe('02:42:ac:11:00:02');
    const buf = new Uint8Array(10);
    macToBytes('ff:ff:ff:ff:ff:ff', buf, 2);
    expect(macFromBytes(buf, 2)).toBe('ff:ff:ff:ff:ff:ff');
    expect(() => macToBytes('EE-EE-EE-EE-EE-EE')).toThrow(AddressError);
  });
  it('classifies group, broadcast and locally administered addresses', () => {
    expect(isMulticastMac('01:00:5e:00:00:01')).toBe(true);
    expect(isMulticastMac('33:33:00:00:00:01')).toBe(true);
    expect(isMulticastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isMulticastMac('02:42:ac:11:00:02')).toBe(false);
    expect(isBroadcastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isLocallyAdministeredMac('ee:ee:ee:ee:ee:ee')).toBe(true);
    expect(isLocallyAdministeredMac('00:1b:21:00:00:01')).toBe(false);
  });
  it('derives deterministic, unicast, locally administered MACs from a seed', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const m = macFromSeed(`node${i}/eth0`);
      expect(m).toBe(macFromSeed(`node${i}/eth0`));
      expect(parseMac(m)).toBe(m);
      expect(isMulticastMac(m)).toBe(false);
      expect(isLocallyAdministeredMac(m)).toBe(true);
      seen.add(m);
    }
    expect(seen.size).toBe(5000);
    expect(macFromSeed('a')).not.toBe(macFromSeed('b'));
    expect(macFromSeed('')).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });
});
