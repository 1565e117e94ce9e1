/**
 * ARP for IPv4 over Ethernet (RFC 826): always 28 bytes. Anything else carried under
 * EtherType 0x0806 (another hardware or protocol type, RARP opcodes) is not modelled and
 * stays a raw payload.
 */
import type { ArpPacket } from '../packet.ts';
import { ETHERTYPE_IPV4 } from '../packet.ts';
import { macFromBytes, macToBytes } from '../mac.ts';
import { get16, get32, need, put16, put32 } from './wire.ts';

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LENGTH = 28;

/** Writes `p` at `off`; returns the offset after it. */
export function writeArp(p: ArpPacket, b: Uint8Array, off: number): number {
  put16(b, off, 1); // hardware type: Ethernet
  put16(b, off + 2, ETHERTYPE_IPV4);
  b[off + 4] = 6;
  b[off + 5] = 4;
  put16(b, off + 6, p.op);
  macToBytes(p.senderMac, b, off + 8);
  put32(b, off + 14, p.senderIp);
  macToBytes(p.targetMac, b, off + 18);
  put32(b, off + 24, p.targetIp);
  return off + ARP_LENGTH;
}

/** Reads ARP at `off`; returns undefined for ARP variants the model does not cover. */
export function readArp(b: Uint8Array, off: number, end: number): ArpPacket | undefined {
  need(end, off, 8, 'ARP header');
  const op = get16(b, off + 6);
  if (get16(b, off) !== 1 || get16(b, off + 2) !== ETHERTYPE_IPV4 || b[off + 4] !== 6 || b[off + 5] !== 4) return undefined;
  if (op !== 1 && op !== 2) return undefined;
  need(end, off, ARP_LENGTH, 'ARP packet');
  return {
    kind: 'arp',
    op,
    senderMac: macFromBytes(b, off + 8),
    senderIp: get32(b, off + 14),
    targetMac: macFromBytes(b, off + 18),
    targetIp: get32(b, off + 24),
  };
}
