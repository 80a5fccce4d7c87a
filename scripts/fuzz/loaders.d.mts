// Types of loaders.mjs for the TypeScript test that imports it (test/fuzz/loaders.test.ts).
import type * as fc from 'fast-check';

export interface FuzzedLoader {
  name: string;
  inputs: fc.Arbitrary<string | Buffer>;
  run(input: string | Buffer): unknown;
}

/** The loaders under fuzzing, each with its input generator; `m` holds the project's functions by name. */
export function defineLoaders(m: Record<string, (...args: never[]) => unknown>): FuzzedLoader[];
