/** Entry point: start the lab store and mount the app. */
import { createRoot } from 'react-dom/client';
import { h } from './components/h.ts';
import { App } from './components/App.ts';
import { LabStore } from './data/store.ts';
import './styles.css';

performance.mark('podlab:script-start');
const store = new LabStore();
void store.start();
createRoot(document.getElementById('root')!).render(h(App, { store }));
