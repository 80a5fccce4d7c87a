// A unified diff of two texts, as `diff -u` and `git diff` print it: `--- a/path`, `+++ b/path`,
// hunks with three lines of context. Pure. Lines are compared with Myers' algorithm after the
// common head and tail are set aside, so a one-line repair in a large file stays cheap.

export interface DiffOptions {
  /** Lines of context around each change (default 3). */
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; text: string; oldNo: number; newNo: number };

interface Lines {
  /** Line texts without their line feed. */
  texts: string[];
  /** True when the last line has no line feed after it. */
  noFinalNewline: boolean;
}

function splitLines(text: string): Lines {
  if (text === '') return { texts: [], noFinalNewline: false };
  const texts = text.split('\n');
  if (texts[texts.length - 1] === '') {
    texts.pop();
    return { texts, noFinalNewline: false };
  }
  return { texts, noFinalNewline: true };
}

/** The shortest edit script between a and b (indices into each), by Myers' O((N+M)D) algorithm. */
function myers(a: readonly string[], b: readonly string[]): ('=' | '-' | '+')[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v: Int32Array = new Int32Array(2 * max + 3);
  // The frontier of diagonal k: |k| <= max + 1, so offset + k is always inside v.
  const at = (k: number): number => v[offset + k]!;
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? at(k + 1) : at(k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    if (found) trace.push(v.slice());
  }
  // Walk back through the saved frontiers.
  const ops: ('=' | '-' | '+')[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d--) {
    v = trace[d]!; // d < trace.length - 1
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push('=');
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === prevX) {
      ops.push('+');
      y--;
    } else {
      ops.push('-');
      x--;
    }
  }
  while (x > 0 && y > 0) {
    ops.push('=');
    x--;
    y--;
  }
  return ops.reverse();
}

function editScript(a: Lines, b: Lines): Op[] {
  // The last line's missing line feed is part of its identity: "x" and "x\n" differ.
  const keys = (l: Lines) => l.texts.map((t, i) => (l.noFinalNewline && i === l.texts.length - 1 ? `${t}\u0000` : t));
  const ak = keys(a);
  const bk = keys(b);
  let head = 0;
  while (head < ak.length && head < bk.length && ak[head] === bk[head]) head++;
  let tail = 0;
  while (tail < ak.length - head && tail < bk.length - head && ak[ak.length - 1 - tail] === bk[bk.length - 1 - tail])
    tail++;
  const middle = myers(ak.slice(head, ak.length - tail), bk.slice(head, bk.length - tail));
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  const push = (kind: Op['kind']) => {
    // The edit script walks both texts exactly once, so i and j stay inside them.
    const text = (kind === '+' ? b.texts[j] : a.texts[i])!;
    ops.push({ kind, text, oldNo: i + 1, newNo: j + 1 });
    if (kind !== '+') i++;
    if (kind !== '-') j++;
  };
  for (let h = 0; h < head; h++) push(' ');
  for (const op of middle) push(op === '=' ? ' ' : op);
  for (let t = 0; t < tail; t++) push(' ');
  return ops;
}

function range(start: number, count: number): string {
  // An empty range names the line before it (0 at the top), as diff -u does.
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

/**
 * The unified diff turning `before` into `after`, or '' when they are equal. `path` names the
 * file in the `--- a/` and `+++ b/` headers (relative to the deployment directory is best).
 */
export function unifiedDiff(path: string, before: string, after: string, options: DiffOptions = {}): string {
  if (before === after) return '';
  const context = Math.max(0, options.context ?? 3);
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = editScript(a, b);
  const changed = ops.map((o, idx) => (o.kind !== ' ' ? idx : -1)).filter((idx) => idx >= 0);
  const out = [`--- a/${path}`, `+++ b/${path}`];

  // Group changes whose context would touch or overlap into one hunk.
  let g = 0;
  // changed[] holds indices into ops, and g and last stay below changed.length.
  const change = (index: number): number => changed[index]!;
  while (g < changed.length) {
    let last = g;
    while (last + 1 < changed.length && change(last + 1) - change(last) <= 2 * context + 1) last++;
    const from = Math.max(0, change(g) - context);
    const to = Math.min(ops.length - 1, change(last) + context);
    const slice = ops.slice(from, to + 1);
    const first = ops[from]!;
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    const oldStart = slice.find((o) => o.kind !== '+')?.oldNo ?? first.oldNo;
    const newStart = slice.find((o) => o.kind !== '-')?.newNo ?? first.newNo;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`);
    for (const o of slice) {
      out.push(`${o.kind}${o.text}`);
      const lastOld = o.kind !== '+' && a.noFinalNewline && o.oldNo === a.texts.length;
      const lastNew = o.kind !== '-' && b.noFinalNewline && o.newNo === b.texts.length;
      if ((o.kind === '-' && lastOld) || (o.kind === '+' && lastNew) || (o.kind === ' ' && (lastOld || lastNew))) {
        out.push('\\ No newline at end of file');
      }
    }
    g = last + 1;
  }
  return `${out.join('\n')}\n`;
}
