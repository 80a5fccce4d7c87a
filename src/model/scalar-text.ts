// How a value parsed from JSON or YAML reads as text: scalars as they are written, anything
// else (an object or list where a scalar was expected) as its JSON, never "[object Object]".

export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}
