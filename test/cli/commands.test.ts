/**
 * Every command in COMMANDS speaks the same command-line language (engine/cli/args.ts):
 * `--help` exits 0 and lists every option it declares with an example; an unknown option is
 * one line naming it and the help hint, exit 2. Runs `main` in process (a spawn per command
 * would cost seconds each on two shared cores) with stdout/stderr captured.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS, main } from '../../engine/cli/main.ts';
import { helpText, InputError, parseCommand, runCommand, UsageError } from '../../engine/cli/args.ts';

let out = '';
let err = '';
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  out = '';
  err = '';
  process.stdout.write = ((s: string | Uint8Array) => { out += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { err += String(s); return true; }) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = realOut;
  process.stderr.write = realErr;
});

/** stderr without Node's own process warnings (vitest's runner holds many process listeners): podlab's output only. */
const ours = (s: string): string => s.replace(/^\(node:\d+\) \w*Warning: .*\n(\(Use `node --trace-warnings[^\n]*\n)?/gm, '');

const podlab = (...argv: string[]): Promise<number> => main(argv, { crashHandlers: false });

describe('every podlab command', () => {
  for (const [name, entry] of Object.entries(COMMANDS)) {
    it(`${name}: --help exits 0 with its options and an example; an unknown option is one line, exit 2`, async () => {
      const mod = await entry.load();
      const spec = mod.SPEC!;
      expect(spec, `${name} declares its command line`).toBeDefined();
      expect(await podlab(name, '--help')).toBe(0);
      expect(out).toBe(helpText(spec));
      expect(out.startsWith(`usage: podlab ${name}`)).toBe(true);
      for (const opt of [...Object.keys(spec.options), 'help', 'debug']) expect(out).toContain(`--${opt}`);
      expect(spec.examples.length).toBeGreaterThan(0);
      for (const ex of spec.examples) expect(out).toContain(`  ${ex}\n`);
      expect(ours(err)).toBe('');

      out = '';
      expect(await podlab('help', name)).toBe(0);
      expect(out).toBe(helpText(spec));

      out = '';
      expect(await podlab(name, '--no-such-option')).toBe(2);
      expect(ours(err)).toBe(`podlab ${name}: unknown option '--no-such-option' (podlab ${name} --help)\n`);
      expect(out).toBe('');
    });
  }
});

describe('args.ts', () => {
  const spec = {
    name: 't', summary: 's', positionals: [{ name: 'FILE' }],
    options: {
      port: { type: 'integer', min: 0, max: 65535, description: 'p' },
      runtime: { type: 'string', choices: ['sim', 'mininet'], default: 'sim', description: 'r' },
      count: { type: 'string', short: 'c', description: 'c' },
      json: { type: 'boolean', description: 'j' },
    },
    examples: ['x'],
  } as const;
  const fails = (argv: string[]): string => {
    try {
      parseCommand(spec, argv);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };

  it('reads --opt=value, attached short values and defaults', () => {
    const p = parseCommand(spec, ['--port=80', '-c1', 'f.yaml', '--json']);
    expect(p.values).toMatchObject({ port: 80, count: '1', runtime: 'sim', json: true });
    expect(p.positionals).toEqual(['f.yaml']);
    expect(parseCommand(spec, ['--', '--json']).positionals).toEqual(['--json']);
  });

  it('names what is wrong', () => {
    expect(fails(['f', '--port', '1e3'])).toBe("--port needs an integer in 0..65535, not '1e3'");
    expect(fails(['f', '--port', '70000'])).toBe("--port needs an integer in 0..65535, not '70000'");
    expect(fails(['f', '--runtime', 'qemu'])).toBe("--runtime takes one of sim, mininet, not 'qemu'");
    expect(fails(['f', '--runtime'])).toBe('--runtime needs a value (--runtime sim|mininet)');
    expect(fails(['f', '--count', '--json'])).toBe('--count needs a value (--count VALUE)');
    expect(fails(['f', '--json=yes'])).toBe('--json takes no value');
    expect(fails([])).toBe('no FILE given');
    expect(fails(['a', 'b'])).toBe("unexpected argument 'b' (FILE expected)");
    expect(fails(['a', '-x'])).toBe("unknown option '-x'");
  });

  it('turns an unexpected error into one line with exit 2, the stack only with --debug', async () => {
    const boom = async (): Promise<number> => { throw new TypeError("Cannot read properties of undefined (reading 'x')"); };
    expect(await runCommand(spec, ['f'], boom)).toBe(2);
    expect(err).toBe("podlab t: Cannot read properties of undefined (reading 'x') (podlab t --debug shows where)\n");
    err = '';
    expect(await runCommand(spec, ['f', '--debug'], boom)).toBe(2);
    expect(err).toMatch(/^podlab t: TypeError: Cannot read properties[^\n]*\n\s+at /);
    err = '';
    expect(await runCommand(spec, ['f'], async () => { throw new InputError('port 7878 is in use'); })).toBe(2);
    expect(err).toBe('podlab t: port 7878 is in use\n');
  });
});
