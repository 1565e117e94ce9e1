/**
 * docs/bgp-config.md is true: its example file loads with the parser `podlab bgp` uses, and
 * every key that parser accepts is documented there (a key added to the parser without a
 * line in the doc fails here).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpeakerConfig } from '../../engine/bgp/config-file.ts';

const DOC = readFileSync('docs/bgp-config.md', 'utf8');
const EXAMPLE = 'docs/examples/bgp-speaker.yaml';

describe('the podlab bgp config format', () => {
  it('the documented example loads, with the values it shows', () => {
    const r = parseSpeakerConfig(EXAMPLE, readFileSync(EXAMPLE, 'utf8'));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config).toMatchObject({ routerId: '10.0.0.1', localAS: 64512, listenPort: 1790, clusterId: '10.0.0.1' });
    expect(r.config.peers.map((p) => [p.address, p.as])).toEqual([['127.0.0.2', 64512], ['127.0.0.3', 64513]]);
    expect(r.config.announce?.map((a) => a.prefix)).toEqual(['192.0.2.0/24', '2001:db8::/32']);
  });

  it('documents every key the parser accepts, and the parser accepts every documented key', () => {
    const documented = [...DOC.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!);
    // The parser names its known keys when it meets an unknown one: ask it.
    const known = (where: string, text: string): string[] => {
      const r = parseSpeakerConfig('x.yaml', text);
      const line = r.ok ? '' : r.errors.find((e) => e.includes(`in ${where}`)) ?? '';
      return /expected one of: (.*)\)/.exec(line)?.[1]!.split(', ') ?? [];
    };
    const top = known('the config', 'routerId: 10.0.0.1\nlocalAS: 1\nbogus: 1\n');
    const peer = known('peers[0]', 'routerId: 10.0.0.1\nlocalAS: 1\npeers: [{address: 10.0.0.2, as: 2, bogus: 1}]\n');
    const announce = known('announce[0]', 'routerId: 10.0.0.1\nlocalAS: 1\nannounce: [{prefix: 10.0.0.0/8, bogus: 1}]\n');
    expect(top.length).toBeGreaterThan(5);
    expect(peer.length).toBeGreaterThan(5);
    expect(announce.length).toBeGreaterThan(3);
    expect(new Set(documented)).toEqual(new Set([...top, ...peer, ...announce]));
  });
});
