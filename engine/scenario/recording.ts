/**
 * The `*.podlab` recording: everything needed to show a run again without running it.
 *
 * File layout (format 1):
 *
 *     PODLAB-RECORDING 1\n          one ASCII line: magic and format version (`head -1` works)
 *     <gzip stream>                  RFC 1952 gzip of one UTF-8 JSON document:
 *
 *     {
 *       "format": 1,                 the container version (this file layout)
 *       "schemaVersion": 1,          events.ts SCHEMA_VERSION of the stream
 *       "scenario": { "name", "description"?, "file", "text" },   the scenario source
 *       "topology": { ... },         the normalised Topology (model/types.ts, plain JSON)
 *       "events": [ ... ],           the event stream, in seq order
 *       "captures": [ { "id": "node:dev", "node", "dev", "frames": N, "pcap": "<base64>" } ]
 *     }
 *
 * Packet events point into `captures` by id and record index (FrameRef); each capture is a
 * classic pcap (tshark and Wireshark read it after base64 decoding), holding every frame
 * that device transmitted or received during the run, so no frame is stored twice.
 * The browser reads the same file with DecompressionStream('gzip') after the first line.
 * This module is pure (no Node APIs); recording-file.ts does the gzip at the edge.
 */
import type { Topology } from '../model/types.ts';
import { SCHEMA_VERSION, checkEvent } from '../events.ts';
import type { FrameRef, PodlabEvent } from '../events.ts';
import type { RunResult } from './run.ts';
import { recordedTopologyProblem } from './recorded-topology.ts';

/** The first line of every recording, without its version and newline. */
export const RECORDING_MAGIC = 'PODLAB-RECORDING';
/** The container format version this code writes and reads. */
export const RECORDING_FORMAT = 1;

/** One capture in a recording. */
export interface RecordedCapture {
  readonly id: string;
  readonly node: string;
  readonly dev: string;
  readonly frames: number;
  /** The pcap savefile, base64. */
  readonly pcap: string;
}

/** A decoded recording. */
export interface Recording {
  readonly format: number;
  readonly schemaVersion: number;
  readonly scenario: { readonly name: string; readonly description?: string; readonly file: string; readonly text: string };
  readonly topology: Topology;
  readonly events: readonly PodlabEvent[];
  readonly captures: readonly RecordedCapture[];
}

/** Thrown for a file that is not a recording this version can read; the message says why. */
export class RecordingError extends Error {
  override name = 'RecordingError';
}

/**
 * Most bytes a recording's JSON may inflate to. The shipped scenarios' recordings inflate to
 * 0.2–5 MB; the cap keeps a small hostile file (gzip packs 2 GiB of zeros into 2 MB) from
 * exhausting memory, and is still well under V8's string limit.
 */
export const RECORDING_MAX_JSON_BYTES = 128 * 1024 * 1024;

/** The error for a recording whose JSON inflates past `limit` bytes. */
export function recordingTooLarge(limit: number = RECORDING_MAX_JSON_BYTES): RecordingError {
  return new RecordingError(`the recording is too large: it inflates to more than ${formatBytes(limit)}, the most podlab reads (a damaged or hostile file?)`);
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}

/** The recording of a finished run. */
export function recordingOf(run: RunResult): Recording {
  const s = run.scenario;
  return {
    format: RECORDING_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    scenario: { name: s.name, ...(s.description ? { description: s.description } : {}), file: s.file, text: s.text },
    topology: run.topology,
    events: run.events,
    captures: run.captures.map((c) => ({ id: c.id, node: c.node, dev: c.dev, frames: c.frames, pcap: toBase64(c.pcap) })),
  };
}

/** Checks a parsed JSON document is a recording (format, schema, every event); throws RecordingError naming the first problem. */
export function checkRecording(doc: unknown): Recording {
  const fail = (why: string): never => {
    throw new RecordingError(why);
  };
  if (typeof doc !== 'object' || doc === null) fail('the recording is not a JSON object');
  const r = doc as Record<string, unknown>;
  if (r.format !== RECORDING_FORMAT) fail(`recording format ${String(r.format)} is not supported (this podlab reads format ${RECORDING_FORMAT})`);
  if (r.schemaVersion !== SCHEMA_VERSION) fail(`event schema version ${String(r.schemaVersion)} is not supported (this podlab reads version ${SCHEMA_VERSION})`);
  const sc = r.scenario as Record<string, unknown> | undefined;
  if (!sc || typeof sc.name !== 'string' || typeof sc.text !== 'string' || typeof sc.file !== 'string') fail(`'scenario' must have name, file and text`);
  if (typeof r.topology !== 'object' || r.topology === null || !Array.isArray((r.topology as Topology).nodes)) fail(`'topology' is missing or has no nodes`);
  const badTopology = recordedTopologyProblem(r.topology);
  if (badTopology) fail(`the recorded topology is malformed: ${badTopology}`);
  if (!Array.isArray(r.events)) fail(`'events' must be a list`);
  (r.events as unknown[]).forEach((e, i) => {
    const bad = checkEvent(e);
    if (bad) fail(`event ${i}: ${bad}`);
    if ((e as PodlabEvent).seq !== i) fail(`event ${i}: seq is ${(e as PodlabEvent).seq}, expected ${i}`);
  });
  if (!Array.isArray(r.captures)) fail(`'captures' must be a list`);
  for (const c of r.captures as Record<string, unknown>[]) {
    if (typeof c?.id !== 'string' || typeof c.pcap !== 'string' || typeof c.frames !== 'number') fail(`each capture needs id, frames and pcap`);
  }
  return doc as Recording;
}

/** The pcap bytes of a recorded capture. */
export function capturePcap(c: RecordedCapture): Uint8Array {
  return fromBase64(c.pcap);
}

/** Looks a FrameRef up: the capture it names, or undefined. */
export function captureOf(rec: Recording, ref: FrameRef): RecordedCapture | undefined {
  return rec.captures.find((c) => c.id === ref.capture);
}

// ---- base64 (RFC 4648), pure so the browser bundle can share it ----

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Encodes bytes as base64 with padding. */
export function toBase64(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < b.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < b.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

/** Decodes padded base64; throws RecordingError on a character outside the alphabet. */
export function fromBase64(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of clean) {
    const v = INDEX.get(ch);
    if (v === undefined) throw new RecordingError(`invalid base64 character '${ch}' in a capture`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
