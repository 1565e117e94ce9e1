/**
 * What `podlab check` and `podlab diff` read: a topology, or a scenario (whose topology it
 * names and whose steps run before the check). Problems come from the existing loaders, so
 * they are file:line:col like `podlab validate` prints them.
 */
import { readFile } from 'node:fs/promises';
import { TopologyReadError } from '../model/load.ts';
import type { Problem } from '../model/types.ts';
import { loadCheckedTopology, loadScenario, looksLikeScenario, ScenarioReadError } from '../scenario/format.ts';
import type { CheckInput } from './run.ts';

/** A loaded check input, or its problems, or why the file could not be read. */
export type InputLoad =
  | { readonly input: CheckInput; readonly problems: readonly Problem[] }
  | { readonly input?: undefined; readonly problems: readonly Problem[]; readonly unreadable?: string };

/** Reads a topology or scenario file for a check. */
export async function loadCheckInput(file: string): Promise<InputLoad> {
  try {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (looksLikeScenario(text)) {
      const r = await loadScenario(file);
      return r.scenario ? { input: { file, topology: r.topology, scenario: r.scenario }, problems: r.problems } : { problems: r.problems };
    }
    const r = await loadCheckedTopology(file);
    return r.topology ? { input: { file, topology: r.topology }, problems: r.problems } : { problems: r.problems };
  } catch (e) {
    if (e instanceof TopologyReadError || e instanceof ScenarioReadError) return { problems: [], unreadable: e.message };
    throw e;
  }
}
