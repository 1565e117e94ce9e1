/**
 * External judge: tshark reads captures of simulated TCP. It must reassemble the stream into
 * exactly the bytes the application wrote (through loss and retransmissions), validate every
 * checksum, and dissect BGP OPEN/KEEPALIVE/UPDATE riding on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simSpeaker } from '../../../engine/runtime/sim/bgp-transport.ts';
import { capture } from '../../../engine/sim/capture.ts';
import { connect, listen } from '../../../engine/sim/tcp/index.ts';
import { haveCommands } from '../../support/system.ts';
import { lan, pattern } from './net.ts';

const ok = haveCommands('tshark');
const dir = mkdtempSync(join(tmpdir(), 'podlab-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(file: string, ...args: string[]): string {
  return execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

describe.skipIf(!ok)('tshark on simulated TCP', () => {
  it('reassembles a 200 kB stream received through a lossy link into the bytes written', () => {
    const w = lan({ seed: 9, linkA: { lossPct: 2 } });
    const cap = capture(w, 'b', 'eth0');
    const data = pattern(200_000, 3);
    listen(w.node('b'), { port: 5001 }, (s) => s.setHandlers({ onEnd: () => s.end() }));
    const c = connect(w.node('a'), { dst: '10.0.0.2', port: 5001 }, { onConnect: () => { c.write(data); c.end(); } });
    w.run(300_000);
    expect(c.retransmits).toBeGreaterThan(0);
    const file = join(dir, 'bulk.pcap');
    writeFileSync(file, cap.toPcap());
    // Every TCP checksum verifies.
    const status = tshark(file, '-Y', 'tcp', '-T', 'fields', '-e', 'tcp.checksum.status').trim().split('\n');
    expect(status.length).toBeGreaterThan(140);
    expect(new Set(status)).toEqual(new Set(['1']));
    // The handshake carries the MSS option derived from the 1500-byte MTU.
    expect(tshark(file, '-Y', 'tcp.flags.syn==1 && tcp.flags.ack==0', '-T', 'fields', '-e', 'tcp.options.mss_val').trim()).toBe('1460');
    // tshark's own stream reassembly (client → server half) equals what was written.
    const follow = tshark(file, '-q', '-z', 'follow,tcp,raw,0');
    const hex = follow.split('\n').filter((l) => /^[0-9a-f]+$/.test(l)).join('');
    expect(hex.length).toBe(data.length * 2);
    expect(hex).toBe(Buffer.from(data).toString('hex'));
  });

  it('dissects BGP OPEN, KEEPALIVE and UPDATE (with our prefix) between two simulated speakers', () => {
    const w = lan({ seed: 2 });
    const cap = capture(w, 'a', 'eth0');
    const a = simSpeaker(w.node('a'), { routerId: '10.0.0.1', localAS: 64512, localAddress: '10.0.0.1', peers: [{ address: '10.0.0.2', as: 64513 }], announce: [{ prefix: '192.168.10.0/24' }] });
    const b = simSpeaker(w.node('b'), { routerId: '10.0.0.2', localAS: 64513, localAddress: '10.0.0.2', peers: [{ address: '10.0.0.1', as: 64512 }], announce: [{ prefix: '192.168.20.0/24' }] });
    a.start();
    b.start();
    w.run(70_000);
    expect(a.peer('10.0.0.2')!.session.state).toBe('Established');
    const file = join(dir, 'bgp.pcap');
    writeFileSync(file, cap.toPcap());
    const rows = tshark(file, '-Y', 'bgp', '-T', 'fields', '-E', 'occurrence=a', '-e', 'ip.src', '-e', 'ip.dsfield', '-e', 'bgp.type', '-e', 'bgp.nlri_prefix').trim().split('\n');
    const types = new Set(rows.flatMap((r) => r.split('\t')[2]!.split(',')));
    for (const t of ['1', '2', '4']) expect(types).toContain(t);
    // Both sides dialled: the collision (RFC 4271 §6.8) closes one connection with Cease 6/7.
    const notes = tshark(file, '-Y', 'bgp.type==3', '-T', 'fields', '-e', 'bgp.notify.major_error', '-e', 'bgp.notify.minor_error_cease').trim();
    for (const n of notes.split('\n').filter(Boolean)) expect(n).toBe('6\t7');
    const prefixes = rows.flatMap((r) => (r.split('\t')[3] ?? '').split(',')).filter(Boolean);
    expect(prefixes).toContain('192.168.10.0');
    expect(prefixes).toContain('192.168.20.0');
    // BGP segments carry BIRD's TOS (IPTOS_PREC_INTERNETCONTROL).
    expect(new Set(rows.map((r) => r.split('\t')[1]))).toEqual(new Set(['0xc0']));
    // Keepalives every 30 s (hold 90 / 3) after Established, both directions.
    const ka = tshark(file, '-Y', 'bgp.type==4', '-T', 'fields', '-e', 'frame.time_relative', '-e', 'ip.src').trim().split('\n');
    expect(ka.length).toBeGreaterThanOrEqual(6);
  });
});
