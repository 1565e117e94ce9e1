import { describe, expect, it } from 'vitest';
import { dnsLabelProblem, ifaceNameProblem } from './names.ts';

describe('name rules', () => {
  it('DNS labels: lowercase alphanumerics and inner hyphens, at most 63 characters', () => {
    for (const ok of ['a', 'rack1-tor', 'master-01', '0', 'x'.repeat(63)]) expect(dnsLabelProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'Rack1', 'a_b', '-a', 'a-', 'a.b', 'x'.repeat(64), 'ä']) expect(dnsLabelProblem(bad), bad).toBeDefined();
  });

  it('interface names: at most 15 characters (IFNAMSIZ), no space, slash or colon', () => {
    for (const ok of ['eth0', 'e1-1', 'eth1.10', 'x'.repeat(15), 'Uplink']) expect(ifaceNameProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'x'.repeat(16), 'eth 0', 'ethernet-1/1', 'a:b', '.', '..', 'tab\t']) expect(ifaceNameProblem(bad), bad).toBeDefined();
  });
});
