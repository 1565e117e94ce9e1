/** The session's WireCodec over the real wire codec (engine/bgp/codec). */
import { decodeMessage, decodeMessageAt, encodeMessage, encodeMessages } from './codec/index.ts';
import type { WireCodec } from './session.ts';

/** The RFC 4271 wire codec as the session uses it. */
export const wireCodec: WireCodec = { encode: encodeMessage, encodeMany: encodeMessages, decode: decodeMessage, decodeAt: decodeMessageAt };
