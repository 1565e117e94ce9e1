/**
 * Prefixes users type go through one strict parser (engine/net/ip.ts parsePrefix): the
 * speaker's `announce`/`withdraw` on stdin and its config file refuse a bad length with a
 * message saying what is wrong, and nothing malformed reaches the RIB or the wire — an
 * Established session survives `announce 10.1.0.0/99`, and `1.2.3.4/` is never 0.0.0.0/0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AddressError, parsePrefix, parsePrefix4 } from '../../engine/net/ip.ts';
import { canonicalPrefix } from '../../engine/bgp/speaker.ts';
import { parseSpeakerConfig } from '../../engine/bgp/config-file.ts';
import { SpeakerProc } from './interop/lab.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/podlab.js');
const dir = mkdtempSync(join(tmpdir(), 'podlab-bgp-prefix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strict prefix parsing', () => {
  it.each([
    ['10.1.0.0/99', "'10.1.0.0/99': prefix length 99 is larger than 32"],
    ['1.2.3.4/', "'1.2.3.4/': the prefix length after '/' is missing (expected 0..32)"],
    ['1.2.3.4/-1', "'1.2.3.4/-1': prefix length '-1' is not a decimal number 0..32"],
    ['1.2.3.4/32/1', "'1.2.3.4/32/1': more than one '/' (expected address/length)"],
    ['1.2.3.4/1e1', "'1.2.3.4/1e1': prefix length '1e1' is not a decimal number 0..32"],
    ['1.2.3.4/0x10', "'1.2.3.4/0x10': prefix length '0x10' is not a decimal number 0..32"],
    ['1.2.3.4/ 8', "'1.2.3.4/ 8': prefix length ' 8' is not a decimal number 0..32"],
    ['1.2.3.4/08', "'1.2.3.4/08': prefix length '08' has a leading zero"],
    ['2001:db8::/129', "'2001:db8::/129': prefix length 129 is larger than 128"],
    ['2001:db8::/', "'2001:db8::/': the prefix length after '/' is missing (expected 0..128)"],
    ['/24', "'' is not an IPv4 address (expected a.b.c.d)"],
  ])('refuses %s saying what is wrong', (text, message) => {
    expect(() => parsePrefix(text)).toThrow(new AddressError(message));
  });

  it('accepts what is well formed', () => {
    expect(parsePrefix4('10.1.0.0/16')).toEqual({ addr: 0x0a010000, len: 16 });
    expect(parsePrefix4('0.0.0.0/0')).toEqual({ addr: 0, len: 0 });
    expect(parsePrefix('2001:db8::/32')).toMatchObject({ family: 6, len: 32 });
    expect(canonicalPrefix('10.1.2.3/16')).toBe('10.1.0.0/16');
    expect(canonicalPrefix('2001:DB8:0:0::1/32')).toBe('2001:db8::/32');
    expect(() => canonicalPrefix('1.2.3.4/')).toThrow('is missing');
  });

  it('the speaker config names the bad announce prefix with file:line:col', () => {
    const r = parseSpeakerConfig('s.yaml', 'routerId: 10.0.0.1\nlocalAS: 65000\nannounce:\n  - prefix: 1.2.3.4/\n  - prefix: 10.0.0.0/33\n  - prefix: 10.0.0.0\n');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([
      "s.yaml:4:13: announce[0].prefix: '1.2.3.4/': the prefix length after '/' is missing (expected 0..32)",
      "s.yaml:5:13: announce[1].prefix: '10.0.0.0/33': prefix length 33 is larger than 32",
      "s.yaml:6:13: announce[2].prefix: '10.0.0.0' has no prefix length (expected address/length)",
    ]);
  });
});

describe('podlab bgp stdin announce', () => {
  it('keeps an Established session on a bad prefix and advertises only what was meant', async () => {
    const port = 20000 + ((process.pid + 7919) % 20000);
    const file = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const a = new SpeakerProc(spawn(process.execPath, [BIN, 'bgp', '--json', '--config', file('a.yaml', `routerId: 10.9.0.1\nlocalAS: 64512\nlocalAddress: 127.0.0.1\nlistenPort: ${port}\nconnectRetry: 1\npeers: [{address: 127.0.0.2, as: 64513, port: ${port}}]\n`)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const b = new SpeakerProc(spawn(process.execPath, [BIN, 'bgp', '--json', '--config', file('b.yaml', `routerId: 10.9.0.2\nlocalAS: 64513\nlocalAddress: 127.0.0.2\nlistenPort: ${port}\npeers: [{address: 127.0.0.1, as: 64512, passive: true}]\n`)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      await a.waitLine('a Established', (l) => l.type === 'session' && l.to === 'Established');
      for (const bad of ['10.1.0.0/99', '1.2.3.4/', '1.2.3.4/-1', '1.2.3.4/32/1', '1.2.3.4/1e1', '1.2.3.4/0x10']) a.command(`announce ${bad}`);
      a.command('announce 10.7.0.0/16');
      await b.waitLine('the good route', (l) => l.type === 'received' && l.prefix === '10.7.0.0/16');
      expect(a.text.filter((t) => t.startsWith('error: '))).toEqual([
        "error: '10.1.0.0/99': prefix length 99 is larger than 32",
        "error: '1.2.3.4/': the prefix length after '/' is missing (expected 0..32)",
        "error: '1.2.3.4/-1': prefix length '-1' is not a decimal number 0..32",
        "error: '1.2.3.4/32/1': more than one '/' (expected address/length)",
        "error: '1.2.3.4/1e1': prefix length '1e1' is not a decimal number 0..32",
        "error: '1.2.3.4/0x10': prefix length '0x10' is not a decimal number 0..32",
      ]);
      expect(b.lines.filter((l) => l.type === 'received').map((l) => l.prefix)).toEqual(['10.7.0.0/16']);
      expect(a.lines.filter((l) => l.type === 'session' && l.from === 'Established')).toEqual([]);
      expect(a.exitCode).toBeNull();
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
