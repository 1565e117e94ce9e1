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
import { InputError, runCommand, UsageError, type CommandSpec } from './args.ts';
import { DEFAULT_UI_PORT, ensurePortFree } from './port-free.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'replay',
  summary: 'Shows a recording made by podlab run --record: in the web UI until Ctrl-C, or told in the terminal (--print).',
  details: 'The UI is the same as a live run\'s, read-only, on http://127.0.0.1:7878 (or --port).',
  positionals: [{ name: 'FILE' }],
  options: {
    port: { type: 'integer', min: 0, max: 65535, value: 'N', description: 'the web UI\'s port on 127.0.0.1 (default 7878; 0: any free one)' },
    print: { type: 'boolean', description: 'tell the run in the terminal: steps, narration, commands, expectations' },
    packets: { type: 'boolean', description: 'with --print: every packet too' },
    setup: { type: 'boolean', description: 'with --print: the commands that configured every node too' },
  },
  examples: ['npx podlab run scenarios/ipip-vs-bgp.yaml --record run.podlab && npx podlab replay run.podlab --port 8080', 'npx podlab replay --print --packets run.podlab'],
} as const satisfies CommandSpec;

/** Runs `podlab replay`; returns the exit status. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, async ({ values, positionals }) => {
    const file = positionals[0]!;
    if (!values.print && (values.packets || values.setup)) throw new UsageError(`--${values.packets ? 'packets' : 'setup'} applies to --print only`);
    // A busy port is found before the recording is read and unpacked.
    if (!values.print) await ensurePortFree(values.port ?? DEFAULT_UI_PORT);
    let rec;
    try {
      rec = await readRecording(file);
    } catch (e) {
      if (!(e instanceof RecordingError)) throw e;
      throw new InputError(e.message.includes(file) ? e.message : `${file}: ${e.message}`);
    }
    if (!values.print) {
      try {
        await serveRecordingFile(file, values.port !== undefined ? { port: values.port } : {});
      } catch (e) {
        if (!(e instanceof UiStartError)) throw e;
        throw new InputError(e.message);
      }
      await new Promise<void>(() => {}); // serves until Ctrl-C (the UI server exits the process)
    }
    process.stdout.write(renderEvents(rec.events, { packets: values.packets, setup: values.setup }));
    return 0;
  });
}
