// The first element of a list a test expects to be there: a clear failure when it is not, and a
// value the type checker knows is defined (no `!` after the index).

export function first<T>(items: readonly T[], what = 'an element'): T {
  const [item] = items;
  if (item === undefined) throw new Error(`expected ${what}, got an empty list`);
  return item;
}
