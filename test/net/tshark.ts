/**
 * tshark as an external judge: write a pcap to a temp dir, run tshark on it with argv
 * (never a shell), and return one row per frame of the requested fields.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Checksum validation is off by default in Wireshark; the judge turns every one on. */
const CHECKS = ['ip.check_checksum:TRUE', 'tcp.check_checksum:TRUE', 'udp.check_checksum:TRUE'];

/** Runs `tshark -r file -T fields` with `fields`; each row maps field → all occurrences. */
export async function tsharkFields(file: string, fields: string[]): Promise<Record<string, string[]>[]> {
  const args = ['-r', file, '-n', ...CHECKS.flatMap((o) => ['-o', o]), '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run('tshark', args, { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => l !== '').map((line) => {
    const cols = line.split('\t');
    const row: Record<string, string[]> = {};
    fields.forEach((f, i) => { row[f] = cols[i] ? cols[i]!.split('|') : []; });
    return row;
  });
}

/** Writes `bytes` to a fresh temp dir and returns the path plus a cleanup function. */
export function tempPcap(name: string, bytes: Uint8Array): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'podlab-net-'));
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
