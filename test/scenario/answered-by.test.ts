/**
 * The `answeredBy` expectation: which pod answered a connection through a Service (its
 * built-in server answers with the pod's name). The probe form opens `tries` connections and
 * needs every answer from a running pod matching `pods`, and at least `distinct` pods; the
 * scalar form reads the step's own curl. Bad input is a file:line:col problem, not a run.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScenario, runScenario } from '../../engine/scenario/index.ts';
import { globRegExp, parseAnswerTarget } from '../../engine/scenario/kube-expect.ts';

const TOPOLOGY = resolve('topologies/two-nodes.yaml');

async function load(steps: string) {
  const dir = await mkdtemp(join(tmpdir(), 'podlab-answered-'));
  try {
    const file = join(dir, 's.yaml');
    await writeFile(file, `name: answered\ntopology: ${TOPOLOGY}\nsteps:\n${steps}`);
    return await loadScenario(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('answeredBy (pure parts)', () => {
  it('reads Service, namespaced Service and host targets with or without a port', () => {
    expect(parseAnswerTarget('svc/web:80')).toEqual({ service: { namespace: 'default', name: 'web' }, port: 80 });
    expect(parseAnswerTarget('svc/prod/web')).toEqual({ service: { namespace: 'prod', name: 'web' } });
    expect(parseAnswerTarget('10.96.0.10:8080')).toEqual({ host: '10.96.0.10', port: 8080 });
    expect(parseAnswerTarget('client')).toEqual({ host: 'client' });
    expect(parseAnswerTarget('svc/Web:80')).toBeUndefined();
    expect(parseAnswerTarget('svc/a/b/c')).toBeUndefined();
    expect(parseAnswerTarget('svc/web:70000')).toBeUndefined();
  });
  it('globs match whole pod names', () => {
    expect(globRegExp('web-*').test('web-5f77bd959c-abcde')).toBe(true);
    expect(globRegExp('web-*').test('api-web-1')).toBe(false);
    expect(globRegExp('web-?').test('web-1')).toBe(true);
    expect(globRegExp('web.1').test('webx1')).toBe(false);
  });
});

describe('answeredBy in a scenario', () => {
  it('names what is wrong, with file positions', async () => {
    const l = await load([
      '  - title: bad',
      '    expect:',
      '      - answeredBy: { from: master-01, to: "svc/Web:80", pods: "web-*" }',
      '      - answeredBy: { from: master-01, to: svc/web, tries: 2 }',
      '      - answeredBy: { from: master-01, to: svc/web, pods: "web-*", tries: 2, distinct: 3 }',
      '      - answeredBy: 42',
      '',
    ].join('\n'));
    expect(l.scenario).toBeUndefined();
    const msgs = l.problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`);
    expect(msgs).toEqual(expect.arrayContaining([
      expect.stringMatching(/^6:\d+ answeredBy: to 'svc\/Web:80' is not a target$/),
      expect.stringMatching(/^7:\d+ answeredBy has no 'pods'$/),
      expect.stringMatching(/^8:\d+ answeredBy: distinct 3 needs at least as many tries \(tries: 2\)$/),
      expect.stringMatching(/^9:\d+ answeredBy must be a pod name or glob/),
    ]));
    // Names are checked against the topology (and the pods steps create) before anything runs.
    const named = await load('  - title: who\n    expect:\n      - answeredBy: { from: nowhere, to: svc/web, pods: "web-*" }\n');
    expect(named.problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`)).toEqual([expect.stringMatching(/^6:\d+ .*'nowhere'/)]);
  });

  it('passes when the Deployment\'s pods answer, fails naming who did when others were expected', async () => {
    const l = await load([
      '  - title: backends',
      '    kubectl: create deployment web --image=nginx --replicas=3 --port=80',
      '  - title: service',
      '    kubectl: expose deployment web --port=80',
      '  - title: client',
      '    pod: { name: client, node: master-01 }',
      '  - title: probes',
      '    expect:',
      '      - answeredBy: { from: client, to: svc/web:80, pods: "web-*", tries: 6, distinct: 2 }',
      '      - answeredBy: { from: client, to: svc/web, pods: ["api-*", "db-?"], tries: 2 }',
      '      - answeredBy: { from: client, to: svc/web:80, pods: "web-*", tries: 1, distinct: 1 }',
      '  - title: no such service',
      '    expect:',
      '      - answeredBy: { from: client, to: svc/nope:80, pods: "web-*" }',
      '  - title: the step\'s own curl',
      '    exec: { node: client, command: "curl -s --max-time 1 http://10.30.200.1:9/" }',
      '    expect:',
      '      - answeredBy: "web-*"',
      '',
    ].join('\n'));
    expect(l.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const r = await runScenario(l.scenario!, l.topology!);
    const probes = r.steps[3]!.expectations;
    expect(probes[0]).toMatchObject({ pass: true, text: 'client → svc/web:80 answered by web-* (6 connections, at least 2 pods)' });
    const answers = probes[0]!.observed as string[];
    expect(answers).toHaveLength(6);
    expect(new Set(answers).size).toBeGreaterThanOrEqual(2);
    for (const a of answers) expect(a).toMatch(/^web-[a-z0-9]{8,10}-[a-z0-9]{5}$/);
    expect(probes[1]).toMatchObject({ pass: false, expected: { pods: ['api-*', 'db-?'], tries: 2, distinct: 1 } });
    expect((probes[1]!.observed as string[]).every((a) => a.startsWith('web-'))).toBe(true);
    expect(probes[2]!.pass).toBe(true);
    expect(r.steps[4]!.expectations[0]).toMatchObject({ pass: false, observed: expect.stringMatching(/^answeredBy: no Service default\/nope/) });
    expect(r.steps[5]!.expectations[0]).toMatchObject({ pass: false, observed: expect.stringMatching(/^no answer \(exit \d+\)$/) });
    expect(r.passed).toBe(false);
  });
});
