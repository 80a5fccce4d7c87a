// Marks and colours for human output. Colour is never the only signal: every status has a
// mark and a word too.

import { Chalk } from 'chalk';
import type { Status } from '../core/types.js';

export interface Style {
  status(s: Status): string;
  bold(t: string): string;
  dim(t: string): string;
  red(t: string): string;
  yellow(t: string): string;
  green(t: string): string;
}

const MARKS: Record<Status, string> = { pass: '✔', warn: '▲', fail: '✖', skip: '○', error: '☠' };

export function makeStyle(color: boolean): Style {
  const c = new Chalk({ level: color ? 1 : 0 });
  const paint: Record<Status, (t: string) => string> = {
    pass: c.green,
    warn: c.yellow,
    fail: c.red,
    skip: c.dim,
    error: c.magenta,
  };
  return {
    status: (s) => paint[s](`${MARKS[s]} ${s.padEnd(5)}`),
    bold: c.bold,
    dim: c.dim,
    red: c.red,
    yellow: c.yellow,
    green: c.green,
  };
}
