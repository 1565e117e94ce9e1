/**
 * NOTIFICATION codes, names and the text BIRD logs for them.
 *
 * Names follow BIRD's `bgp_msg_table` wording so that podlab's log lines read like
 * `birdc`/syslog output ("Received: Bad peer AS: 64512"). Cease subcodes come from RFC 4486
 * and RFC 8538 (hard reset); the Administrative Shutdown/Reset data is the RFC 8203/9003
 * shutdown communication (a length byte + UTF-8 text).
 */
import type { NotificationMessage } from './types.ts';
import { getU16, getU32 } from './bytes.ts';

export const ERR_HEADER = 1;
export const ERR_OPEN = 2;
export const ERR_UPDATE = 3;
export const ERR_HOLD_TIMER = 4;
export const ERR_FSM = 5;
export const ERR_CEASE = 6;
export const ERR_ROUTE_REFRESH = 7;

/** Subcodes by name (RFC 4271 §4.5, 4486, 5492, 6608, 7313, 8538). */
export const SUBCODE = {
  HEADER_NOT_SYNCHRONIZED: 1,
  HEADER_BAD_LENGTH: 2,
  HEADER_BAD_TYPE: 3,
  OPEN_UNSUPPORTED_VERSION: 1,
  OPEN_BAD_PEER_AS: 2,
  OPEN_BAD_BGP_ID: 3,
  OPEN_UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  OPEN_UNACCEPTABLE_HOLD_TIME: 6,
  OPEN_UNSUPPORTED_CAPABILITY: 7,
  UPDATE_MALFORMED_ATTRIBUTE_LIST: 1,
  UPDATE_UNRECOGNIZED_WELL_KNOWN: 2,
  UPDATE_MISSING_WELL_KNOWN: 3,
  UPDATE_ATTRIBUTE_FLAGS: 4,
  UPDATE_ATTRIBUTE_LENGTH: 5,
  UPDATE_INVALID_ORIGIN: 6,
  UPDATE_INVALID_NEXT_HOP: 8,
  UPDATE_OPTIONAL_ATTRIBUTE: 9,
  UPDATE_INVALID_NETWORK: 10,
  UPDATE_MALFORMED_AS_PATH: 11,
  FSM_OPEN_SENT: 1,
  FSM_OPEN_CONFIRM: 2,
  FSM_ESTABLISHED: 3,
  CEASE_MAX_PREFIXES: 1,
  CEASE_ADMIN_SHUTDOWN: 2,
  CEASE_PEER_DECONFIGURED: 3,
  CEASE_ADMIN_RESET: 4,
  CEASE_CONNECTION_REJECTED: 5,
  CEASE_CONFIGURATION_CHANGE: 6,
  CEASE_CONNECTION_COLLISION: 7,
  CEASE_OUT_OF_RESOURCES: 8,
  CEASE_HARD_RESET: 9,
  ROUTE_REFRESH_INVALID_LENGTH: 1,
} as const;

const CODE_NAMES: Record<number, string> = {
  1: 'Invalid message header',
  2: 'Invalid OPEN message',
  3: 'Invalid UPDATE message',
  4: 'Hold timer expired',
  5: 'Finite state machine error',
  6: 'Cease',
  7: 'ROUTE-REFRESH message error',
};

const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection not synchronized', 2: 'Bad message length', 3: 'Bad message type' },
  2: {
    1: 'Unsupported version number',
    2: 'Bad peer AS',
    3: 'Bad BGP identifier',
    4: 'Unsupported optional parameter',
    5: 'Authentication failure',
    6: 'Unacceptable hold time',
    7: 'Required capability missing',
    8: 'No supported AFI/SAFI',
    11: 'Role mismatch',
  },
  3: {
    1: 'Malformed attribute list',
    2: 'Unrecognized well-known attribute',
    3: 'Missing mandatory attribute',
    4: 'Invalid attribute flags',
    5: 'Invalid attribute length',
    6: 'Invalid ORIGIN attribute',
    7: 'AS routing loop',
    8: 'Invalid NEXT_HOP attribute',
    9: 'Optional attribute error',
    10: 'Invalid network field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Unexpected message in OpenSent state',
    2: 'Unexpected message in OpenConfirm state',
    3: 'Unexpected message in Established state',
  },
  6: {
    1: 'Maximum number of prefixes reached',
    2: 'Administrative shutdown',
    3: 'Peer de-configured',
    4: 'Administrative reset',
    5: 'Connection rejected',
    6: 'Configuration change',
    7: 'Connection collision resolution',
    8: 'Out of Resources',
    9: 'Hard reset',
    10: 'BFD down',
  },
  7: { 1: 'Invalid ROUTE-REFRESH message length' },
};

/** Builds a NOTIFICATION message value. */
export function notification(code: number, subcode: number, data: Uint8Array = new Uint8Array(0)): NotificationMessage {
  return { type: 'notification', code, subcode, data };
}

/** The name of a code/subcode pair as BIRD words it, e.g. (2,2) → "Bad peer AS". */
export function notificationName(code: number, subcode: number): string {
  const sub = SUBCODE_NAMES[code]?.[subcode];
  if (sub) return sub;
  const main = CODE_NAMES[code];
  if (main) return subcode === 0 ? main : `${main} (subcode ${subcode})`;
  return `Unknown error ${code}/${subcode}`;
}

/** Builds a Cease NOTIFICATION carrying an RFC 8203 shutdown communication (subcode 2 or 4). */
export function shutdownNotification(subcode: 2 | 4, text: string): NotificationMessage {
  let bytes = new TextEncoder().encode(text);
  // RFC 9003 allows up to 255 bytes; cut on a character boundary.
  while (bytes.length > 255) {
    text = text.slice(0, -1);
    bytes = new TextEncoder().encode(text);
  }
  const data = new Uint8Array(1 + bytes.length);
  data[0] = bytes.length;
  data.set(bytes, 1);
  return notification(ERR_CEASE, subcode, data);
}

/** The shutdown communication text of a Cease 2/4 NOTIFICATION, or null if it has none. */
export function shutdownMessage(n: NotificationMessage): string | null {
  if (n.code !== ERR_CEASE || (n.subcode !== 2 && n.subcode !== 4) || n.data.length < 1) return null;
  const len = n.data[0]!;
  if (len === 0 || len + 1 > n.data.length) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(n.data.subarray(1, 1 + len));
  } catch {
    return null;
  }
}

/**
 * One log line the way BIRD writes it: `Received: Bad peer AS: 64512` for a NOTIFICATION from
 * the peer, `Error: ...` for one we send. Bad-peer-AS data prints as the AS number, a shutdown
 * communication as quoted text, other data as up to 16 hex bytes.
 */
export function formatNotification(n: NotificationMessage, direction: 'received' | 'sent' = 'received'): string {
  const head = direction === 'received' ? 'Received' : 'Error';
  let arg = '';
  const d = n.data;
  if (d.length > 0) {
    if (n.code === 2 && n.subcode === 2 && (d.length === 2 || d.length === 4)) {
      arg = `: ${d.length === 2 ? getU16(d, 0) : getU32(d, 0)}`;
    } else if (shutdownMessage(n) !== null) {
      arg = `: "${shutdownMessage(n)}"`;
    } else {
      arg = ': ' + Array.from(d.subarray(0, 16), (x) => x.toString(16).padStart(2, '0')).join('');
    }
  }
  return `${head}: ${notificationName(n.code, n.subcode)}${arg}`;
}
