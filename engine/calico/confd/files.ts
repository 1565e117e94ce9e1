/** The three BIRD files confd writes for a node, rendered together. */
import { renderBirdCfg } from './bird.ts';
import type { BirdRenderOptions } from './bird.ts';
import { renderBirdAggrCfg, renderBirdIpamCfg } from './bird-ipam.ts';
import { renderBird2Files } from './bird2.ts';
import type { BgpIntent } from './types.ts';

/** File name → text of bird.cfg, bird_aggr.cfg and bird_ipam.cfg for one node. */
export function renderBirdFiles(i: BgpIntent, opts: BirdRenderOptions = {}): Record<'bird.cfg' | 'bird_aggr.cfg' | 'bird_ipam.cfg', string> {
  return { 'bird.cfg': renderBirdCfg(i, opts), 'bird_aggr.cfg': renderBirdAggrCfg(i), 'bird_ipam.cfg': renderBirdIpamCfg(i, opts) };
}

/** Which BIRD reads the files: `bird1` = BIRD 1.6 (Calico's fork when `calicoFork`), `bird2` = BIRD 2.x. */
export interface BirdFilesOptions {
  readonly dialect: 'bird1' | 'bird2';
  readonly includeDir?: string;
  /** bird1 only: Calico's fork (krt_tunnel) rather than stock BIRD 1.6 (default false: stock). */
  readonly calicoFork?: boolean;
}

/** The three files for whichever BIRD the node has (see engine/runtime/linux/bird.ts findBird). */
export function renderBirdFilesFor(i: BgpIntent, opts: BirdFilesOptions): Record<'bird.cfg' | 'bird_aggr.cfg' | 'bird_ipam.cfg', string> {
  const inc = opts.includeDir !== undefined ? { includeDir: opts.includeDir } : {};
  if (opts.dialect === 'bird2') return renderBird2Files(i, inc);
  return renderBirdFiles(i, { ...inc, dialect: opts.calicoFork ? 'calico' : 'stock' });
}
