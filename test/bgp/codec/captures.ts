/**
 * Test helper: BGP messages out of the interop captures (`*.hex.txt`, one TCP payload per
 * line), framed per direction and decoded with the options the session's OPENs negotiated.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  Framer,
  decodeMessage,
  fromHex,
  negotiate,
  type CodecOptions,
  type DecodeOutcome,
  type OpenMessage,
} from '../../../engine/bgp/codec/index.ts';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/bgp-interop/', import.meta.url));

/** One BGP message seen in a capture. */
export interface CapturedMessage {
  readonly file: string;
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly bytes: Uint8Array;
  readonly opts: CodecOptions;
  readonly outcome: DecodeOutcome;
}

/** The TCP payloads of a capture as {frame, src, dst, payload}. */
export function readHexCapture(name: string): { frame: number; src: string; dst: string; payload: Uint8Array }[] {
  const text = readFileSync(`${FIXTURES}${name}.hex.txt`, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [frame, src, dst, hex] = l.split('|');
      return { frame: Number(frame), src: src!, dst: dst!, payload: fromHex(hex ?? '') };
    });
}

/** Frames and decodes every message of a list of segments, tracking each session's OPENs. */
export function decodeSegments(
  file: string,
  segments: { frame: number; src: string; dst: string; payload: Uint8Array }[],
): { messages: CapturedMessage[]; framingErrors: string[] } {
  const framers = new Map<string, Framer>();
  const opens = new Map<string, OpenMessage>(); // by "src>dst"
  const messages: CapturedMessage[] = [];
  const framingErrors: string[] = [];
  for (const s of segments) {
    if (s.payload.length === 0) continue;
    const dir = `${s.src}>${s.dst}`;
    let f = framers.get(dir);
    if (!f) framers.set(dir, (f = new Framer()));
    const out = f.push(s.payload);
    if (out.error) framingErrors.push(`${file} frame ${s.frame}: ${out.error.reason}`);
    for (const bytes of out.messages) {
      const mine = opens.get(dir);
      const theirs = opens.get(`${s.dst}>${s.src}`);
      // Before both OPENs are seen only OPEN/NOTIFICATION/KEEPALIVE flow, which need no context.
      const opts: CodecOptions = mine && theirs ? negotiate(theirs, mine).decode : { as4: false };
      const outcome = decodeMessage(bytes, opts);
      if (outcome.kind === 'ok' && outcome.message.type === 'open') {
        // A new OPEN starts a new session in this direction: forget the old pair.
        opens.set(dir, outcome.message);
        if (mine) opens.delete(`${s.dst}>${s.src}`);
      }
      messages.push({ file, frame: s.frame, src: s.src, dst: s.dst, bytes, opts, outcome });
    }
  }
  return { messages, framingErrors };
}

/** All messages of one `*.hex.txt` capture. */
export function captureMessages(name: string): CapturedMessage[] {
  const { messages, framingErrors } = decodeSegments(name, readHexCapture(name));
  if (framingErrors.length) throw new Error(framingErrors.join('\n'));
  return messages;
}
