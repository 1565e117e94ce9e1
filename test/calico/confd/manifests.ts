/**
 * Test helper: YAML text (several `---` documents) → CalicoManifest list with the real line
 * and column of each document, the way the topology reader hands manifests to us.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import type { CalicoManifest } from '../../../engine/model/types.ts';

/** Parses multi-document YAML into manifests located in `file`. */
export function manifests(yaml: string, file = 'lab.yaml'): CalicoManifest[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(yaml, { lineCounter: lc });
  const out: CalicoManifest[] = [];
  for (const d of docs) {
    const m = d.toJSON() as Record<string, unknown> | null;
    if (!m) continue;
    const start = d.contents?.range[0] ?? 0;
    const pos = lc.linePos(start);
    const md = m.metadata as { name?: string } | undefined;
    out.push({
      apiVersion: String(m.apiVersion),
      kind: String(m.kind),
      ...(md?.name !== undefined ? { name: md.name } : {}),
      manifest: m,
      loc: { file, line: pos.line, col: pos.col },
    });
  }
  return out;
}
