/**
 * Finds a busy UI port before a lab is deployed: `podlab up` on real nodes takes minutes to
 * deploy, and discovering only then that 7878 is taken throws all of that away. The probe
 * binds the port the UI server will bind (same host, same exclusivity) and releases it at
 * once; what another process takes in between is still reported by the server itself.
 */
import { createServer } from 'node:net';
import { InputError } from './args.ts';

/** The web UI's port when --port is not given (engine/server's default). */
export const DEFAULT_UI_PORT = 7878;

/** Throws InputError (one line naming the port and what to do) when host:port cannot be listened on. */
export async function ensurePortFree(port: number, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return; // any free port: nothing to collide with
  const why = await new Promise<string | undefined>((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
  if (why === undefined) return;
  if (why === 'EADDRINUSE') throw new InputError(`port ${port} is in use (another podlab up or replay?); choose one with --port N (0 picks a free one); nothing was deployed`);
  if (why === 'EACCES') throw new InputError(`no permission to listen on port ${port}; choose one above 1023 with --port N; nothing was deployed`);
  throw new InputError(`cannot listen on ${host}:${port} (${why}); choose another with --port N; nothing was deployed`);
}
