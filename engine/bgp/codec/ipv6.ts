/**
 * IPv6 addresses as canonical text for the BGP codec: thin adapters over engine/net/ip.ts.
 *
 * The codec carries IPv6 next hops and prefixes as RFC 5952 text (so equal addresses
 * compare equal as strings); the address arithmetic itself lives in engine/net.
 */
import { AddressError, formatIPv6, ipv6FromBytes, ipv6ToBytes, parseIPv6 as parseIPv6Value } from '../../net/ip.ts';
import type { IPv6 } from './types.ts';

/** Formats 16 bytes as canonical RFC 5952 text. */
export function formatIPv6Bytes(b: Uint8Array, off = 0): IPv6 {
  return formatIPv6(ipv6FromBytes(b, off));
}

/** Parses IPv6 text (with optional embedded IPv4 tail) into 16 bytes; null when invalid. */
export function parseIPv6Bytes(text: string): Uint8Array | null {
  try {
    return ipv6ToBytes(parseIPv6Value(text));
  } catch (e) {
    if (e instanceof AddressError) return null;
    throw e;
  }
}

/** Parses IPv6 text into canonical text; throws on invalid input. */
export function parseIPv6(text: string): IPv6 {
  return formatIPv6(parseIPv6Value(text));
}

/** True for fe80::/10 link-local addresses. */
export function isLinkLocalIPv6(a: IPv6): boolean {
  const b = parseIPv6Bytes(a);
  return b !== null && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}
