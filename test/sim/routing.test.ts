import { describe, expect, it } from 'vitest';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { makeIcmpEcho, makeIpv4 } from '../../engine/net/codec/index.ts';
import { ICMP_ECHO_REQUEST } from '../../engine/net/packet.ts';
import { runPing } from '../../engine/sim/apps/ping.ts';
import { runTraceroute } from '../../engine/sim/apps/traceroute.ts';
import { ipLocalOut } from '../../engine/sim/ipv4-output.ts';
import type { DropReason, TraceEvent } from '../../engine/sim/trace.ts';
import { floors } from './fabrics.ts';
import { route } from './helpers.ts';

function drops(w: ReturnType<typeof floors>): { node: string; reason: DropReason }[] {
  const out: { node: string; reason: DropReason }[] = [];
  w.trace.on((e: TraceEvent) => { if (e.type === 'drop') out.push({ node: e.node, reason: e.reason }); });
  return out;
}

describe('floors fabric built by hand', () => {
  it('a host on floor 1 pings a host on floor 2 through both routers', () => {
    const w = floors();
    const r = runPing(w, 'h1', { dst: '10.2.0.11', count: 2, intervalS: 0.2 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^64 bytes from 10\.2\.0\.11: icmp_seq=1 ttl=62 time=/m);
    expect(r.stdout).toContain('2 packets transmitted, 2 received, 0% packet loss, time 200ms');
  });

  it('traceroute lists each hop like Linux traceroute', () => {
    const w = floors();
    const t = runTraceroute(w, 'h1', { dst: '10.2.0.11', numeric: true });
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('traceroute to 10.2.0.11 (10.2.0.11), 30 hops max, 60 byte packets');
    expect(lines.slice(1).map((l) => l.replace(/\d+\.\d{3} ms/g, 'T ms'))).toEqual([
      ' 1  10.1.0.1  T ms  T ms  T ms',
      ' 2  10.0.0.2  T ms  T ms  T ms',
      ' 3  10.2.0.11  T ms  T ms  T ms',
    ]);
    const named = runTraceroute(w, 'h1', { dst: '10.2.0.11', queries: 1 });
    expect(named.stdout.split('\n')[1]).toMatch(/^ 1  10\.1\.0\.1 \(10\.1\.0\.1\)  \d+\.\d{3} ms$/);
  });

  it('a DF packet larger than a link MTU gets frag-needed with that MTU, then EMSGSIZE locally', () => {
    const w = floors({ floor2Mtu: 1400 });
    const r = runPing(w, 'h1', { dst: '10.2.0.11', count: 3, intervalS: 0.2, size: 1450, pmtudisc: 'do' });
    expect(r.output).toBe([
      'PING 10.2.0.11 (10.2.0.11) 1450(1478) bytes of data.',
      'From 10.0.0.2 icmp_seq=1 Frag needed and DF set (mtu = 1400)',
      'ping: local error: message too long, mtu=1400',
      'ping: local error: message too long, mtu=1400',
      '',
      '--- 10.2.0.11 ping statistics ---',
      '3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 400ms',
      '',
      '',
    ].join('\n'));
    expect(r.exitCode).toBe(1);
    // Without DF the router fragments (ip_fragment) and the destination reassembles.
    const w2 = floors({ floor2Mtu: 1400 });
    const frags: TraceEvent[] = [];
    w2.trace.on((e) => { if (e.type === 'tx' && e.node === 'r2' && e.dev === 'eth0') frags.push(e); });
    const ok = runPing(w2, 'h1', { dst: '10.2.0.11', count: 1, size: 1450, pmtudisc: 'dont' });
    expect(ok.received).toBe(1);
    expect(ok.stdout).toContain('1458 bytes from 10.2.0.11: icmp_seq=1 ttl=62');
    expect(frags.filter((e) => e.type === 'tx' && e.frame.etherType === 0x0800).length).toBe(2);
  });

  it('TTL expiry answers with time exceeded from the router', () => {
    const w = floors();
    const r = runPing(w, 'h1', { dst: '10.2.0.11', count: 1, ttl: 1 });
    expect(r.stdout).toContain('From 10.1.0.1 icmp_seq=1 Time to live exceeded');
    expect(r.stdout).toContain('1 packets transmitted, 0 received, +1 errors, 100% packet loss');
  });

  it('blackhole, unreachable and prohibit routes behave as in Linux', () => {
    const w = floors();
    const r1 = w.node('r1');
    route(r1, '10.7.0.0/16', undefined, undefined, { type: 'blackhole' });
    route(r1, '10.8.0.0/16', undefined, undefined, { type: 'unreachable' });
    route(r1, '10.9.0.0/16', undefined, undefined, { type: 'prohibit' });
    const seen = drops(w);
    const bh = runPing(w, 'h1', { dst: '10.7.0.1', count: 1, timeoutS: 1 });
    expect(bh.stdout).toContain('1 packets transmitted, 0 received, 100% packet loss');
    expect(seen).toContainEqual({ node: 'r1', reason: 'blackhole' });
    expect(runPing(w, 'h1', { dst: '10.8.0.1', count: 1 }).stdout).toContain('From 10.1.0.1 icmp_seq=1 Destination Host Unreachable');
    expect(runPing(w, 'h1', { dst: '10.9.0.1', count: 1 }).stdout).toContain('From 10.1.0.1 icmp_seq=1 Packet filtered');
    const h2 = w.node('h2');
    route(h2, '10.7.0.0/16', undefined, undefined, { type: 'blackhole' });
    route(h2, '10.8.0.0/16', undefined, undefined, { type: 'unreachable' });
    route(h2, '10.9.0.0/16', undefined, undefined, { type: 'prohibit' });
    expect(runPing(w, 'h2', { dst: '10.7.0.1' })).toMatchObject({ exitCode: 2, stderr: 'ping: connect: Invalid argument\n' });
    expect(runPing(w, 'h2', { dst: '10.8.0.1' })).toMatchObject({ exitCode: 2, stderr: 'ping: connect: No route to host\n' });
    expect(runPing(w, 'h2', { dst: '10.9.0.1' }).stderr).toBe('ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n');
    h2.delRoute({ dst: { addr: 0, len: 0 } });
    expect(runPing(w, 'h2', { dst: '10.1.0.11' })).toMatchObject({ exitCode: 2, stderr: 'ping: connect: Network is unreachable\n' });
    const t = runTraceroute(w, 'h1', { dst: '10.8.0.1', numeric: true, queries: 2, maxHops: 3 });
    expect(t.stdout.split('\n')[1]).toMatch(/^ 1  10\.1\.0\.1  \d+\.\d{3} ms !H  \d+\.\d{3} ms !H$/);
  });

  it('an unresolvable next hop reports Destination Host Unreachable for every queued probe', () => {
    const w = floors();
    const r = runPing(w, 'h1', { dst: '10.2.0.99', count: 4 });
    expect(r.stdout.split('\n').slice(1, 5)).toEqual([1, 2, 3, 4].map((s) => `From 10.0.0.2 icmp_seq=${s} Destination Host Unreachable`));
    expect(r.stdout).toContain('4 packets transmitted, 0 received, +4 errors, 100% packet loss, time 3000ms\npipe 4\n');
  });

  it('rp_filter drops spoofed sources: strict by interface, loose by any route', () => {
    const w = floors();
    const seen = drops(w);
    const h1 = w.node('h1');
    const r1 = w.node('r1');
    const spoof = (src: string): void => {
      const echo = makeIcmpEcho(ICMP_ECHO_REQUEST, 1, 1, new Uint8Array(8));
      ipLocalOut(h1, makeIpv4({ src: parseIPv4(src), dst: parseIPv4('10.2.0.11'), payload: echo }), {});
      w.run(100);
    };
    const delivered = (): number => h2Delivers.length;
    const h2Delivers: TraceEvent[] = [];
    w.trace.on((e) => { if (e.type === 'deliver' && e.node === 'h2') h2Delivers.push(e); });
    spoof('10.2.0.50'); // rp_filter 0: forwarded
    expect(delivered()).toBe(1);
    r1.setSysctl('net.ipv4.conf.eth0.rp_filter', '1');
    spoof('10.2.0.50'); // the route back to 10.2.0.50 leaves by eth1, not eth0
    expect(delivered()).toBe(1);
    expect(seen).toContainEqual({ node: 'r1', reason: 'rp-filter' });
    r1.setSysctl('net.ipv4.conf.eth0.rp_filter', '2');
    spoof('10.2.0.50'); // loose: a route exists
    expect(delivered()).toBe(2);
    spoof('172.16.0.1'); // loose: no route at all
    expect(delivered()).toBe(2);
    r1.setSysctl('net.ipv4.conf.eth0.rp_filter', '0');
    r1.setSysctl('net.ipv4.conf.all.rp_filter', '1'); // the kernel uses max(all, dev)
    spoof('10.2.0.50');
    expect(delivered()).toBe(2);
  });

  it('UDP to a closed port gets port unreachable; a SYN to a closed port gets a RST', () => {
    const w = floors();
    const t = runTraceroute(w, 'h1', { dst: '10.1.0.1', numeric: true, queries: 1 });
    expect(t.stdout.split('\n')[1]).toMatch(/^ 1  10\.1\.0\.1  \d+\.\d{3} ms$/);
    const rst: TraceEvent[] = [];
    w.trace.on((e) => { if (e.type === 'deliver' && e.node === 'h1') rst.push(e); });
    ipLocalOut(w.node('h1'), makeIpv4({ src: 0, dst: parseIPv4('10.2.0.11'), payload: { kind: 'tcp', srcPort: 40000, dstPort: 80, seq: 1000, ack: 0, flags: 0x02, window: 64240, payload: new Uint8Array(0) } }), {});
    w.run(100);
    const seg = rst.map((e) => (e.type === 'deliver' ? e.pkt.payload : undefined)).find((p) => p && !(p instanceof Uint8Array) && p.kind === 'tcp');
    expect(seg).toMatchObject({ kind: 'tcp', srcPort: 80, dstPort: 40000, flags: 0x14, ack: 1001 });
  });
});
