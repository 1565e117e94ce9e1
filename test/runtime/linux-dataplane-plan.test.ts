/**
 * The Linux driver's pure core without root: parsers of the tools' output, and the diff from
 * (desired, kernel snapshot) to commands. A kernel "as toCommands left it" plans nothing;
 * changes touch only the stale objects of Felix's; foreign objects are never in a plan.
 */
import { describe, expect, it } from 'vitest';
import { tableRestoreText } from '../../engine/dataplane/commands.ts';
import type { DesiredDataplane } from '../../engine/dataplane/types.ts';
import { emptyDataplane } from '../../engine/dataplane/types.ts';
import { LinuxDataplane } from '../../engine/runtime/linux/dataplane.ts';
import { isReadOnly, planDataplane } from '../../engine/runtime/linux/dataplane-plan.ts';
import type { Exec } from '../../engine/runtime/linux/exec.ts';
import type { Plan } from '../../engine/runtime/linux/dataplane-plan.ts';
import { normMember, planIpsets } from '../../engine/runtime/linux/ipset-plan.ts';
import {
  parseAddresses, parseFdb, parseIpsetSave, parseIptablesSave, parseLinks, parseNeighbours, parseRoutes, parseSysctls,
} from '../../engine/runtime/linux/kernel-read.ts';
import type { KernelSnapshot, KLink, KRoute } from '../../engine/runtime/linux/kernel-read.ts';
import { desiredFor, ingressFrom, workload } from './linux-dataplane-snap.ts';

const A = workload('a', '10.5.1.2');
const B = workload('b', '10.5.1.3');

/** What `iptables-restore` leaves from a restore text on top of `base` (lines kept as written). */
function restoreInto(base: Map<string, string[]>, text: string): Map<string, string[]> {
  const t = new Map([...base].map(([k, v]) => [k, [...v]]));
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^:(\S+)/.exec(line))) t.set(m[1]!, []);
    else if ((m = /^-A (\S+) /.exec(line))) t.get(m[1]!)!.push(line);
    else if ((m = /^-I (\S+) (\d+) (.*)$/.exec(line))) t.get(m[1]!)!.splice(Number(m[2]) - 1, 0, `-A ${m[1]} ${m[3]}`);
  }
  return t;
}

/** The same, printed the way iptables-save prints a table. */
function saveText(chains: Map<string, string[]>): string {
  return [...[...chains.keys()].map((c) => `:${c} - [0:0]`), ...[...chains.values()].flat(), 'COMMIT'].join('\n');
}

const BUILTINS = { filter: ['INPUT', 'FORWARD', 'OUTPUT'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] } as const;

/** A kernel as a fresh node is after running toCommands(desired), plus `extra` foreign iptables lines. */
function kernelFrom(d: DesiredDataplane, extra: { filter?: string[] } = {}): KernelSnapshot {
  const links: KLink[] = [
    { name: 'lo', up: true, mtu: 65536 },
    { name: 'eth0', kind: 'veth', up: true, mtu: 1500 },
    ...[A, B].map((w) => ({ name: w.iface, kind: 'veth', up: true, mtu: 1500 })),
    ...d.devices.map((x): KLink => x.kind === 'ipip' ? { name: x.name, kind: 'ipip', up: true, mtu: x.mtu }
      : { name: x.name, kind: 'vxlan', up: true, mtu: x.mtu, mac: x.mac, vxlan: { vni: x.vni, port: x.port, local: x.local, parent: x.parent, learning: x.learning } }),
  ];
  const routes: KRoute[] = [
    { dst: '10.0.0.0/24', type: 'unicast', dev: 'eth0', protocol: 2, scope: 'link', onlink: false, metric: 0 },
    ...d.routes.map((r): KRoute => ({ ...r, metric: 0 })),
  ];
  const table = (name: 'filter' | 'nat', lines: string[] = []): Map<string, { line: string; hash?: string }[]> => {
    const base = new Map<string, string[]>(BUILTINS[name].map((c) => [c, []]));
    for (const l of lines) base.get(l.split(' ')[1]!)!.push(l);
    return parseIptablesSave(saveText(restoreInto(base, tableRestoreText(name, d.iptables[name]))));
  };
  return {
    links, routes,
    addresses: [{ dev: 'eth0', cidr: '10.0.0.1/24' }, ...d.addresses],
    neighbours: d.neighbours.map((n) => ({ ...n, permanent: true })),
    fdb: d.fdb.map((f) => ({ ...f, permanent: true })),
    sysctls: Object.fromEntries(d.sysctls.map((s) => [s.key, s.value])),
    ipsets: d.ipsets.map((s) => ({ name: s.name, type: s.type, members: s.members.map(normMember) })),
    iptables: { filter: table('filter', extra.filter), nat: table('nat') },
  };
}

const texts = (p: Plan): string[] => p.changes.map((c) => c.text);
const argvs = (p: Plan): string[] => p.steps.map((s) => s.argv.join(' '));

describe('kernel-read parsers', () => {
  it('ip -j -d route: host routes get /32, protocol names become numbers, onlink from flags', () => {
    const routes = parseRoutes(JSON.stringify([
      { type: 'blackhole', dst: '10.5.1.0/26', protocol: '80', scope: 'global', flags: [] },
      { type: 'unicast', dst: '10.5.1.2', dev: 'calia', protocol: 'boot', scope: 'link', flags: [] },
      { type: 'unicast', dst: '10.5.2.0/26', gateway: '10.5.2.0', dev: 'vxlan.calico', protocol: 'boot', scope: 'global', flags: ['onlink'] },
      { type: 'unicast', dst: 'default', gateway: '10.0.0.254', dev: 'eth0', protocol: 'static', scope: 'global', metric: 100, flags: [] },
      { type: 'unicast', dst: '10.5.3.0/26', gateway: '10.0.0.3', dev: 'tunl0', protocol: 'bird', scope: 'global', flags: ['onlink'] },
    ]));
    expect(routes.map((r) => [r.dst, r.type, r.protocol, r.scope, r.onlink, r.metric])).toEqual([
      ['10.5.1.0/26', 'blackhole', 80, 'global', false, 0],
      ['10.5.1.2/32', 'unicast', 3, 'link', false, 0],
      ['10.5.2.0/26', 'unicast', 3, 'global', true, 0],
      ['0.0.0.0/0', 'unicast', 4, 'global', false, 100],
      ['10.5.3.0/26', 'unicast', 12, 'global', true, 0],
    ]);
  });

  it('links, addresses, neighbours, fdb (bridge omits ifname under `dev`), sysctls', () => {
    const [v] = parseLinks(JSON.stringify([{ ifname: 'vxlan.calico', flags: ['BROADCAST', 'UP'], mtu: 1450, address: '66:40:b3:ea:b6:3f',
      linkinfo: { info_kind: 'vxlan', info_data: { id: 4096, local: '10.0.0.1', link: 'eth0', port: 4789, learning: false } } }]));
    expect(v).toEqual({ name: 'vxlan.calico', kind: 'vxlan', up: true, mtu: 1450, mac: '66:40:b3:ea:b6:3f', vxlan: { vni: 4096, port: 4789, local: '10.0.0.1', parent: 'eth0', learning: false } });
    expect(parseAddresses(JSON.stringify([{ ifname: 'vxlan.calico', addr_info: [{ family: 'inet', local: '10.5.1.0', prefixlen: 32 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] }])))
      .toEqual([{ dev: 'vxlan.calico', cidr: '10.5.1.0/32' }]);
    expect(parseNeighbours('[{"dst":"10.5.2.0","dev":"vxlan.calico","lladdr":"66:40:24:34:76:fc","state":["PERMANENT"]}]'))
      .toEqual([{ dev: 'vxlan.calico', ip: '10.5.2.0', mac: '66:40:24:34:76:fc', permanent: true }]);
    expect(parseFdb('[{"mac":"66:40:24:34:76:fc","dst":"10.0.0.2","flags":["self"],"state":"permanent"}]', 'vxlan.calico'))
      .toEqual([{ dev: 'vxlan.calico', mac: '66:40:24:34:76:fc', dst: '10.0.0.2', permanent: true }]);
    expect(parseSysctls('net.ipv4.ip_forward = 1\nnet.ipv4.conf.calia.proxy_arp = 0\n')).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.calia.proxy_arp': '0' });
  });

  it('ipset save and iptables-save: members as printed, rules with their cali: hash (or none)', () => {
    expect(parseIpsetSave('create cali40x hash:net family inet hashsize 1024 maxelem 1048576\nadd cali40x 10.0.0.1\nadd cali40x 10.5.0.0/16\n'))
      .toEqual([{ name: 'cali40x', type: 'hash:net', members: ['10.0.0.1', '10.5.0.0/16'] }]);
    const t = parseIptablesSave([
      '# Generated by iptables-save', '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [3:180]', ':cali-INPUT - [0:0]',
      '-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT', '-A FORWARD -j ACCEPT',
      '-A cali-INPUT -i cali+ -m comment --comment cali:H03xYXARh4e8pwd4 -g cali-wl-to-host', 'COMMIT',
    ].join('\n'));
    expect([...t.keys()]).toEqual(['INPUT', 'FORWARD', 'cali-INPUT']);
    expect(t.get('INPUT')![0]!.hash).toBe('Cz_u1IQiXIMmKD4c');
    expect(t.get('FORWARD')![0]).toEqual({ line: '-A FORWARD -j ACCEPT' });
    expect(t.get('cali-INPUT')![0]!.hash).toBe('H03xYXARh4e8pwd4');
  });

  it('isReadOnly: the snapshot reads, never a write', () => {
    for (const r of [['ip', '-j', '-d', 'link', 'show'], ['ip', '-j', 'addr', 'show'], ['bridge', '-j', 'fdb', 'show'], ['sysctl', '-e', 'x'], ['ipset', 'save'], ['iptables-save', '-t', 'nat']]) expect(isReadOnly(r)).toBe(true);
    for (const w of [['ip', 'route', 'replace', 'x'], ['sysctl', '-w', 'x=1'], ['ipset', 'restore'], ['iptables-restore', '--noflush']]) expect(isReadOnly(w)).toBe(false);
  });
});

describe('planDataplane', () => {
  it('a fresh node gets what toCommands programs, reported in the simulator driver\'s words', () => {
    const d = desiredFor([A], 'vxlan');
    const empty: KernelSnapshot = { ...kernelFrom(emptyDataplane('n1')), sysctls: Object.fromEntries(d.sysctls.map((s) => [s.key, '0'])) };
    const p = planDataplane(d, empty);
    const t = texts(p);
    expect(t).toContain('route added 10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink');
    expect(t).toContain('route added blackhole 10.5.1.0/26 proto 80');
    expect(t).toContain(`route added 10.5.1.2 dev ${A.iface} scope link`);
    expect(t.some((x) => x.startsWith('device added vxlan.calico: vxlan id 4096 local 10.0.0.1 dev eth0 dstport 4789 nolearning mtu 1450'))).toBe(true);
    expect(t).toContain(`sysctl added net.ipv4.conf.${A.iface}.proxy_arp = 1`);
    expect(t.some((x) => new RegExp(`^chain added filter cali-tw-${A.iface} \\(\\d+ rules\\)$`).test(x))).toBe(true);
    expect(t).toContain('rule added filter FORWARD: 1 cali rule(s) at the top');
    expect(t).toContain('rule added nat POSTROUTING: 1 cali rule(s) at the end');
    const a = argvs(p);
    expect(a[0]).toMatch(/^ip link add name vxlan\.calico address \S+ mtu 1450 type vxlan id 4096 local 10\.0\.0\.1 dev eth0 dstport 4789 nolearning$/);
    expect(a).toContain('ip route replace blackhole 10.5.1.0/26 proto 80');
    expect(a.indexOf('ipset restore -exist')).toBeLessThan(a.indexOf('iptables-restore --noflush --wait'));
    const restore = p.steps.find((s) => s.argv[0] === 'iptables-restore')!.stdin!;
    // The same rule lines toCommands writes for a fresh node.
    expect(restore).toContain(tableRestoreText('filter', d.iptables.filter).split('\n').find((l) => l.startsWith('-I FORWARD 1'))!);
  });

  it('a kernel already as toCommands left it: no step, no change (restart of the agent)', () => {
    for (const encap of ['vxlan', 'ipip'] as const) {
      const d = desiredFor([A, B], encap, ingressFrom('b'));
      const p = planDataplane(d, kernelFrom(d));
      expect(p.steps).toEqual([]);
      expect(p.changes).toEqual([]);
    }
  });

  it('a removed workload: its route, chains, dispatch entries and set members go; nothing else is rewritten', () => {
    const before = desiredFor([A, B], 'vxlan', ingressFrom('b'));
    const after = desiredFor([A], 'vxlan', ingressFrom('b'));
    const p = planDataplane(after, kernelFrom(before));
    const t = texts(p);
    expect(t).toContain(`route removed 10.5.1.3 dev ${B.iface} scope link`);
    expect(t).toContain(`chain removed filter cali-tw-${B.iface}`);
    expect(t).toContain(`chain removed filter cali-fw-${B.iface}`);
    expect(t).toContain('chain changed filter cali-from-wl-dispatch (2 rules)');
    expect(t.some((x) => /^ipset changed cali40s:\S+ -10\.5\.1\.3$/.test(x))).toBe(true);
    expect(t.filter((x) => x.startsWith('chain changed')).map((x) => x.split(' ')[3]).sort()).toEqual(['cali-from-wl-dispatch', 'cali-to-wl-dispatch']);
    expect(argvs(p)).toContain(`ip route del ${'10.5.1.3/32'} dev ${B.iface} proto 3`);
    const restore = p.steps.find((s) => s.argv[0] === 'iptables-restore')!.stdin!;
    // Dead chains are flushed, then deleted, after the rewrite that stops referencing them.
    expect(restore.indexOf(`-X cali-tw-${B.iface}`)).toBeGreaterThan(restore.indexOf(':cali-to-wl-dispatch'));
    expect(restore.indexOf(`-F cali-tw-${B.iface}`)).toBeLessThan(restore.indexOf(`-X cali-fw-${B.iface}`));
  });

  it('a policy change rewrites only the chains whose hashes changed, and destroys the old set after the rules', () => {
    const before = desiredFor([A], 'vxlan', ingressFrom('b'));
    const after = desiredFor([A], 'vxlan', ingressFrom('c'));
    const p = planDataplane(after, kernelFrom(before));
    const changed = texts(p).filter((x) => x.startsWith('chain '));
    expect(changed.every((x) => /cali-p[io]-|cali-tw-/.test(x))).toBe(true);
    const kinds = p.steps.map((s) => `${s.argv[0]} ${s.stdin?.split(/\s/)[0] ?? ''}`.trim());
    expect(kinds).toEqual(['ipset create', 'iptables-restore *filter', 'ipset destroy']);
  });

  it('IPIP → VXLAN: tunl0 idled/removed, vxlan.calico created, BIRD\'s and the admin\'s routes untouched', () => {
    const ipip = desiredFor([A], 'ipip');
    const k = kernelFrom(ipip);
    const foreign: KRoute[] = [
      { dst: '10.5.2.0/26', type: 'unicast', dev: 'tunl0', gateway: '10.0.0.2', protocol: 12, scope: 'global', onlink: true, metric: 0 },
      { dst: '192.0.2.0/24', type: 'unicast', dev: 'eth0', gateway: '10.0.0.254', protocol: 4, scope: 'global', onlink: false, metric: 0 },
      { dst: '198.51.100.0/24', type: 'unicast', dev: 'eth0', gateway: '10.0.0.254', protocol: 3, scope: 'global', onlink: false, metric: 0 },
    ];
    const p = planDataplane(desiredFor([A], 'vxlan'), { ...k, routes: [...k.routes, ...foreign] });
    const t = texts(p);
    expect(t).toContain('device removed tunl0');
    expect(t.some((x) => x.startsWith('device added vxlan.calico'))).toBe(true);
    // BIRD's IPIP route left with tunl0 (the kernel drops routes of a downed device).
    expect(t).toContain('route added 10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink');
    expect(argvs(p).some((a) => a.includes('192.0.2.0') || a.includes('198.51.100.0'))).toBe(false);
  });

  it('a vxlan.calico with another VNI is recreated, and its routes/neighbours/FDB are programmed again', () => {
    const d = desiredFor([A], 'vxlan');
    const p = planDataplane(desiredFor([A], 'vxlan', [], { vni: 4097 }), kernelFrom(d));
    const a = argvs(p);
    expect(a[0]).toBe('ip link del dev vxlan.calico');
    expect(a[1]).toContain('type vxlan id 4097');
    expect(texts(p)).toEqual(expect.arrayContaining([
      'device removed vxlan.calico', 'route added 10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink', 'address added inet 10.5.1.0/32 scope global vxlan.calico',
    ]));
    expect(texts(p).some((x) => x.startsWith('neighbour added 10.5.2.0 dev vxlan.calico'))).toBe(true);
    expect(texts(p).some((x) => x.startsWith('fdb added'))).toBe(true);
  });

  it('built-in chains: a foreign rule pushed above ours makes Felix delete its rules by value and re-insert at the top; foreign rules stay', () => {
    const d = desiredFor([A], 'vxlan');
    const k = kernelFrom(d);
    const fwd = [{ line: '-A FORWARD -j DOCKER-USER' }, ...k.iptables.filter.get('FORWARD')!, { line: '-A FORWARD -j ACCEPT' }];
    const p = planDataplane(d, { ...k, iptables: { ...k.iptables, filter: new Map([...k.iptables.filter, ['FORWARD', fwd]]) } });
    const restore = p.steps.map((s) => s.stdin ?? '').join('');
    expect(restore).toContain('-D FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" --jump cali-FORWARD');
    expect(restore).toContain('-I FORWARD 1 -m comment --comment "cali:wUHhoiAYhphO9Mso" --jump cali-FORWARD');
    expect(restore).not.toMatch(/-D FORWARD -j (DOCKER-USER|ACCEPT)/);
    expect(texts(p)).toEqual(['rule changed filter FORWARD: 1 cali rule(s) at the top', 'rule changed filter FORWARD: 2 cali rule(s) at the end']);
  });

  it('removeAll (an empty desired state): every owned object goes, foreign ones stay', () => {
    const d = desiredFor([A], 'vxlan', ingressFrom('b'));
    const k = kernelFrom(d, { filter: ['-A FORWARD -j ACCEPT'] });
    const p = planDataplane(emptyDataplane('n1'), { ...k, routes: [...k.routes, { dst: '192.0.2.0/24', type: 'unicast', dev: 'eth0', gateway: '10.0.0.254', protocol: 4, scope: 'global', onlink: false, metric: 0 }] });
    const t = texts(p);
    expect(t).toContain('device removed vxlan.calico');
    expect(t).toContain('route removed blackhole 10.5.1.0/26 proto 80');
    expect(t).toContain(`route removed 10.5.1.2 dev ${A.iface} scope link`);
    expect(t.filter((x) => x.startsWith('ipset removed'))).toHaveLength(d.ipsets.length);
    expect(t.filter((x) => x.startsWith('chain removed'))).toHaveLength(d.iptables.filter.chains.length + d.iptables.nat.chains.length);
    const all = p.steps.map((s) => `${s.argv.join(' ')}\n${s.stdin ?? ''}`).join('\n');
    expect(all).not.toContain('192.0.2.0');
    expect(all).not.toContain('-D FORWARD -j ACCEPT');
    expect(all).not.toMatch(/sysctl -w/);
  });

  it('the plan\'s end state is a fixpoint: planning the same desired state against it runs nothing', () => {
    const states = [
      desiredFor([A, B], 'vxlan', ingressFrom('b')), desiredFor([A, B], 'vxlan', ingressFrom('a')), desiredFor([B], 'vxlan', ingressFrom('a')),
      desiredFor([B], 'vxlan', ingressFrom('a'), { vni: 4097 }), desiredFor([A], 'ipip'), emptyDataplane('n1'),
    ];
    let k = kernelFrom(states[0]!, { filter: ['-A FORWARD -j ACCEPT'] });
    for (const d of states) {
      const p = planDataplane(d, k);
      // Links and addresses are re-read by the driver on every apply: here, as the kernel holds them once the plan ran.
      k = { ...p.after, links: kernelFrom(d).links, addresses: kernelFrom(d).addresses };
      const again = planDataplane(d, k);
      expect([d.devices.map((x) => x.name), argvs(again), texts(again)]).toEqual([d.devices.map((x) => x.name), [], []]);
    }
    // The admin's rule was never Felix's: still there, once.
    expect(k.iptables.filter.get('FORWARD')!.filter((r) => r.line === '-A FORWARD -j ACCEPT')).toHaveLength(1);
  });

  it('a route whose cali device is missing waits (no step); the other routes go ahead', () => {
    const d = desiredFor([A, workload('z', '10.5.1.9')], 'vxlan');
    const k = kernelFrom(desiredFor([A], 'vxlan'));
    const p = planDataplane(d, k);
    expect(argvs(p).some((a) => a.includes('10.5.1.9/32 dev'))).toBe(false);
  });
});

describe('planIpsets', () => {
  it('only the differing members; a set of another type is swapped in from its temporary twin', () => {
    const p = planIpsets(
      [{ name: 'cali40a', type: 'hash:net', members: ['10.0.0.1/32', '10.0.0.3/32'] }, { name: 'cali40b', type: 'hash:ip', members: ['10.0.0.9'] }],
      [{ name: 'cali40a', type: 'hash:net', members: ['10.0.0.1', '10.0.0.2'] }, { name: 'cali40b', type: 'hash:net', members: [] }, { name: 'other', type: 'hash:ip', members: [] }],
    );
    expect(p.update.split('\n')).toEqual(['add cali40a 10.0.0.3', 'del cali40a 10.0.0.2',
      'create cali4tb hash:ip family inet maxelem 1048576', 'add cali4tb 10.0.0.9', 'swap cali4tb cali40b', 'destroy cali4tb', '']);
    expect(p.destroy).toBe('');
  });
});

describe('LinuxDataplane errors (a scripted Exec, no root)', () => {
  /** An empty node's reads; every write succeeds unless `fail` says otherwise. */
  function fakeExec(fail: (argv: readonly string[]) => string | undefined): Exec {
    return async (argv, opts) => {
      const cmd = argv.join(' ');
      if (argv[2] === '-batch') {
        // `ip|bridge -force -batch -`: each line on its own, each failure followed by the line's number.
        const lines = (opts?.stdin ?? '').split('\n').filter(Boolean);
        const errs = lines.flatMap((l, i) => {
          const e = fail([argv[0]!, ...l.split(' ')]);
          return e ? [`${e.trimEnd()}\nCommand failed -:${i + 1}\n`] : [];
        });
        return { stdout: '', stderr: errs.join(''), code: errs.length ? 1 : 0 };
      }
      if (cmd === 'ip -j -d -s -s addr show') return { stdout: JSON.stringify([{ ifname: 'eth0', flags: ['UP'], mtu: 1500, linkinfo: { info_kind: 'veth' } }]), stderr: '', code: 0 };
      if (/^(ip|bridge) -j/.test(cmd)) return { stdout: '[]', stderr: '', code: 0 };
      if (isReadOnly(argv)) return { stdout: '', stderr: '', code: 0 };
      const err = fail(argv);
      return err ? { stdout: '', stderr: err, code: 2 } : { stdout: '', stderr: '', code: 0 };
    };
  }

  it('a kernel without the ipip module: the error names the node and says modprobe ipip', async () => {
    const dp = new LinuxDataplane(fakeExec((a) => (a.includes('ipip') ? 'Error: Unknown device type.\n' : undefined)), { node: 'worker-01' });
    await expect(dp.apply(desiredFor([], 'ipip'))).rejects.toThrow(/^worker-01: cannot create the IPIP device: this kernel has no ipip module .*modprobe ipip/);
  });

  it('a failed command: the error names the node, the command and the tool\'s stderr', async () => {
    const dp = new LinuxDataplane(fakeExec((a) => (a[0] === 'iptables-restore' ? 'iptables-restore: line 3 failed\n' : undefined)));
    await expect(dp.apply(desiredFor([], 'vxlan'))).rejects.toThrow(/^n1: 'iptables-restore --noflush --wait' failed \(exit 2\): iptables-restore: line 3 failed/);
  });
});
