/**
 * `calico.resource` events: the apply / patch / delete steps say what they changed, with the
 * resulting manifest, the schema checks them, and `podlab replay --print` shows them.
 */
import { describe, expect, it } from 'vitest';
import { checkEvent } from '../../engine/events.ts';
import type { PodlabEvent, ResourceChange } from '../../engine/events.ts';
import { loadScenario, runScenario } from '../../engine/scenario/index.ts';
import { renderEvents } from '../../engine/scenario/render.ts';

describe('calico.resource events', () => {
  it('one per changed resource, in the step that changed it, valid, and readable in replay --print', async () => {
    const l = await loadScenario('scenarios/route-reflectors.yaml');
    if (!l.scenario) throw new Error(JSON.stringify(l.problems));
    const r = await runScenario(l.scenario, l.topology);
    const res = r.events.filter((e): e is PodlabEvent & ResourceChange & { type: 'calico.resource' } => e.type === 'calico.resource');
    const stepOf = (title: string) => l.scenario!.steps.findIndex((s) => s.title === title) + 1;
    expect(res.map((e) => [e.step, e.action, e.kind, e.name])).toEqual([
      [stepOf('Make rr-01 a route reflector'), 'patched', 'Node', 'rr-01'],
      [stepOf('Make rr-02 a route reflector'), 'patched', 'Node', 'rr-02'],
      [stepOf('Every node peers with the reflectors'), 'applied', 'BGPPeer', 'peer-with-route-reflectors'],
      [stepOf('Switch the mesh off'), 'applied', 'BGPConfiguration', 'default'],
    ]);
    for (const e of res) expect(checkEvent(JSON.parse(JSON.stringify(e)))).toBeUndefined();
    // The patched Node is the stored one: the patch merged into what calico-node's startup wrote.
    const rr1 = res[0]!.manifest as { metadata: { labels: Record<string, string> }; spec: { bgp: Record<string, string> } };
    expect(rr1.metadata.labels).toMatchObject({ 'route-reflector': 'true', 'kubernetes.io/hostname': 'rr-01' });
    expect(rr1.spec.bgp).toMatchObject({ routeReflectorClusterID: '244.0.0.1', ipv4Address: '10.30.10.101/24' });
    expect(res[2]!.manifest!.spec).toEqual({ nodeSelector: 'all()', peerSelector: "route-reflector == 'true'" });
    expect(res[3]!.manifest!.spec).toMatchObject({ nodeToNodeMeshEnabled: false });

    const text = renderEvents(r.events);
    expect(text).toMatch(/^ {2}resource patched Node rr-01: labels route-reflector=true .*spec\.bgp\.routeReflectorClusterID=244\.0\.0\.1/m);
    expect(text).toContain("resource applied BGPPeer peer-with-route-reflectors: spec.nodeSelector=all()  spec.peerSelector=route-reflector == 'true'");
    expect(text).toContain('resource applied BGPConfiguration default: spec.nodeToNodeMeshEnabled=false');
  });

  it('the schema names what is wrong', () => {
    const base = { seq: 0, t: 0, step: 1, type: 'calico.resource', kind: 'Node', name: 'n' };
    expect(checkEvent({ ...base, action: 'deleted' })).toBeUndefined();
    expect(checkEvent({ ...base, action: 'patched' })).toBe("'manifest' is missing");
    expect(checkEvent({ ...base, action: 'created', manifest: {} })).toBe("'action' must be one of applied, deleted, patched");
    expect(checkEvent({ ...base, action: 'applied', manifest: [] })).toBe("'manifest' must be an object");
    expect(checkEvent({ ...base, action: 'applied', manifest: {}, namespace: 3 })).toBe("'namespace' must be a string");
  });
});
