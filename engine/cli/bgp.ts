/**
 * `podlab bgp --config FILE [--json]`: runs the built-in BGP speaker on real TCP.
 * Prints session changes and every received/withdrawn prefix with a timestamp (or one JSON
 * object per line with --json). Lines on stdin run views (`show protocols`, `show route [all]`) or change
 * originated routes (`announce PREFIX`, `withdraw PREFIX`).
 * SIGINT/SIGTERM send Cease 6/2 (administrative shutdown) to every peer and exit 0.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { formatIPv4 } from '../net/ip.ts';
import { realClock } from '../bgp/clock-real.ts';
import { wireCodec } from '../bgp/codec-adapter.ts';
import { parseSpeakerConfig } from '../bgp/config-file.ts';
import { Speaker } from '../bgp/speaker.ts';
import type { SpeakerEvent } from '../bgp/speaker.ts';
import { formatAsPath, formatCommunity } from '../bgp/rib/attrs.ts';
import { tcpTransport } from '../bgp/transport-tcp.ts';
import { showProtocols, showRoute } from '../bgp/views.ts';
import type { TimeFormat } from '../bgp/views.ts';
import { InputError, runCommand, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'bgp',
  summary: "Runs podlab's BGP speaker on real TCP, with the peers of a config file, until SIGINT/SIGTERM (Cease 6/2 to every peer).",
  details: 'Prints session changes and every received/withdrawn prefix with the time of day (one JSON\n' +
    'object per line with --json). Lines on stdin: show protocols | show route [all] | announce PREFIX |\n' +
    'withdraw PREFIX. The config file format: docs/bgp-config.md.',
  positionals: [],
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', required: true, description: 'the speaker\'s config (YAML: routerId, localAS, peers, announce…; see docs/bgp-config.md)' },
    json: { type: 'boolean', description: 'one JSON object per event instead of text' },
  },
  examples: ['npx podlab bgp --config docs/examples/bgp-speaker.yaml'],
} as const satisfies CommandSpec;

function wall(): string {
  return new Date().toISOString().slice(11, 23);
}

function text(e: SpeakerEvent): string | undefined {
  switch (e.type) {
    case 'session':
      return `session ${e.name} ${e.peer} ${e.from} -> ${e.to}: ${e.reason.text}`;
    case 'prefix-received': {
      if (e.action === 'withdraw') return `withdrawn ${e.peer} ${e.prefix}`;
      const a = e.attrs!;
      const parts = [`received ${e.peer} ${e.prefix} via ${a.nextHop}`, `as-path [${formatAsPath(a.asPath)}]`];
      if (a.localPref !== undefined) parts.push(`local-pref ${a.localPref}`);
      if (a.med !== undefined) parts.push(`med ${a.med}`);
      if (a.communities?.length) parts.push(`communities ${a.communities.map(formatCommunity).join(',')}`);
      if (a.originatorId !== undefined) parts.push(`originator ${formatIPv4(a.originatorId)}`);
      if (a.clusterList?.length) parts.push(`cluster-list ${a.clusterList.map(formatIPv4).join(',')}`);
      return parts.join(' ');
    }
    case 'end-of-rib':
      return `end-of-rib ${e.direction === 'in' ? 'from' : 'to'} ${e.peer} ${e.afi}`;
    case 'error':
      return `error ${e.message}`;
    default:
      return undefined;
  }
}

function json(e: SpeakerEvent): string | undefined {
  const time = new Date().toISOString();
  switch (e.type) {
    case 'session':
      return JSON.stringify({ time, type: 'session', peer: e.peer, name: e.name, from: e.from, to: e.to, reason: e.reason.kind, text: e.reason.text, ...(e.reason.notification ? { notification: { code: e.reason.notification.code, subcode: e.reason.notification.subcode, sent: e.reason.notification.sent } } : {}) });
    case 'prefix-received': {
      const a = e.attrs;
      return JSON.stringify({ time, type: e.action === 'announce' ? 'received' : 'withdrawn', peer: e.peer, prefix: e.prefix, ...(a ? {
        nextHop: a.nextHop, asPath: formatAsPath(a.asPath), localPref: a.localPref, med: a.med,
        communities: a.communities?.map(formatCommunity), originatorId: a.originatorId === undefined ? undefined : formatIPv4(a.originatorId),
        clusterList: a.clusterList?.map(formatIPv4),
      } : {}) });
    }
    case 'end-of-rib':
      return JSON.stringify({ time, type: 'end-of-rib', peer: e.peer, afi: e.afi, direction: e.direction });
    case 'error':
      return JSON.stringify({ time, type: 'error', message: e.message });
    default:
      return undefined;
  }
}

/** Runs the subcommand; resolves with the exit status once stopped by a signal. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, ({ values }) => speak(values.config, values.json));
}

async function speak(file: string, asJson: boolean): Promise<number> {
  let src: string;
  try {
    src = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = parseSpeakerConfig(file, src);
  if (!parsed.ok) {
    for (const e of parsed.errors) process.stderr.write(`${e}\n`);
    return 1;
  }
  const clock = realClock();
  const speaker = new Speaker(parsed.config, { clock, transport: tcpTransport(), codec: wireCodec });
  const fmt = asJson ? json : (e: SpeakerEvent): string | undefined => { const t = text(e); return t && `${wall()} ${t}`; };
  speaker.on((e) => {
    const line = fmt(e);
    if (line) process.stdout.write(`${line}\n`);
  });
  // Views print the time of day of each state change, like birdc.
  const offset = Date.now() - clock.now();
  const tod: TimeFormat = (ms) => new Date(offset + ms).toISOString().slice(11, 23);
  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    try {
      command(line);
    } catch (e) {
      process.stdout.write(`error: ${(e as Error).message}\n`);
    }
  });
  const command = (line: string): void => {
    const cmd = line.trim().replace(/\s+/g, ' ');
    if (cmd === 'show protocols') process.stdout.write(showProtocols(speaker, tod));
    else if (cmd === 'show route' || cmd === 'show route all') process.stdout.write(showRoute(speaker, { all: cmd.endsWith('all'), time: tod }));
    else if (/^announce \S+$/.test(cmd)) speaker.announce({ prefix: cmd.slice(9) });
    else if (/^withdraw \S+$/.test(cmd)) speaker.withdrawLocal(cmd.slice(9));
    else if (cmd) process.stdout.write(`unknown command '${cmd}' (show protocols | show route [all] | announce PREFIX | withdraw PREFIX)\n`);
  };
  // The listener keeps the loop alive; with listen off, this interval does.
  const keep = setInterval(() => {}, 1 << 30);
  speaker.start();
  return new Promise<number>((resolve) => {
    const shutdown = (): void => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      speaker.stop(2);
      rl.close();
      // Give the Cease NOTIFICATIONs time to leave before exiting.
      setTimeout(() => { clearInterval(keep); resolve(0); process.exit(0); }, 300);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
}
