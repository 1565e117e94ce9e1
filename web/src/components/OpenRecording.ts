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

/**
 * Over the topology of a replayed recording that has neither `kube.pod` nor `lab.snapshot`
 * events (made by a podlab from before runs recorded them): without it the drawing simply
 * has no pods and nothing says why. Names the cause and the command that re-records it.
 */
export function OldRecordingBanner(p: { readonly scenarioFile?: string }) {
  const rerecord = `podlab run ${p.scenarioFile ?? 'SCENARIO'} --record FILE.podlab`;
  return h('div', {
    className: 'old-recording', role: 'status', 'data-testid': 'old-recording',
    style: { position: 'absolute', left: 8, top: 8, right: 190, zIndex: 2, padding: '6px 10px', borderRadius: 4, fontSize: 12,
      background: 'rgba(60,48,20,0.92)', border: '1px solid #c9b27a', color: '#f0e2b8', pointerEvents: 'auto' },
  },
  'Old recording format: this file was made before podlab recorded pods (kube.pod events) and per-step node state ',
  '(lab.snapshot events), so no pods are drawn and the inspector shows no recorded output. Re-record it with ',
  h('code', null, rerecord), ' to see them.');
}
