/**
 * MAC addresses.
 *
 * A `MAC` (declared in packet.ts) is the canonical lower-case colon string
 * "ee:ee:ee:ee:ee:ee" — the form `ip link` prints — so MACs compare with `===` and print
 * without formatting. Parsing accepts what users paste: colons or dashes, either case,
 * Cisco dotted "eeee.eeee.eeee", or 12 bare hex digits.
 *
 * Pure code: no Node APIs.
 */
import type { MAC } from './packet.ts';
import { AddressError } from './ip.ts';

export type { MAC } from './packet.ts';

// Two-digit hex for each byte value: formatting a MAC is then six table lookups.
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const SEPARATED = /^([0-9a-f]{1,2})([:-])([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})\2([0-9a-f]{1,2})$/i;
const DOTTED = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;
const BARE = /^[0-9a-f]{12}$/i;

/** Parses a MAC in any common notation into canonical form; throws AddressError otherwise. */
export function parseMac(text: string): MAC {
  const m = SEPARATED.exec(text);
  if (m) return [m[1], m[3], m[4], m[5], m[6], m[7]].map((p) => p!.toLowerCase().padStart(2, '0')).join(':');
  const d = DOTTED.exec(text);
  const hex = d ? d[1]! + d[2]! + d[3]! : BARE.test(text) ? text : undefined;
  if (hex === undefined) {
    throw new AddressError(`'${text}' is not a MAC address (expected six hex bytes like ee:ee:ee:ee:ee:ee)`);
  }
  const h = hex.toLowerCase();
  return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
}

/** Alias of parseMac for readers who think "normalise": returns the canonical form. */
export function normalizeMac(text: string): MAC {
  return parseMac(text);
}

/** True when `text` is a MAC in any accepted notation. */
export function isMac(text: string): boolean {
  try {
    parseMac(text);
    return true;
  } catch {
    return false;
  }
}

/** Formats six bytes of `b` starting at `off` as a canonical MAC. */
export function macFromBytes(b: Uint8Array, off = 0): MAC {
  return `${HEX[b[off]!]}:${HEX[b[off + 1]!]}:${HEX[b[off + 2]!]}:${HEX[b[off + 3]!]}:${HEX[b[off + 4]!]}:${HEX[b[off + 5]!]}`;
}

/**
 * Writes a canonical MAC as six bytes into `b` at `off` (default: a new 6-byte array).
 * The input must already be canonical (as every MAC in the model is); throws AddressError if not.
 */
export function macToBytes(mac: MAC, b: Uint8Array = new Uint8Array(6), off = 0): Uint8Array {
  // Char-code arithmetic rather than parseInt(slice): encoders call this twice per frame.
  if (mac.length !== 17) throw new AddressError(`'${mac}' is not a canonical MAC (aa:bb:cc:dd:ee:ff)`);
  for (let i = 0; i < 6; i++) {
    const hi = hexValue(mac.charCodeAt(i * 3));
    const lo = hexValue(mac.charCodeAt(i * 3 + 1));
    if (hi < 0 || lo < 0 || (i < 5 && mac.charCodeAt(i * 3 + 2) !== 58 /* ':' */)) {
      throw new AddressError(`'${mac}' is not a canonical MAC (aa:bb:cc:dd:ee:ff)`);
    }
    b[off + i] = (hi << 4) | lo;
  }
  return b;
}

/** 0..15 for a lower-case hex digit's char code, -1 otherwise. */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** True for group addresses (I/G bit, the low bit of the first octet), broadcast included. */
export function isMulticastMac(mac: MAC): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** True for ff:ff:ff:ff:ff:ff. */
export function isBroadcastMac(mac: MAC): boolean {
  return mac === 'ff:ff:ff:ff:ff:ff';
}

/** True when the U/L bit (0x02 of the first octet) marks the address locally administered. */
export function isLocallyAdministeredMac(mac: MAC): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 2) === 2;
}

/**
 * A deterministic unicast, locally administered MAC derived from `seed` (e.g. "node1/eth0"),
 * so a simulated lab gets the same MACs on every run: two 32-bit FNV-1a lanes over the
 * UTF-16 code units, then the first octet gets U/L=1 and I/G=0, like the random MACs Linux
 * gives veths.
 */
export function macFromSeed(seed: string): MAC {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  // Final avalanche so seeds differing only in the last character still differ in every byte.
  h1 = Math.imul(h1 ^ (h1 >>> 15), 0x2c1b3c6d) >>> 0;
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0x297a2d39) >>> 0;
  h1 ^= h2 >>> 16;
  const b = new Uint8Array(6);
  b[0] = ((h1 >>> 24) & 0xfc) | 0x02;
  b[1] = (h1 >>> 16) & 0xff;
  b[2] = (h1 >>> 8) & 0xff;
  b[3] = h1 & 0xff;
  b[4] = (h2 >>> 8) & 0xff;
  b[5] = h2 & 0xff;
  return macFromBytes(b);
}
