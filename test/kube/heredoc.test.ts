/** Here-documents: how the lab shells feed `kubectl apply -f -` and `calicoctl apply -f -`. */
import { describe, expect, it } from 'vitest';
import { heredocTerminator, splitHeredoc } from '../../engine/sim/tools/heredoc.ts';
import { checkCommand } from '../../engine/server/validate.ts';

describe('here-documents', () => {
  it('finds the terminator of <<EOF, <<\'EOF\', <<"EOF", <<-EOF and nothing else', () => {
    expect(heredocTerminator('kubectl apply -f - <<EOF')).toBe('EOF');
    expect(heredocTerminator("kubectl apply -f - <<'END'")).toBe('END');
    expect(heredocTerminator('calicoctl apply -f - <<"X"')).toBe('X');
    expect(heredocTerminator('kubectl apply -f - <<-EOF')).toBe('EOF');
    expect(heredocTerminator('echo "a << b"')).toBeUndefined();
    expect(heredocTerminator('kubectl get pods')).toBeUndefined();
  });

  it('splits the command line from its document, as bash passes it to stdin', () => {
    expect(splitHeredoc('kubectl apply -f - <<EOF\nkind: Pod\nmetadata:\n  name: a\nEOF')).toEqual({ line: 'kubectl apply -f -', stdin: 'kind: Pod\nmetadata:\n  name: a\n' });
    expect(splitHeredoc('kubectl apply -f - <<-EOF\n\tkind: Pod\n\tEOF\nignored')).toEqual({ line: 'kubectl apply -f -', stdin: 'kind: Pod\n' });
    // End of input without the terminator: bash runs it anyway.
    expect(splitHeredoc('kubectl apply -f - <<EOF\nkind: Pod\n')).toEqual({ line: 'kubectl apply -f -', stdin: 'kind: Pod\n' });
    expect(splitHeredoc('kubectl get pods')).toEqual({ line: 'kubectl get pods' });
  });

  it('the API takes several lines only when the first opens a here-document', () => {
    expect(checkCommand('kubectl apply -f - <<EOF\nkind: Pod\nEOF')).toBe('kubectl apply -f - <<EOF\nkind: Pod\nEOF');
    expect(() => checkCommand('ip route\nip link')).toThrow(/must be one line/);
  });
});
