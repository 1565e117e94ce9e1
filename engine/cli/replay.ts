/**
 * `podlab replay [--port N] FILE` serves the web UI on a recording (read-only, same UI code
 * path as a live run) until Ctrl-C;
 * `podlab replay --print [--packets] [--setup] FILE` tells the recorded run in the terminal:
 * steps, narration, commands with their output, expectations, route changes, drops.
 */
import { RecordingError } from '../scenario/recording.ts';
import { readRecording } from '../scenario/recording-file.ts';
import { renderEvents } from '../scenario/render.ts';
import { serveRecordingFile, UiStartError } from './ui-serve.ts';

const USAGE = 'usage: podlab replay [--port N] FILE | podlab replay --print [--packets] [--setup] FILE\n';

/** Runs `podlab replay`; returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE + 'Prints a recording made by `podlab run --record FILE`.\n');
    return 0;
  }
  let port: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else rest.push(args[i]!);
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    process.stderr.write(`podlab replay: --port needs a port number (0-65535)\n${USAGE}`);
    return 2;
  }
  const flags = new Set(rest.filter((a) => a.startsWith('-')));
  const files = rest.filter((a) => !a.startsWith('-'));
  const unknown = [...flags].find((f) => !['--print', '--packets', '--setup'].includes(f));
  if (unknown || files.length !== 1) {
    process.stderr.write(`podlab replay: ${unknown ? `unknown option '${unknown}'` : files.length ? 'one recording at a time' : 'no recording given'}\n${USAGE}`);
    return 2;
  }
  let rec;
  try {
    rec = await readRecording(files[0]!);
  } catch (e) {
    if (!(e instanceof RecordingError)) throw e;
    process.stderr.write(`podlab replay: ${e.message}\n`);
    return 2;
  }
  if (!flags.has('--print')) {
    try {
      await serveRecordingFile(files[0]!, port !== undefined ? { port } : {});
    } catch (e) {
      if (!(e instanceof UiStartError)) throw e;
      process.stderr.write(`podlab replay: ${e.message}\n`);
      return 1;
    }
    await new Promise<void>(() => {}); // serves until Ctrl-C (the UI server exits the process)
  }
  process.stdout.write(renderEvents(rec.events, { packets: flags.has('--packets'), setup: flags.has('--setup') }));
  return 0;
}
