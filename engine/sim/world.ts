import type { Clock } from './clock.ts';
import type { TraceBus } from './trace.ts';
import type { Kernel } from './kernel.ts';
/** Placeholder, replaced by the fabric module. */
export interface World { readonly clock: Clock; readonly trace: TraceBus; kernel(name: string): Kernel | undefined }
