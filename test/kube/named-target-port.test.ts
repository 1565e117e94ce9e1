/**
 * A Service's named targetPort resolves against the pod's own named ports for pods no workload
 * made: a scenario `pod` step with a named listen port ("http=8080") and a v1 Pod's
 * containerPorts (the SCTP test covers that one). Without it the Service has no endpoints.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScenario, runScenario } from '../../engine/scenario/index.ts';

async function load(steps: string) {
  const dir = mkdtempSync(join(tmpdir(), 'podlab-named-'));
  try {
    const file = join(dir, 's.yaml');
    writeFileSync(file, `name: named\ntopology: ${resolve('topologies/two-nodes.yaml')}\nsteps:\n${steps}`);
    return await loadScenario(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('named targetPort for scenario pods', () => {
  it('a pod step\'s "http=8080" backs a Service with targetPort: http, and answers through it', async () => {
    const l = await load(`  - title: up
    converge: { max: "60s" }
  - title: a pod serving a named port
    pod: { name: web, node: worker-01, labels: { app: web }, listen: ["http=8080", "9090"] }
  - title: a Service on the name
    apply:
      apiVersion: v1
      kind: Service
      metadata: { name: web }
      spec:
        clusterIP: 10.96.80.80
        selector: { app: web }
        ports: [{ name: by-name, port: 80, targetPort: http }, { name: missing, port: 81, targetPort: metrics }]
    expect:
      - output: { node: master-01, command: "kubectl get endpoints web", matches: "^web +10\\\\.5\\\\.\\\\d+\\\\.\\\\d+:8080 " }
  - title: a client
    pod: { name: client, node: master-01 }
  - title: through the ClusterIP
    expect:
      - reachable: { from: client, to: 10.96.80.80, port: 80 }
      - reachable: { from: client, to: 10.96.80.80, port: 81, expect: false }
`);
    expect(l.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const r = await runScenario(l.scenario!, l.topology!);
    expect(r.steps.flatMap((s) => s.expectations.filter((x) => !x.pass).map((x) => `${x.text}: ${JSON.stringify(x.observed).slice(0, 200)}`))).toEqual([]);
  });

  it('rejects a port name that is not an IANA service name, with its position', async () => {
    const l = await load('  - title: bad\n    pod: { name: web, node: worker-01, listen: ["HTTP=8080"] }\n');
    expect(l.problems.map((p) => `${p.loc.line}:${p.loc.col} ${p.message}`)).toEqual([
      expect.stringMatching(/^5:\d+ pod: listen entries are ports like 80, "53\/udp", "7777\/sctp" or named "http=8080", not /),
    ]);
  });
});
