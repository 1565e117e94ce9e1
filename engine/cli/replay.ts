/**
 * `podlab replay FILE` serves the UI on a recording (not built yet: exit 2 saying so);
 * `podlab replay --print [--packets] [--setup] FILE` tells the recorded run in the terminal:
 * steps, narration, commands with their output, expectations, route changes, drops.
 */
import { RecordingError } from '../scenario/recording.ts';
import { readRecording } from '../scenario/recording-file.ts';
import { renderEvents } from '../scenario/render.ts';

const USAGE = 'usage: podlab replay [--print [--packets] [--setup]] FILE\n';

/** Runs `podlab replay`; returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE + 'Prints a recording made by `podlab run --record FILE`.\n');
    return 0;
  }
  const flags = new Set(args.filter((a) => a.startsWith('-')));
  const files = args.filter((a) => !a.startsWith('-'));
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
    process.stderr.write(`podlab replay: the web UI is not built yet; use 'podlab replay --print ${files[0]}' to read the recording in the terminal\n`);
    return 2;
  }
  process.stdout.write(renderEvents(rec.events, { packets: flags.has('--packets'), setup: flags.has('--setup') }));
  return 0;
}
