/**
 * The inspector's structured views re-read what the simulator's tools print: calicoctl's
 * IPAM table, iptables-save with counters, birdc show route — checked on a real run's output.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../engine/scenario/index.ts';
import { runScenarioLive } from '../../engine/cli/ui-serve.ts';
import type { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { affineBlocks, parseBoxTable, parseIpamShow } from '../../web/src/domain/calico-parse.ts';
import { calicoChains, parseIptablesSave } from '../../web/src/domain/iptables-parse.ts';
import { fromBgp, parseBirdRoutes } from '../../web/src/domain/bird-parse.ts';

describe('inspector parsers on the ipip-vs-bgp lab', () => {
  let lab: SimLab;
  const out = (node: string, cmd: string) => {
    const r = lab.exec(node, cmd);
    if (r.code !== 0) throw new Error(`${node} ${cmd}: ${r.stderr}`);
    return r.stdout;
  };
  beforeAll(async () => {
    const l = await loadScenario('scenarios/ipip-vs-bgp.yaml');
    const up = await runScenarioLive(l.scenario!, l.topology!);
    up.feed.close();
    lab = up.lab;
  });

  it('reads the IPAM blocks and tells each node its own from its blackhole routes', () => {
    const rows = parseIpamShow(out('master-01', 'calicoctl ipam show --show-blocks'));
    expect(rows.map((r) => [r.grouping, r.cidr, r.total])).toEqual([['IP Pool', '10.5.0.0/16', 65536], ['Block', '10.5.119.128/26', 64], ['Block', '10.5.69.192/26', 64]]);
    expect(rows[1]!.inUse).toBe('1 (2%)');
    expect([...affineBlocks(out('master-01', 'ip route'))]).toEqual(['10.5.69.192/26']);
    expect([...affineBlocks(out('worker-01', 'ip route'))]).toEqual(['10.5.119.128/26']);
    expect(parseBoxTable('no table here')).toEqual([]);
  });

  it('reads Calico chains with their counters; the counters are the ones iptables -L -v prints', () => {
    const tables = calicoChains(parseIptablesSave(out('master-01', 'iptables-save -c')));
    const filter = tables.find((t) => t.name === 'filter')!;
    const fwd = filter.chains.find((c) => c.name === 'FORWARD')!;
    expect(fwd.rules[0]).toMatchObject({ target: 'cali-FORWARD', goto: false, comments: ['cali:wUHhoiAYhphO9Mso'] });
    expect(filter.chains.every((c) => c.name.startsWith('cali-') || c.rules.some((r) => r.target?.startsWith('cali-')))).toBe(true);
    const input = filter.chains.find((c) => c.name === 'cali-INPUT')!;
    expect(input.rules[0]).toMatchObject({ match: '-i cali+', goto: true, target: 'cali-wl-to-host' });
    // The same counters as the table listing (first rule of FORWARD).
    const listed = out('master-01', 'iptables -L FORWARD -n -v -x').split('\n')[2]!.trim().split(/\s+/);
    expect([fwd.rules[0]!.packets, fwd.rules[0]!.bytes]).toEqual([Number(listed[0]), Number(listed[1])]);
    expect(fwd.rules[0]!.packets).toBeGreaterThan(0);
    const mark = filter.chains.find((c) => c.name === 'cali-FORWARD')!.rules[0]!;
    expect(mark.target).toMatch(/^MARK --set-xmark 0x/);
  });

  it('reads BIRD routes: the BGP-learned block apart from the node\'s own', () => {
    const rows = parseBirdRoutes(out('master-01', 'birdc show route'));
    const bgp = rows.filter(fromBgp);
    expect(bgp).toEqual([{ prefix: '10.5.119.128/26', nexthop: 'via 10.30.200.2 on eth0', protocol: 'Mesh_10_30_200_2', since: '00:00:00', best: true, pref: '100/0', extra: '[i]' }]);
    expect(rows.filter((r) => !fromBgp(r)).map((r) => r.protocol).sort()).toEqual(['direct1', 'kernel1', 'static1']);
    // `show route all` attribute lines are not routes.
    expect(parseBirdRoutes(out('master-01', 'birdc show route all'))).toEqual(rows);
  });

  it('keeps alternative paths under their prefix', () => {
    const text = 'BIRD 1.6.8 ready.\n10.5.1.0/26        via 10.0.0.1 on eth0 [Node_10_0_0_1 12:00:00] * (100/0) [i]\n                   via 10.0.0.2 on eth1 [Node_10_0_0_2 12:00:01] (100/0) [i]\n';
    expect(parseBirdRoutes(text).map((r) => [r.prefix, r.protocol, r.best])).toEqual([['10.5.1.0/26', 'Node_10_0_0_1', true], ['10.5.1.0/26', 'Node_10_0_0_2', false]]);
  });
});
