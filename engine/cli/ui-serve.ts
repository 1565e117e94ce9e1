/**
 * What `podlab up` calls to put the web UI on a deployed lab: starts the UI server (building
 * web/dist first when it is stale), prints where to open it, and closes it on Ctrl-C.
 */
import { serveUi, type UiServer } from '../server/index.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';

export { serveUi };
export type { UiServer };

/** Serves the UI for `lab` on host:port (defaults 127.0.0.1:7878) and tells the user; resolves to the running server. */
export async function startUi(lab: SimLab, opts: { port?: number; host?: string } = {}): Promise<UiServer> {
  const ui = await serveUi(lab, { ...opts, log: (l) => process.stderr.write(`${l}\n`) });
  process.stderr.write(`podlab: web UI on ${ui.url}\n`);
  const stop = (): void => void ui.close().then(() => process.exit(130));
  process.once('SIGINT', stop);
  return ui;
}
