import { describe, expect, it } from 'vitest';
import { parseIPv4 } from '../../engine/net/ip.ts';
import type { Ipv4Packet } from '../../engine/net/packet.ts';
import { runPing } from '../../engine/sim/apps/ping.ts';
import { capture } from '../../engine/sim/capture.ts';
import type { NfContext, NfHook, NfResult, PacketFilter } from '../../engine/sim/types.ts';
import type { TraceEvent } from '../../engine/sim/trace.ts';
import { World } from '../../engine/sim/world.ts';
import { floors } from './fabrics.ts';
import { addr } from './helpers.ts';

/** A tiny packet filter that records where it was called and can drop, reject or DNAT. */
class RecordingFilter implements PacketFilter {
  calls: string[] = [];
  rule: ((hook: NfHook, pkt: Ipv4Packet, ctx: NfContext) => Partial<NfResult> | undefined) | undefined;
  hook(hook: NfHook, pkt: Ipv4Packet, ctx: NfContext): NfResult {
    this.calls.push(`${hook} in=${ctx.inDev ?? ''} out=${ctx.outDev ?? ''}`);
    const r = this.rule?.(hook, pkt, ctx);
    return { verdict: 'accept', packet: pkt, mark: ctx.mark, ...r };
  }
}

describe('netfilter hooks in Linux order', () => {
  it('calls PREROUTING/FORWARD/POSTROUTING on a router, OUTPUT/POSTROUTING and PREROUTING/INPUT on hosts', () => {
    const w = floors();
    const f1 = new RecordingFilter();
    const fr = new RecordingFilter();
    const f2 = new RecordingFilter();
    w.node('h1').setPacketFilter(f1);
    w.node('r1').setPacketFilter(fr);
    w.node('h2').setPacketFilter(f2);
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1 }).received).toBe(1);
    expect(f1.calls).toEqual(['OUTPUT in= out=eth0', 'POSTROUTING in= out=eth0', 'PREROUTING in=eth0 out=', 'INPUT in=eth0 out=']);
    expect(fr.calls).toEqual(['PREROUTING in=eth0 out=', 'FORWARD in=eth0 out=eth1', 'POSTROUTING in=eth0 out=eth1',
      'PREROUTING in=eth1 out=', 'FORWARD in=eth1 out=eth0', 'POSTROUTING in=eth1 out=eth0']);
    expect(f2.calls).toEqual(['PREROUTING in=eth0 out=', 'INPUT in=eth0 out=', 'OUTPUT in= out=eth0', 'POSTROUTING in= out=eth0']);
  });

  it('honours drop, reject (ICMP with the filter code) and DNAT', () => {
    const w = floors();
    const fr = new RecordingFilter();
    w.node('r1').setPacketFilter(fr);
    const dropped: TraceEvent[] = [];
    w.trace.on((e) => { if (e.type === 'drop' && e.reason === 'netfilter') dropped.push(e); });
    fr.rule = (hook) => (hook === 'FORWARD' ? { verdict: 'drop' } : undefined);
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1, timeoutS: 1 }).received).toBe(0);
    expect(dropped.length).toBe(1);
    fr.rule = (hook) => (hook === 'FORWARD' ? { verdict: 'reject', rejectCode: 13 } : undefined);
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1 }).stdout).toContain('From 10.1.0.1 icmp_seq=1 Packet filtered');
    // DNAT in PREROUTING to r2's address: routing happens after, so the packet goes there.
    const target = parseIPv4('10.0.0.2');
    fr.rule = (hook, pkt) => (hook === 'PREROUTING' && pkt.dst === parseIPv4('10.9.9.9') ? { packet: { ...pkt, dst: target } } : undefined);
    const delivered: TraceEvent[] = [];
    w.trace.on((e) => { if (e.type === 'deliver' && e.node === 'r2') delivered.push(e); });
    runPing(w, 'h1', { dst: '10.9.9.9', count: 1, timeoutS: 1 });
    expect(delivered.length).toBe(1);
  });
});

describe('VLAN-aware bridges', () => {
  it('access ports, a trunk carrying tagged frames, isolation between VLANs', () => {
    const w = new World({ seed: 5 });
    for (const n of ['a10', 'a20', 'b10', 'b20', 'swA', 'swB']) w.addNode(n);
    w.connect('a10', 'eth0', 'swA', 'p1');
    w.connect('a20', 'eth0', 'swA', 'p2');
    w.connect('b10', 'eth0', 'swB', 'p1');
    w.connect('b20', 'eth0', 'swB', 'p2');
    w.connect('swA', 'trunk', 'swB', 'trunk');
    for (const s of ['swA', 'swB']) {
      const k = w.node(s);
      k.addLink({ kind: 'bridge', name: 'br0', vlanFiltering: true });
      for (const [port, vid] of [['p1', 10], ['p2', 20]] as const) {
        k.setLink(port, { master: 'br0', up: true });
        k.setBridgeVlan(port, { vid: 1, pvid: false, untagged: false }, 'del');
        k.setBridgeVlan(port, { vid, pvid: true, untagged: true }, 'add');
      }
      k.setLink('trunk', { master: 'br0', up: true });
      for (const vid of [10, 20]) k.setBridgeVlan('trunk', { vid, pvid: false, untagged: false }, 'add');
      k.setLink('br0', { up: true });
    }
    // Same subnet in both VLANs: only the VLAN separates a10 from b20.
    addr(w.node('a10'), 'eth0', '10.0.0.1/24');
    addr(w.node('b10'), 'eth0', '10.0.0.2/24');
    addr(w.node('a20'), 'eth0', '10.0.0.3/24');
    addr(w.node('b20'), 'eth0', '10.0.0.4/24');
    const trunk = capture(w, 'swA', 'trunk');
    expect(runPing(w, 'a10', { dst: '10.0.0.2', count: 1 }).received).toBe(1);
    expect(runPing(w, 'a20', { dst: '10.0.0.4', count: 1 }).received).toBe(1);
    expect(runPing(w, 'a10', { dst: '10.0.0.4', count: 1, timeoutS: 1 }).received).toBe(0);
    const tags = new Set(trunk.records.map((r) => r.frame.vlan));
    expect([...tags].sort()).toEqual([10, 20]);
    // Frames on access ports leave untagged.
    const access = capture(w, 'swB', 'p1');
    runPing(w, 'a10', { dst: '10.0.0.2', count: 1 });
    expect(access.records.length).toBeGreaterThan(0);
    expect(access.records.every((r) => r.frame.vlan === undefined)).toBe(true);
    // MAC learning is per VLAN.
    const fdb = w.node('swA').state.fdb.filter((e) => e.state === 'learned');
    expect(fdb.find((e) => e.mac === w.node('b10').findDevice('eth0')!.mac)?.vlan).toBe(10);
  });

  it('a cut link drops frames and removes carrier; loss follows the seed', () => {
    const w = floors();
    w.setLink('r1', 'eth1', 'down');
    expect(w.node('r1').findDevice('eth1')!.carrier).toBe(false);
    expect(w.node('r1').state.routes.find((r) => r.gateway === parseIPv4('10.0.0.2'))?.linkdown).toBe(true);
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1, timeoutS: 1 }).received).toBe(0);
    w.setLink('r1', 'eth1', 'up');
    expect(runPing(w, 'h1', { dst: '10.2.0.11', count: 1 }).received).toBe(1);
    const lossy = (seed: number): number => {
      const x = floors({ seed, loss: { lossPct: 30 } });
      return runPing(x, 'h1', { dst: '10.2.0.11', count: 20, intervalS: 0.2, timeoutS: 1 }).received;
    };
    expect(lossy(11)).toBe(lossy(11));
    expect(lossy(11)).toBeLessThan(20);
  });
});

describe('determinism', () => {
  it('the same scenario twice gives identical event streams', () => {
    const run = (): string[] => {
      const w = floors({ seed: 42, loss: { lossPct: 10 } });
      const events: string[] = [];
      w.trace.on((e) => events.push(JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v))));
      runPing(w, 'h1', { dst: '10.2.0.11', count: 5, intervalS: 0.5, timeoutS: 1 });
      runPing(w, 'h2', { dst: '10.1.0.99', count: 2, timeoutS: 1 });
      w.run(60_000);
      return events;
    };
    const a = run();
    const b = run();
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
  });
});
