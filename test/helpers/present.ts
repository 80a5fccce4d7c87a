// Narrowing for tests under noUncheckedIndexedAccess: what a test reads from an array, a match or
// a parsed report must be there, or the test fails here with what was missing.

import { expect } from 'vitest';

/** The value, required to be there (neither undefined nor null): fails the test otherwise. */
export function present<T>(value: T, what = 'the value'): NonNullable<T> {
  expect(value, `${what} is missing`).toBeDefined();
  expect(value, `${what} is missing`).not.toBeNull();
  return value as NonNullable<T>;
}

/** The first element of a list the test expects to hold one: fails the test when it is empty. */
export function first<T>(items: readonly T[], what = 'the first element'): NonNullable<T> {
  return present(items[0], what);
}
