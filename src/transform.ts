// What a transform is. Transforms see the project model and options, and
// return findings; they never write text themselves.
import type { Finding, HardenOptions, TransformMeta } from './types.js';
import type { Project } from './model.js';

export interface TransformContext {
  project: Project;
  options: HardenOptions;
  /** Whether another transform runs in this invocation (to hand over work, e.g. nginx images). */
  enabled(id: string): boolean;
}

export interface Transform {
  meta: TransformMeta;
  run(ctx: TransformContext): Finding[];
}
