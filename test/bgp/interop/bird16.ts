/**
 * BIRD 1.6 for the interop tests: the shared unpacked copy (test/support/bird16.ts), with
 * birdc beside bird, or the reason it is unavailable.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bird16 as bird16Binary } from '../../support/bird16.ts';

/** Paths of BIRD 1.6's bird and birdc, or undefined (with the reason) when unavailable. */
export function bird16(): { bird: string; birdc: string } | { error: string } {
  try {
    const bird = bird16Binary();
    const birdc = join(dirname(bird), 'birdc');
    return existsSync(birdc) ? { bird, birdc } : { error: 'the bird package holds no usr/sbin/birdc' };
  } catch (e) {
    return { error: `cannot fetch BIRD 1.6: ${(e as Error).message}` };
  }
}
