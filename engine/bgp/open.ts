/**
 * Building and checking OPEN messages, and what two OPENs negotiate (RFC 4271 §4.2/§6.2,
 * RFC 5492 capabilities, RFC 6793 4-octet AS). Pure.
 */
import { AFI_IPV4, AFI_IPV6, BGP_VERSION, SAFI_UNICAST } from './codec/types.ts';
import { getU16, getU32 } from './codec/bytes.ts';
import { buildOpen as buildCodecOpen, openAsn as codecOpenAsn } from './codec/index.ts';
import type { Capability, NotificationMessage, OpenMessage } from './codec/types.ts';

/** Address families the speaker can carry. */
export type Family = 'ipv4' | 'ipv6';

/** Local settings that shape our OPEN and the checks on the peer's. */
export interface OpenConfig {
  readonly localAs: number;
  readonly routerId: number;
  /** Proposed hold time in seconds (0, or at least 3). */
  readonly holdTime: number;
  /** Expected peer AS. */
  readonly peerAs: number;
  readonly families: readonly Family[];
}

/** The outcome of a successful OPEN exchange. */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerId: number;
  /** Negotiated hold time in seconds (0: no hold/keepalive timers). */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  /** Both sides advertised capability 65. */
  readonly as4: boolean;
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  /** The peer's capabilities as received (for `show protocols all`). */
  readonly peerCapabilities: readonly Capability[];
}

/** A NOTIFICATION message value. */
export function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

/** Our OPEN: AS_TRANS in My AS above 65535, MP per family, route refresh, AS4. */
export function buildOpen(cfg: OpenConfig): OpenMessage {
  const caps: Capability[] = cfg.families.map((f) => ({ kind: 'multiprotocol', afi: f === 'ipv4' ? AFI_IPV4 : AFI_IPV6, safi: SAFI_UNICAST }));
  caps.push({ kind: 'route-refresh' });
  return buildCodecOpen({ asn: cfg.localAs, holdTime: cfg.holdTime, bgpId: cfg.routerId, capabilities: caps });
}

function u32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** The peer's real AS: capability 65's value when present, else the My AS field. */
export const openAsn = codecOpenAsn;

function familiesOf(open: OpenMessage): Family[] {
  const mp = open.capabilities.filter((c): c is Extract<Capability, { kind: 'multiprotocol' }> => c.kind === 'multiprotocol');
  // No MP capability at all means IPv4 unicast only (RFC 4760 §8).
  if (mp.length === 0) return ['ipv4'];
  const out: Family[] = [];
  if (mp.some((c) => c.afi === AFI_IPV4 && c.safi === SAFI_UNICAST)) out.push('ipv4');
  if (mp.some((c) => c.afi === AFI_IPV6 && c.safi === SAFI_UNICAST)) out.push('ipv6');
  return out;
}

/**
 * Checks the peer's OPEN against our config. Returns what was negotiated, or the
 * NOTIFICATION to send (2/1 version, 2/2 bad peer AS, 2/3 bad BGP id, 2/6 hold time).
 */
export function checkOpen(cfg: OpenConfig, open: OpenMessage): Negotiated | NotificationMessage {
  if (open.version !== BGP_VERSION) return notification(2, 1, new Uint8Array([0, BGP_VERSION]));
  const peerAs = openAsn(open);
  const hasAs4 = open.capabilities.some((c) => c.kind === 'as4');
  if (peerAs !== cfg.peerAs >>> 0) {
    // Like BIRD: the data carries the AS the peer claimed (4 bytes when it spoke AS4).
    return notification(2, 2, hasAs4 ? u32(peerAs) : new Uint8Array([open.myAs >>> 8, open.myAs & 255]));
  }
  if (open.bgpId === 0 || open.bgpId >>> 0 === cfg.routerId >>> 0) return notification(2, 3);
  if (open.holdTime === 1 || open.holdTime === 2) return notification(2, 6);
  const holdTime = Math.min(open.holdTime, cfg.holdTime);
  const theirs = familiesOf(open);
  return {
    peerAs,
    peerId: open.bgpId >>> 0,
    holdTime,
    keepaliveTime: Math.floor(holdTime / 3),
    as4: hasAs4,
    families: cfg.families.filter((f) => theirs.includes(f)),
    routeRefresh: open.capabilities.some((c) => c.kind === 'route-refresh' || c.kind === 'route-refresh-cisco'),
    peerCapabilities: open.capabilities,
  };
}

/** Type guard: a checkOpen result that is a NOTIFICATION. */
export function isNotification(x: Negotiated | NotificationMessage): x is NotificationMessage {
  return (x as NotificationMessage).type === 'notification';
}

const CODE_NAMES: Record<number, string> = {
  1: 'Message header error',
  2: 'OPEN message error',
  3: 'UPDATE message error',
  4: 'Hold timer expired',
  5: 'Finite state machine error',
  6: 'Cease',
};

const SUBCODE_NAMES: Record<string, string> = {
  '1/1': 'connection not synchronized', '1/2': 'bad message length', '1/3': 'bad message type',
  '2/1': 'unsupported version number', '2/2': 'bad peer AS', '2/3': 'bad BGP identifier',
  '2/4': 'unsupported optional parameter', '2/6': 'unacceptable hold time', '2/7': 'unsupported capability',
  '3/1': 'malformed attribute list', '3/3': 'missing well-known attribute', '3/11': 'malformed AS_PATH',
  '6/1': 'maximum number of prefixes reached', '6/2': 'administrative shutdown', '6/3': 'peer de-configured',
  '6/4': 'administrative reset', '6/5': 'connection rejected', '6/6': 'other configuration change',
  '6/7': 'connection collision resolution', '6/8': 'out of resources', '6/9': 'hard reset',
};

/** Human text of a NOTIFICATION ("Cease: administrative shutdown"), including bad peer AS data. */
export function describeNotification(n: { code: number; subcode: number; data?: Uint8Array }): string {
  const base = `${CODE_NAMES[n.code] ?? `code ${n.code}`}${n.subcode ? `: ${SUBCODE_NAMES[`${n.code}/${n.subcode}`] ?? `subcode ${n.subcode}`}` : ''}`;
  if (n.code === 2 && n.subcode === 2 && n.data && (n.data.length === 2 || n.data.length === 4)) {
    const d = n.data;
    const as = d.length === 2 ? getU16(d, 0) : getU32(d, 0);
    return `${base} (AS ${as})`;
  }
  return base;
}
