/**
 * @module engine/bgp/codec — the BGP-4 wire codec: pure bytes in, bytes out.
 *
 * `encodeMessage(msg, opts)` / `decodeMessage(bytes, opts)` for whole messages, `Framer` to
 * cut a TCP stream into messages, the plain-data types, and helpers for attributes, AS paths,
 * communities, NOTIFICATION text, End-of-RIB and capability negotiation. No Node APIs.
 */
export * from './types.ts';
export { encodeMessage, encodeMessages, decodeMessage, decodeMessageAt, checkHeader, maxMessageLength, messageLength } from './messages.ts';
export { Framer, type FramerOutput } from './framer.ts';
export { buildOpen, openAsn, findCapability } from './open.ts';
export { capabilityCode, parseCapability } from './capabilities.ts';
export {
  ATTRIBUTE_TABLE,
  type AttrDescriptor,
  attributeCode,
  attributeName,
  attributesForPropagation,
  canonicalFlags,
  descriptorOf,
  encodeAttributeValue,
  findAttribute,
  formatAttribute,
  pathLengthOf,
} from './attributes.ts';
export {
  asPathContains,
  asPathLength,
  firstAs,
  formatAsPath,
  mergeAs4Path,
  needsAs4,
  prependAs,
  toAsTrans,
} from './aspath.ts';
export { normalizeAs4, toTwoOctet } from './as4.ts';
export { effectiveAttributes } from './update.ts';
export {
  COMMUNITY_NO_ADVERTISE,
  COMMUNITY_NO_EXPORT,
  COMMUNITY_NO_EXPORT_SUBCONFED,
  WELL_KNOWN_COMMUNITIES,
  community,
  extendedCommunity,
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  parseCommunity,
  parseExtendedCommunity,
  parseLargeCommunity,
  routeTarget,
} from './communities.ts';
export {
  ERR_CEASE,
  ERR_FSM,
  ERR_HEADER,
  ERR_HOLD_TIMER,
  ERR_OPEN,
  ERR_ROUTE_REFRESH,
  ERR_UPDATE,
  SUBCODE,
  formatNotification,
  notification,
  notificationName,
  shutdownMessage,
  shutdownNotification,
} from './notification.ts';
export { splitUpdate } from './pack.ts';
export { endOfRib, isEndOfRib, routeChanges, type RouteChanges, type UnicastFamily } from './routes.ts';
export { negotiate, type NegotiatedSession } from './session.ts';
export { formatCapability, formatMessage } from './format.ts';
export { formatPrefix } from './prefix-text.ts';
export { formatIPv6Bytes, isLinkLocalIPv6, parseIPv6, parseIPv6Bytes } from './ipv6.ts';
export { normalizePrefix6 } from './nlri.ts';
export { fromHex, toHex } from './bytes.ts';
