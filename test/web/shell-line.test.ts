/** The lab shell's language, shared by `podlab up`'s terminal and the browser's. */
import { describe, expect, it } from 'vitest';
import { completeLine, interpretLine } from '../../engine/cli/shell-line.ts';

const nodes = ['master-01', 'worker-01', 'pod-a', 'pod-b'];
const isNode = (n: string): boolean => nodes.includes(n);

describe('interpretLine', () => {
  it('answers help and use as the shell does, and runs a bare command on the node in use', () => {
    expect(interpretLine('help', undefined, isNode)).toEqual({ kind: 'help' });
    expect(interpretLine('use worker-01', 'master-01', isNode)).toEqual({ kind: 'use', node: 'worker-01' });
    expect(interpretLine('use nope', 'master-01', isNode)).toEqual({ kind: 'say', text: "use: no node 'nope' (try 'nodes')\n" });
    expect(interpretLine('ip route', 'master-01', isNode)).toEqual({ kind: 'exec', node: 'master-01', command: 'ip route' });
    expect(interpretLine('pod-a ping -c1 10.5.0.1', 'master-01', isNode)).toEqual({ kind: 'exec', node: 'pod-a', command: 'ping -c1 10.5.0.1' });
    expect(interpretLine('pod-b', 'master-01', isNode)).toEqual({ kind: 'use', node: 'pod-b' });
    expect(interpretLine('ip route', undefined, isNode).kind).toBe('say');
    expect(interpretLine('  # a comment', undefined, isNode)).toEqual({ kind: 'none' });
  });
});

describe('completeLine', () => {
  it('completes node names, shell words and tools by position', () => {
    expect(completeLine('wor', nodes, undefined)).toEqual({ line: 'worker-01 ', candidates: ['worker-01'] });
    expect(completeLine('use po', nodes, undefined)).toEqual({ line: 'use pod-', candidates: ['pod-a', 'pod-b'] });
    expect(completeLine('master-01 cal', nodes, undefined).line).toBe('master-01 calicoctl ');
    expect(completeLine('bir', nodes, 'master-01')).toEqual({ line: 'birdc', candidates: ['birdc', 'birdcl'] });
    expect(completeLine('he', nodes, undefined).line).toBe('help ');
    expect(completeLine('zzz', nodes, undefined)).toEqual({ line: 'zzz', candidates: [] });
  });
});
