/**
 * The Linux dataplane driver on a real kernel (root): a scratch network namespace stands in
 * for a node (eth0 10.0.0.1/24, veths standing in for the pods' cali interfaces), desired
 * states come from the real Felix, and the kernel is read back with the real tools.
 *
 * Fresh apply = what toCommands programs on a twin namespace; a repeat apply and a new driver
 * instance run reads only and return []; removals take exactly the stale objects; removeAll
 * leaves nothing of Felix's; the admin's route and rule survive everything.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCommands } from '../../engine/dataplane/commands.ts';
import type { DesiredDataplane } from '../../engine/dataplane/types.ts';
import { emptyDataplane } from '../../engine/dataplane/types.ts';
import { LinuxDataplane } from '../../engine/runtime/linux/dataplane.ts';
import { isReadOnly } from '../../engine/runtime/linux/dataplane-plan.ts';
import type { Exec } from '../../engine/runtime/linux/exec.ts';
import { mustRun, netnsExec } from '../../engine/runtime/linux/exec.ts';
import { parseIpsetSave, parseIptablesSave } from '../../engine/runtime/linux/kernel-read.ts';
import { sysctlPath } from '../../engine/runtime/linux/proc-sys.ts';
import { haveCommands, haveLinkKind, haveRoot } from '../support/system.ts';
import { desiredFor, ingressFrom, workload } from './linux-dataplane-snap.ts';

const ready = haveRoot() && haveCommands('ip', 'bridge', 'sysctl', 'ipset', 'iptables-save', 'iptables-restore', 'nft');

const A = workload('a', '10.5.1.2');
const B = workload('b', '10.5.1.3');
let seq = 0;
const made: string[] = [];

/** A scratch node: eth0 10.0.0.1/24 (the VXLAN parent) and one veth per pod interface. */
function scratchNode(): { ns: string; exec: Exec; sh: (...argv: string[]) => string } {
  const ns = `pl-dp-${process.pid}-${seq++}`;
  execFileSync('ip', ['netns', 'add', ns]);
  made.push(ns);
  const sh = (...argv: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
  sh('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
  sh('ip', 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0');
  for (const d of ['lo', 'eth0', 'eth0p']) sh('ip', 'link', 'set', d, 'up');
  for (const w of [A, B]) {
    sh('ip', 'link', 'add', w.iface, 'type', 'veth', 'peer', 'name', `p-${w.pod}`);
    sh('ip', 'link', 'set', w.iface, 'up');
    sh('ip', 'link', 'set', `p-${w.pod}`, 'up');
  }
  // The admin's own objects: a static route and a plain FORWARD rule, never Felix's.
  sh('ip', 'route', 'add', '192.0.2.0/24', 'via', '10.0.0.254', 'proto', 'static');
  sh('iptables', '-A', 'FORWARD', '-j', 'ACCEPT');
  return { ns, exec: netnsExec(ns), sh };
}

afterAll(() => {
  for (const ns of made) {
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ }
  }
});

/** Routes as `ip -j -d route` reports them, stripped of what differs between twins (nothing should). */
function routes(sh: (...a: string[]) => string): string[] {
  return (JSON.parse(sh('ip', '-j', '-d', 'route', 'show', 'table', 'main')) as Record<string, unknown>[])
    .map((r) => JSON.stringify(r)).sort();
}
/** iptables-save per table and chain, counters and timestamps gone. */
function rules(sh: (...a: string[]) => string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of ['filter', 'nat']) {
    for (const [c, rs] of parseIptablesSave(sh('iptables-save', '-t', t))) out[`${t} ${c}`] = rs.map((r) => r.line);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
/** IP sets by name: type and sorted members (ipset's hash order and initval differ per set). */
function sets(sh: (...a: string[]) => string): Record<string, string> {
  return Object.fromEntries(parseIpsetSave(sh('ipset', 'save')).map((s) => [s.name, `${s.type} ${[...s.members].sort().join(' ')}`]));
}
/** nft rule handles per chain: a rewritten chain gets new handles, an untouched one keeps them. */
function handles(ns: string): Record<string, string> {
  const out: Record<string, string> = {};
  let chain = '';
  // stderr ignored: nft warns that iptables-nft manages the table (we only read it).
  const text = execFileSync('ip', ['netns', 'exec', ns, 'nft', '-a', 'list', 'table', 'ip', 'filter'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  for (const line of text.split('\n')) {
    const c = /^\s*chain (\S+) \{/.exec(line);
    if (c) { chain = c[1]!; out[chain] = ''; continue; }
    const h = /# handle (\d+)$/.exec(line);
    if (h && chain && !/^\s*chain /.test(line)) out[chain] += `${h[1]} `;
  }
  return out;
}

/** An Exec that records every argv it runs (to prove a no-op apply only reads). */
function recording(exec: Exec): { exec: Exec; ran: string[][] } {
  const ran: string[][] = [];
  return { ran, exec: (argv, opts) => { ran.push([...argv]); return exec(argv, opts); } };
}

describe.skipIf(!ready)('LinuxDataplane on a real kernel', () => {
  let node: ReturnType<typeof scratchNode>;
  let dp: LinuxDataplane;
  const vxlan = (ws = [A, B], pol = ingressFrom('b')): DesiredDataplane => desiredFor(ws, 'vxlan', pol);

  beforeAll(() => {
    node = scratchNode();
    dp = new LinuxDataplane(node.exec, { node: 'n1' });
  });

  it('a fresh apply leaves the kernel exactly as toCommands does on a twin node', async () => {
    const changes = await dp.apply(vxlan());
    expect(changes.map((c) => c.text)).toContain('route added 10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink');
    const twin = scratchNode();
    for (const c of toCommands(vxlan())) await mustRun(twin.exec, c.argv, c.stdin !== undefined ? { stdin: c.stdin } : undefined);
    expect(routes(node.sh)).toEqual(routes(twin.sh));
    expect(rules(node.sh)).toEqual(rules(twin.sh));
    expect(sets(node.sh)).toEqual(sets(twin.sh));
    expect(node.sh('sysctl', '-n', `net.ipv4.conf.${A.iface}.proxy_arp`).trim()).toBe('1');
  });

  it('VXLAN: vxlan.calico with VNI 4096/4789/nolearning, its /32, the VTEP\'s permanent neighbour and FDB entry', () => {
    const d = vxlan().devices[0]!;
    expect(d.kind).toBe('vxlan');
    const link = node.sh('ip', '-d', 'link', 'show', 'vxlan.calico');
    expect(link).toMatch(/vxlan id 4096 local 10\.0\.0\.1 dev eth0 .*dstport 4789 nolearning/);
    expect(link).toContain('mtu 1450');
    expect(node.sh('ip', '-4', 'addr', 'show', 'dev', 'vxlan.calico')).toContain('inet 10.5.1.0/32');
    const n = vxlan().neighbours[0]!;
    expect(node.sh('ip', 'neigh', 'show', 'dev', 'vxlan.calico')).toContain(`10.5.2.0 lladdr ${n.mac} PERMANENT`);
    expect(node.sh('bridge', 'fdb', 'show', 'dev', 'vxlan.calico')).toContain(`${n.mac} dst 10.0.0.2 self permanent`);
  });

  it('a second apply runs reads only and returns []', async () => {
    const before = { r: routes(node.sh), t: rules(node.sh), s: sets(node.sh) };
    const rec = recording(node.exec);
    const again = new LinuxDataplane(rec.exec, { node: 'n1' });
    await again.apply(vxlan());
    expect(await again.apply(vxlan())).toEqual([]);
    expect(await dp.apply(vxlan())).toEqual([]);
    expect(dp.lastRun.every((c) => c.read && isReadOnly(c.argv))).toBe(true);
    // Independently of the driver's own bookkeeping: what the Exec saw.
    const writes = rec.ran.filter((a) => !/^(ip -j|bridge -j|sysctl -e|ipset save|iptables-save -t)/.test(a.join(' ')));
    expect(writes).toEqual([]);
    expect({ r: routes(node.sh), t: rules(node.sh), s: sets(node.sh) }).toEqual(before);
    expect(before.t['filter FORWARD']).toContain('-A FORWARD -j ACCEPT');
    expect(before.r.some((r) => r.includes('"192.0.2.0/24"') && r.includes('"static"'))).toBe(true);
  });

  it('a new instance on the programmed kernel (agent restart) changes nothing and duplicates nothing', async () => {
    const before = rules(node.sh);
    const fresh = new LinuxDataplane(node.exec, { node: 'n1' });
    expect(await fresh.apply(vxlan())).toEqual([]);
    expect(rules(node.sh)).toEqual(before);
    expect(before['filter FORWARD']!.filter((l) => l.includes('cali:wUHhoiAYhphO9Mso'))).toHaveLength(1);
    expect(node.sh('ip', '-o', 'link', 'show', 'type', 'vxlan').trim().split('\n')).toHaveLength(1);
  });

  it('a policy change rewrites only the chains whose rules changed (the others keep their nft handles)', async () => {
    const before = handles(node.ns);
    const changes = (await dp.apply(vxlan([A, B], ingressFrom('a')))).map((c) => c.text);
    const rewritten = changes.filter((t) => t.startsWith('chain ')).map((t) => t.split(' ')[3]!);
    expect(rewritten.length).toBeGreaterThan(0);
    expect(rewritten.every((c) => /^cali-(pi|po|tw)-/.test(c))).toBe(true);
    const after = handles(node.ns);
    for (const [chain, h] of Object.entries(before)) {
      if (!rewritten.includes(chain) && chain in after) expect([chain, after[chain]]).toEqual([chain, h]);
    }
    expect(changes.some((t) => t.startsWith('ipset removed cali40s:'))).toBe(true);
    expect(await dp.apply(vxlan([A, B], ingressFrom('a')))).toEqual([]);
  });

  it('a removed workload: its route, chains, dispatch entries and set members go, and only those', async () => {
    const setName = vxlan([A, B], ingressFrom('a')).ipsets.find((x) => x.name.startsWith('cali40s:'))!.name;
    expect(sets(node.sh)[setName]).toBe('hash:net 10.5.1.2');
    const before = rules(node.sh);
    const changes = (await dp.apply(vxlan([B], ingressFrom('a')))).map((c) => c.text);
    expect(changes).toContain(`route removed 10.5.1.2 dev ${A.iface} scope link`);
    expect(changes).toContain(`chain removed filter cali-tw-${A.iface}`);
    expect(changes).toContain(`chain removed filter cali-fw-${A.iface}`);
    expect(changes).toContain(`ipset changed ${setName} -10.5.1.2`);
    expect(node.sh('ip', 'route')).not.toContain('10.5.1.2 ');
    expect(node.sh('iptables-save', '-t', 'filter')).not.toContain(A.iface);
    expect(sets(node.sh)[setName]).toBe('hash:net ');
    // B's chains were not rewritten.
    expect(rules(node.sh)[`filter cali-tw-${B.iface}`]).toEqual(before[`filter cali-tw-${B.iface}`]);
    expect(await dp.apply(vxlan([B], ingressFrom('a')))).toEqual([]);
  });

  it('a vxlan.calico with the wrong VNI is recreated, with its address, neighbour, FDB entry and routes', async () => {
    const d = desiredFor([B], 'vxlan', ingressFrom('a'), { vni: 4097 });
    const changes = (await dp.apply(d)).map((c) => c.text);
    expect(changes[0]).toBe('device removed vxlan.calico');
    expect(node.sh('ip', '-d', 'link', 'show', 'vxlan.calico')).toContain('vxlan id 4097');
    expect(node.sh('ip', 'route')).toContain('10.5.2.0/26 via 10.5.2.0 dev vxlan.calico onlink');
    expect(await dp.apply(d)).toEqual([]);
  });

  it('removeAll leaves no cali- chain, no cali40 set, no vxlan.calico, no proto 80 route; the admin\'s route and rule stay', async () => {
    await dp.removeAll();
    const save = node.sh('iptables-save');
    expect(save).not.toMatch(/cali[-:]/);
    expect(node.sh('ipset', 'list', '-n')).not.toMatch(/^cali4/m);
    expect(node.sh('ip', 'link')).not.toContain('vxlan.calico');
    expect(node.sh('ip', 'route', 'show', 'proto', '80')).toBe('');
    expect(node.sh('ip', 'route')).not.toMatch(/cali/);
    expect(node.sh('ip', 'route')).toContain('192.0.2.0/24 via 10.0.0.254 dev eth0 proto static');
    expect(save).toContain('-A FORWARD -j ACCEPT');
    expect(await dp.removeAll()).toEqual([]);
  });

  it('IPIP: programs tunl0 where the kernel has the ipip module, and says `modprobe ipip` where it does not', async () => {
    const d = desiredFor([B], 'ipip');
    if (haveLinkKind('ipip')) {
      await dp.apply(d);
      expect(node.sh('ip', '-d', 'link', 'show', 'tunl0')).toContain('ipip');
      expect(node.sh('ip', '-4', 'addr', 'show', 'dev', 'tunl0')).toContain('inet 10.5.1.0/32');
      expect(await dp.apply(d)).toEqual([]);
      await dp.apply(vxlan([B]));
      expect(node.sh('ip', '-4', 'addr', 'show', 'dev', 'tunl0')).not.toContain('10.5.1.0');
      await dp.removeAll();
    } else {
      await expect(dp.apply(d)).rejects.toThrow(/n1: .*no ipip module.*modprobe ipip/s);
    }
  });
});

describe.skipIf(!ready)('LinuxDataplane believes what it programmed: reads at start, after a failure and on its resync only', () => {
  const pol = (from: string): DesiredDataplane => desiredFor([A, B], 'vxlan', ingressFrom(from));
  /** The reads of an apply, as argv texts. */
  const readsOf = (dp: LinuxDataplane): string[] => dp.lastRun.filter((c) => c.read).map((c) => c.argv.join(' '));

  it('the same sequence of desired states leaves the kernel as a driver that reads everything before every apply', async () => {
    const a = scratchNode();
    const b = scratchNode();
    const believing = new LinuxDataplane(a.exec, { node: 'n1' });
    const reading = new LinuxDataplane(b.exec, { node: 'n1' });
    const states = [pol('b'), pol('a'), desiredFor([B], 'vxlan', ingressFrom('a')), desiredFor([B], 'vxlan', ingressFrom('a'), { vni: 4097 }), pol('b'), emptyDataplane('n1')];
    for (const d of states) {
      reading.queueResync();
      const [ca, cb] = [await believing.apply(d), await reading.apply(d)];
      // The same changes (listed in the kernel's order by one, in the order they were made by the other).
      expect(ca.map((c) => c.text).sort()).toEqual(cb.map((c) => c.text).sort());
      expect({ r: routes(a.sh), t: rules(a.sh), s: sets(a.sh) }).toEqual({ r: routes(b.sh), t: rules(b.sh), s: sets(b.sh) });
      // And what it believes is what the kernel holds: a fresh instance reading it all has nothing to do.
      expect(await new LinuxDataplane(a.exec, { node: 'n1' }).apply(d)).toEqual([]);
    }
    expect(readsOf(believing)).toEqual(['ip -j -d -s -s addr show']);
    expect(readsOf(reading)).toEqual(expect.arrayContaining(['ip -j -d route show table main', 'ipset save', 'iptables-save -t filter', 'iptables-save -t nat']));
  });

  it('a policy change reads only links and runs one ipset restore, one iptables-restore and one ipset restore of deletions', async () => {
    const n = scratchNode();
    const dp = new LinuxDataplane(n.exec, { node: 'n1' });
    await dp.apply(pol('b'));
    await dp.apply(pol('a'));
    expect(readsOf(dp)).toEqual(['ip -j -d -s -s addr show']);
    expect(dp.lastRun.filter((c) => !c.read).map((c) => c.argv.join(' '))).toEqual(['ipset restore -exist', 'iptables-restore --noflush --wait', 'ipset restore -exist']);
  });

  it('a route, a rule, a set member and a sysctl changed behind its back are repaired at the next resync, not before', async () => {
    const n = scratchNode();
    let t = 0;
    const dp = new LinuxDataplane(n.exec, { node: 'n1', now: () => t });
    const d = pol('b');
    await dp.apply(d);
    const setName = d.ipsets.find((x) => x.name.startsWith('cali40s:'))!.name;
    const good = { r: routes(n.sh), t: rules(n.sh), s: sets(n.sh) };
    expect(good.s[setName]).toBe('hash:net 10.5.1.3');
    // The admin (or another program) undoes some of Felix's work.
    n.sh('ip', 'route', 'del', '10.5.1.2/32', 'dev', A.iface);
    n.sh('iptables', '-D', 'FORWARD', '1');
    n.sh('ipset', 'del', setName, '10.5.1.3');
    n.sh('sysctl', '-w', `net.ipv4.conf.${A.iface}.proxy_arp=0`);
    // Before the resync the driver trusts what it programmed: nothing read but links, nothing run.
    t += 89_000;
    expect(await dp.apply(d)).toEqual([]);
    expect(readsOf(dp)).toEqual(['ip -j -d -s -s addr show']);
    expect(n.sh('ip', 'route', 'show', '10.5.1.2')).toBe('');
    // Felix's refresh interval (90 s) passed: every table is read again and the drift repaired.
    t += 1_000;
    const changes = (await dp.apply(d)).map((c) => c.text);
    expect(changes).toContain(`route added 10.5.1.2 dev ${A.iface} scope link`);
    expect(changes).toContain('rule changed filter FORWARD: 1 cali rule(s) at the top');
    expect(changes).toContain(`ipset changed ${setName} +10.5.1.3`);
    expect(changes).toContain(`sysctl changed net.ipv4.conf.${A.iface}.proxy_arp = 1`);
    expect({ r: routes(n.sh), t: rules(n.sh), s: sets(n.sh) }).toEqual(good);
    // queueResync (the agent's timer) does the same at once.
    n.sh('ip', 'route', 'del', '10.5.1.2/32', 'dev', A.iface);
    dp.queueResync();
    expect((await dp.apply(d)).map((c) => c.text)).toEqual([`route added 10.5.1.2 dev ${A.iface} scope link`]);
  });

  it('a pod\'s interface made again under the same name gets its route and sysctls back at the next apply (new ifindex)', async () => {
    const n = scratchNode();
    const dp = new LinuxDataplane(n.exec, { node: 'n1' });
    const d = pol('b');
    await dp.apply(d);
    n.sh('ip', 'link', 'del', A.iface);
    n.sh('ip', 'link', 'add', A.iface, 'type', 'veth', 'peer', 'name', 'p-a');
    n.sh('ip', 'link', 'set', A.iface, 'up');
    const changes = (await dp.apply(d)).map((c) => c.text);
    expect(changes).toContain(`route added 10.5.1.2 dev ${A.iface} scope link`);
    expect(n.sh('ip', 'route', 'show', '10.5.1.2')).toContain(`dev ${A.iface}`);
    expect(n.sh('sysctl', '-n', `net.ipv4.conf.${A.iface}.proxy_arp`).trim()).toBe('1');
    expect(readsOf(dp)).toEqual(['ip -j -d -s -s addr show', `sysctl -e ${d.sysctls.filter((s) => s.key.includes(A.iface)).map((s) => s.key).join(' ')}`]);
  });

  it('a pod\'s interface taken down and up again between two applies gets its route back at the next apply (its carrier changed)', async () => {
    const n = scratchNode();
    const dp = new LinuxDataplane(n.exec, { node: 'n1' });
    const d = pol('b');
    await dp.apply(d);
    expect(await dp.apply(d)).toEqual([]);
    // Same ifindex, up at both reads: only the carrier-change count says the kernel dropped its route.
    n.sh('ip', 'link', 'set', A.iface, 'down');
    n.sh('ip', 'link', 'set', A.iface, 'up');
    expect(n.sh('ip', 'route', 'show', '10.5.1.2')).toBe('');
    expect((await dp.apply(d)).map((c) => c.text)).toContain(`route added 10.5.1.2 dev ${A.iface} scope link`);
    expect(n.sh('ip', 'route', 'show', '10.5.1.2')).toContain(`dev ${A.iface}`);
    // Its sysctls are read again (a read, no write: they survive a bounce), nothing else.
    expect(readsOf(dp)).toEqual(['ip -j -d -s -s addr show', `sysctl -e ${d.sysctls.filter((s) => s.key.includes(A.iface)).map((s) => s.key).join(' ')}`]);
    // Nothing bounced since: the pass after reads links only and changes nothing.
    expect(await dp.apply(d)).toEqual([]);
  });

  it('after a failed command it reads the whole kernel again', async () => {
    const n = scratchNode();
    let failIptables = false;
    const exec: Exec = (argv, opts) => (failIptables && argv[0] === 'iptables-restore'
      ? Promise.resolve({ stdout: '', stderr: 'iptables-restore: line 2 failed\n', code: 1 }) : n.exec(argv, opts));
    const dp = new LinuxDataplane(exec, { node: 'n1' });
    await dp.apply(pol('b'));
    failIptables = true;
    await expect(dp.apply(pol('a'))).rejects.toThrow(/n1: 'iptables-restore --noflush --wait' failed/);
    failIptables = false;
    await dp.apply(pol('a'));
    expect(readsOf(dp)).toEqual(expect.arrayContaining(['ip -j -d route show table main', 'ipset save', 'iptables-save -t filter', 'iptables-save -t nat']));
    expect(await new LinuxDataplane(n.exec, { node: 'n1' }).apply(pol('a'))).toEqual([]);
  });
});

describe.skipIf(!ready)('LinuxDataplane in the node\'s own namespace (the agent\'s way)', () => {
  it('writes sysctls through /proc/sys, without a process, to the same end state as through `sysctl`', async () => {
    const inside = scratchNode();
    const twin = scratchNode();
    const script = join(import.meta.dirname, 'linux-dataplane-in-node.ts');
    const out = JSON.parse(execFileSync('ip', ['netns', 'exec', inside.ns, process.execPath, '--import', 'tsx', script], { encoding: 'utf8', cwd: join(import.meta.dirname, '..', '..') })) as { changes: string[]; ran: string[]; again: number; ranForPod: string[] };
    // The twin goes through the same states with `sysctl` processes.
    const C = workload('c', '10.5.1.4');
    const twinDp = new LinuxDataplane(twin.exec, { node: 'n1' });
    const twinChanges = await twinDp.apply(desiredFor([A, B], 'vxlan', ingressFrom('b')));
    twin.sh('ip', 'link', 'add', C.iface, 'type', 'veth', 'peer', 'name', 'p-c');
    twin.sh('ip', 'link', 'set', C.iface, 'up');
    const d = desiredFor([A, B, C], 'vxlan', ingressFrom('b'));
    await twinDp.apply(d);
    expect(out.changes.sort()).toEqual(twinChanges.map((c) => c.text).sort());
    expect(out.changes.some((t) => t.startsWith('sysctl '))).toBe(true);
    expect(out.ran.filter((c) => c.startsWith('sysctl'))).toEqual([]);
    expect(out.again).toBe(0);
    // A new pod: three processes — links, its route, its chains (its sysctls read and written in /proc/sys).
    expect(out.ranForPod).toEqual(['ip -j -d -s -s addr show', 'ip route replace 10.5.1.4/32 dev calic0000000000 proto boot scope link', 'iptables-restore --noflush --wait']);
    const values = (sh: (...a: string[]) => string): string[] => d.sysctls.map((s) => `${s.key}=${sh('sysctl', '-n', s.key).trim()}`);
    expect(values(inside.sh)).toEqual(d.sysctls.map((s) => `${s.key}=${s.value}`));
    expect(values(inside.sh)).toEqual(values(twin.sh));
    expect({ r: routes(inside.sh), t: rules(inside.sh), s: sets(inside.sh) }).toEqual({ r: routes(twin.sh), t: rules(twin.sh), s: sets(twin.sh) });
  }, 60_000);

  it('a key names its /proc/sys file; a dot inside a device name is written as /', () => {
    expect(sysctlPath('net.ipv4.conf.cali12345678901.proxy_arp')).toBe('/proc/sys/net/ipv4/conf/cali12345678901/proxy_arp');
    expect(sysctlPath('net.ipv4.conf.vxlan/calico.rp_filter')).toBe('/proc/sys/net/ipv4/conf/vxlan.calico/rp_filter');
  });
});
