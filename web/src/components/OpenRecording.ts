/**
 * The header's "open recording…" button: a file input for `*.podlab` files. The file is read
 * and decoded in the browser (no upload); errors say why the file cannot be shown.
 */
import { useRef, useState } from 'react';
import { h } from './h.ts';

/** File picker for recordings, and the way back to the server's lab. */
export function OpenRecording(p: { readonly onOpen: (file: File) => Promise<void>; readonly onClose?: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const picked = async (files: FileList | null) => {
    const f = files?.[0];
    if (!f) return;
    setBusy(true);
    setError(undefined);
    try {
      await p.onOpen(f);
    } catch (e) {
      setError(`${f.name}: ${(e as Error).message}`);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = ''; // the same file can be picked again
    }
  };
  return h('span', { className: 'open-recording' },
    h('button', { onClick: () => input.current?.click(), disabled: busy, title: 'show a recording made by podlab run --record (read in this browser, not uploaded)', 'data-testid': 'open-recording' },
      busy ? 'opening…' : 'open recording…'),
    h('input', { ref: input, type: 'file', accept: '.podlab', hidden: true, 'data-testid': 'recording-file', onChange: (ev: { target: HTMLInputElement }) => void picked(ev.target.files) }),
    p.onClose && h('button', { onClick: p.onClose, title: "back to the server's lab", 'data-testid': 'close-recording' }, 'back to the lab'),
    error && h('span', { className: 'bad', 'data-testid': 'recording-error' }, ` ${error}`));
}
