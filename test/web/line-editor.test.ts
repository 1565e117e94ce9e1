/** The browser terminal's line editing: what the keys do to the line and what they echo. */
import { describe, expect, it } from 'vitest';
import { LineEditor } from '../../web/src/domain/line-editor.ts';

describe('LineEditor', () => {
  it('edits at the cursor and echoes a redraw', () => {
    const e = new LineEditor();
    e.key('ip rout');
    e.key('\x1b[D'); // ←
    e.key('\x7f'); // Backspace removes the 'u'
    expect(e.line).toBe('ip rot');
    e.key('u');
    expect(e.line).toBe('ip rout');
    expect(e.key('\x1b[C')).toBe('\x1b[C');
    e.key('e');
    expect(e.submit()).toBe('ip route');
    expect(e.line).toBe('');
  });

  it('browses the history with ↑/↓ and comes back to the draft', () => {
    const e = new LineEditor();
    for (const l of ['ping -c 1 10.0.0.1', 'ip route']) { e.key(l); e.submit(); }
    e.key('bri');
    e.key('\x1b[A');
    expect(e.line).toBe('ip route');
    e.key('\x1b[A');
    expect(e.line).toBe('ping -c 1 10.0.0.1');
    expect(e.key('\x1b[A')).toBe(''); // the oldest: nothing changes
    e.key('\x1b[B');
    e.key('\x1b[B');
    expect(e.line).toBe('bri');
  });

  it('drops control characters from pasted text and ignores unknown escapes', () => {
    const e = new LineEditor();
    e.key('ip\x00 a\x07');
    expect(e.line).toBe('ip a');
    expect(e.key('\x1b[15~')).toBeUndefined();
    e.clear();
    expect(e.line).toBe('');
  });
});
