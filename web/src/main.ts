/** Entry point: start the lab store and mount the app; a recording picked from disk swaps in a store over that file. */
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { h } from './components/h.ts';
import { App } from './components/App.ts';
import { LabStore } from './data/store.ts';
import { readRecordingFile } from './data/recording-file.ts';
import { recordingSource } from './data/recording-source.ts';
import './styles.css';

performance.mark('podlab:script-start');
const server = new LabStore();
void server.start();

function Root() {
  const [{ store, gen }, setShown] = useState({ store: server, gen: 0 });
  const setStore = (next: LabStore): void => setShown((x) => ({ store: next, gen: x.gen + 1 }));
  const open = async (file: File): Promise<void> => {
    const rec = await readRecordingFile(file);
    const next = new LabStore(recordingSource(rec, file.name));
    await next.start();
    if (store !== server) store.close();
    setStore(next);
  };
  const close = (): void => {
    store.close();
    setStore(server);
  };
  // A new key per store: every panel starts fresh (cursor, selection) on another lab.
  return h(App, { key: gen, store, onOpen: open, ...(store !== server ? { onClose: close } : {}) });
}

createRoot(document.getElementById('root')!).render(h(Root));
