import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The runtime tier's files start first: they are the longest, and mostly wait
 * on the engine. Without timings from an earlier run (a fresh CI machine)
 * vitest starts the largest files first, and the runtime files, small as
 * source, would start last and set the run's length.
 */
class RuntimeTierFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isRuntime = (f: TestSpecification) => f.moduleId.replace(/\\/g, '/').includes('/test/runtime/');
    return [...sorted.filter(isRuntime), ...sorted.filter((f) => !isRuntime(f))];
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: CLI and git subprocess tests share two cores with the runtime tier's image builds
    // (and, on a shared host, with other builds); no test asserts on time.
    testTimeout: 180_000,
    // Two cores on CI: forks keep memory and crash isolation simple.
    pool: 'forks',
    // The runtime tier (test/runtime/) spends its time waiting on the Docker Engine (builds,
    // start-up, health, settling): workers of its own keep its files from queuing behind the
    // unit tests and each other (vitest's default on two cores is a single worker).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    sequence: { sequencer: RuntimeTierFirst },
  },
});
