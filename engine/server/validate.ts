/**
 * Input checks for the HTTP API. Everything a browser sends is untrusted: node and
 * interface names must name things of the deployed lab (never a path or an argv to spawn),
 * bodies are size-limited JSON with the fields of the right type.
 */
import { heredocTerminator } from '../sim/tools/heredoc.ts';
import type { IncomingMessage } from 'node:http';

/** An HTTP error with the status and a message the UI can show. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Names the lab accepts for nodes and interfaces (what the topology loader accepts, and nothing like a path). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/;

/** Returns `name` when it is a plausible node/interface name; throws a 400 otherwise. */
export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new ApiError(400, `${what} must be a name of letters, digits, '.', '_', '@' or '-'`);
  return name;
}

/** Reads a JSON object body of at most `limit` bytes; 400/413 on anything else. */
export async function readJsonBody(req: IncomingMessage, limit = 16 * 1024): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new ApiError(415, 'send the body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new ApiError(413, `body larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 'body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ApiError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A command line from the terminal: a non-empty single-line string of bounded length. */
export function checkCommand(command: unknown): string {
  if (typeof command !== 'string') throw new ApiError(400, "'command' must be a string");
  const c = command.trim();
  if (!c) throw new ApiError(400, "'command' is empty");
  if (c.length > 4096) throw new ApiError(400, "'command' is longer than 4096 characters");
  // One line, or a command that opens a here-document followed by its lines (kubectl apply -f - <<EOF).
  const first = c.split('\n', 1)[0]!;
  if (/[\r\0]/.test(c) || (c.includes('\n') && heredocTerminator(first) === undefined)) throw new ApiError(400, "'command' must be one line (or open a here-document: … <<EOF, its lines, EOF)");
  return c;
}

/** A non-negative integer query parameter (default when absent). */
export function checkIndex(what: string, v: string | null, dflt: number): number {
  if (v === null || v === '') return dflt;
  if (!/^\d{1,9}$/.test(v)) throw new ApiError(400, `${what} must be a non-negative integer`);
  return Number(v);
}
