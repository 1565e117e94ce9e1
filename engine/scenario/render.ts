/**
 * Events → terminal text. Two views of the same stream: live progress for `podlab run`
 * (one line per step, details only for failures, a summary) and the full story for
 * `podlab replay --print` (narration, commands with their output, expectations, route
 * changes, Calico resources applied/patched/deleted, packet drops; every hop with `packets`). Pure: returns strings.
 */
import type { ExpectationEvent, Json, PacketEvent, PodlabEvent, ResourceChange } from '../events.ts';

const indent = (text: string, pad: string): string => text.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n');

/** A JSON value as a person reads it: strings raw, everything else compact JSON. */
export function showValue(v: Json): string {
  if (typeof v === 'string') return v.replace(/\n$/, '');
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).join('\n');
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as Record<string, Json>).matrix)) {
    const m = v as { from?: string[]; to?: string[]; matrix: string[] };
    if (m.from && m.to) {
      const w = Math.max(...m.from.map((f) => f.length));
      return [`${''.padEnd(w)}  to: ${m.to.join(', ')}`, ...m.matrix.map((row, i) => `${m.from![i]!.padEnd(w)}  ${row}`)].join('\n');
    }
  }
  return JSON.stringify(v);
}

/** The lines describing one failed expectation: what, expected, observed. */
export function failureLines(e: Pick<ExpectationEvent, 'text' | 'expected' | 'observed'>, pad = '      '): string {
  return `${pad}✗ ${e.text}\n${pad}  expected:\n${indent(showValue(e.expected), `${pad}    `)}\n${pad}  observed:\n${indent(showValue(e.observed), `${pad}    `)}\n`;
}

/** A live progress printer for `podlab run`: feed it every event, it writes as steps finish. */
export function progressPrinter(write: (s: string) => void): (e: PodlabEvent) => void {
  let total = 0;
  let title = '';
  const failures: string[] = [];
  const stepFailures: string[] = [];
  let nats: string[] = [];
  return (e) => {
    switch (e.type) {
      case 'packet':
        // A flow's first packet through kube-proxy's (or any) NAT: where, what changed, and the rules that chose it.
        if (e.hop === 'nat' && e.nat?.rules) nats.push(natLines(e));
        break;
      case 'run-start':
        total = e.steps;
        write(`${e.scenario.name}: ${e.steps} steps on '${e.topology}' (${e.runtime}, seed ${e.seed})\n`);
        break;
      case 'step-start':
        title = e.title;
        stepFailures.length = 0;
        nats = [];
        write(`[${e.step}/${total}] ${e.title} … `);
        break;
      case 'expectation':
        if (!e.pass) {
          stepFailures.push(failureLines(e));
          failures.push(`step ${e.step} '${title}': ${e.text}\n  expected: ${showValue(e.expected).split('\n').join(' | ')}\n  observed: ${showValue(e.observed).split('\n').join(' | ')}`);
        }
        break;
      case 'step-end':
        if (e.error !== undefined) {
          write(`ERROR\n      ${e.error}\n`);
          failures.push(`step ${e.step} '${title}': ${e.error}`);
        } else write(e.ok ? 'ok\n' : `FAILED\n${stepFailures.join('')}`);
        if (nats.length) write(nats.join(''));
        break;
      case 'run-end': {
        const passed = e.expectations - e.failed;
        write(`\n${e.passed ? 'PASSED' : 'FAILED'}: ${total} steps, ${e.expectations} expectations, ${passed} passed, ${e.failed} failed` +
          (e.errors ? `, ${e.errors} step error${e.errors === 1 ? '' : 's'}` : '') + '\n');
        if (failures.length) write(failures.map((f) => `  ${f.split('\n').join('\n  ')}`).join('\n') + '\n');
        break;
      }
    }
  };
}

/** A NAT hop as the run's progress shows it: the rewrite on one line, then each rule that chose it. */
export function natLines(e: PacketEvent, pad = '      '): string {
  const n = e.nat!;
  const head = `${pad}nat ${e.node}${e.dev ? ` ${e.dev}` : ''} ${n.hook}: ${n.by} ${n.field} ${n.from} → ${n.to}\n`;
  return head + (n.rules ?? []).map((r) => `${pad}    ${r}\n`).join('');
}

/** The `tcpdump`-like text of a hop, for the packet listing. */
export function hopLine(e: PacketEvent): string {
  const where = e.hop === 'forward' ? `${e.node} ${e.dev} → ${e.outDev}` : `${e.node}${e.dev ? ` ${e.dev}` : ''}`;
  const what = e.hop === 'arp' ? `${e.arp?.event} ${e.arp?.ip}` : e.inner ? `${e.ip?.text ?? ''}` : (e.ip?.text ?? e.text ?? '');
  const extra = e.hop === 'drop' ? ` (${e.reason})` : e.tunnel ? ` [${e.tunnel}]` : e.nat ? ` [${e.nat.by} ${e.nat.field} ${e.nat.from} → ${e.nat.to}]` : '';
  return `${e.t.toFixed(3).padStart(10)}ms ${e.hop.padEnd(7)} ${where}${extra}: ${what.split('\n').join(' / ')}`;
}

/** `a.b.c=v` for every leaf of a JSON value (lists stay compact JSON), in written order. */
function leaves(v: Json, path: string, out: string[]): string[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, path ? `${path}.${k}` : k, out);
  } else out.push(`${path}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return out;
}

/** One `calico.resource` event as a line: what changed, then the resulting labels and spec fields. */
export function resourceLine(e: ResourceChange): string {
  const head = `  resource ${e.action} ${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
  const m = e.manifest;
  if (!m) return head;
  const labels = ((m.metadata as Record<string, Json> | undefined)?.labels ?? {}) as Record<string, Json>;
  // Kubernetes' own node labels (kubernetes.io/…) say nothing a learner is after here.
  const own = Object.entries(labels).filter(([k]) => !k.includes('kubernetes.io/'));
  const parts = [...(own.length ? [`labels ${own.map(([k, v]) => `${k}=${String(v)}`).join(',')}`] : []), ...(m.spec !== undefined ? leaves(m.spec, 'spec', []) : [])];
  return parts.length ? `${head}: ${parts.join('  ')}` : head;
}

/** Options of the full rendering. */
export interface RenderOptions {
  /** List every packet hop (default: counts per step plus every drop). */
  readonly packets?: boolean;
  /** Show the deploy-time setup commands (default: one summary line). */
  readonly setup?: boolean;
}

/** Renders a whole event stream as the story of the run (`podlab replay --print`). */
export function renderEvents(events: readonly PodlabEvent[], opts: RenderOptions = {}): string {
  const out: string[] = [];
  let total = 0;
  let setup = 0;
  let hops: PacketEvent[] = [];
  const flushPackets = (): void => {
    if (hops.length === 0) return;
    const counts = new Map<string, number>();
    for (const h of hops) counts.set(h.hop, (counts.get(h.hop) ?? 0) + 1);
    out.push(`  packets: ${hops.length} hops (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`);
    for (const h of opts.packets ? hops : hops.filter((x) => x.hop === 'drop')) out.push(`    ${hopLine(h)}`);
    hops = [];
  };
  for (const e of events) {
    // A command's packets are emitted while it runs, its event when it ends: list them after it.
    if (e.type !== 'packet' && !(e.type === 'command' && e.phase !== 'setup')) flushPackets();
    switch (e.type) {
      case 'run-start':
        total = e.steps;
        out.push(`Scenario: ${e.scenario.name}${e.scenario.description ? ` — ${e.scenario.description}` : ''}`);
        out.push(`Topology: ${e.topology}   runtime: ${e.runtime} (${e.clock} clock), seed ${e.seed}, ${e.steps} steps`);
        break;
      case 'command':
        if (e.phase === 'setup') {
          setup++;
          if (opts.setup) out.push(`  setup ${e.node}: ${e.argv.join(' ')}`);
          break;
        }
        out.push(`  ${e.phase === 'probe' ? '(probe) ' : ''}${e.node}$ ${e.argv.join(' ')}`);
        if (e.stdout || e.stderr) out.push(indent(e.stdout + e.stderr, '    '));
        if (e.code !== 0) out.push(`    [exit status ${e.code}]`);
        flushPackets();
        break;
      case 'step-start':
        if (e.step === 1 && setup && !opts.setup) out.push(`(deployed with ${setup} setup commands)`);
        out.push('', `[${e.step}/${total}] ${e.title}   (t=${e.t.toFixed(3)} ms)`);
        if (e.narration.trim()) out.push(indent(e.narration.trim(), '  │ '));
        break;
      case 'expectation':
        out.push(e.pass ? `  ✓ ${e.text}` : failureLines(e, '  ').replace(/\n$/, ''));
        break;
      case 'step-end':
        if (e.error !== undefined) out.push(`  ERROR: ${e.error}`);
        break;
      case 'link-state':
        out.push(`  link ${e.endpoints[0]} — ${e.endpoints[1]}: ${e.state}${e.latencyMs ? `, delay ${e.latencyMs}ms` : ''}${e.lossPct ? `, loss ${e.lossPct}%` : ''}`);
        break;
      case 'node-state':
        out.push(`  node ${e.node}: ${e.state}`);
        break;
      case 'capture-start':
        out.push(`  capturing on ${e.capture}`);
        break;
      case 'routes':
        if (e.step === 0) break; // the initial tables are the topology's; the UI shows them
        for (const r of e.removed) out.push(`  route ${e.node} - ${r.text}`);
        for (const r of e.added) out.push(`  route ${e.node} + ${r.text}`);
        break;
      case 'packet':
        hops.push(e);
        break;
      case 'run-end':
        out.push('', `Result: ${e.passed ? 'PASSED' : 'FAILED'} — ${e.expectations} expectations, ${e.failed} failed${e.errors ? `, ${e.errors} step errors` : ''}`);
        break;
      case 'calico.resource':
        out.push(resourceLine(e));
        break;
      default: {
        // extension events: their type and fields on one line, so nothing disappears silently
        const { seq: _s, t: _t, step: _st, type, ...rest } = e as unknown as Record<string, unknown>;
        out.push(`  [${String(type)}] ${Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`.trimEnd());
      }
    }
  }
  flushPackets();
  return out.join('\n') + '\n';
}
