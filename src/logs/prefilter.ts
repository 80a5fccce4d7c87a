// The byte prefilter: finds the lines that contain any of the signatures' literal fragments,
// in one pass over raw bytes, without decoding a line to a string. It is a Wu-Manber search:
// a window of m bytes (m = the shortest fragment) is chosen inside every fragment, and a table
// indexed by the last two bytes of the text window says how far the window can slide before
// one of the fragments' windows could end there. Typical log text slides m-1 bytes at a time,
// so most bytes are never looked at. Hits are confirmed byte by byte against the full fragment.

const NL = 10;

/** A rough frequency of each byte in log text, to pick the rarest window of each fragment. */
function byteWeight(c: number): number {
  if (c === 32) return 12;
  if (c >= 97 && c <= 122) return 'etaoinsrlcd'.includes(String.fromCharCode(c)) ? 7 : 3;
  if (c >= 48 && c <= 57) return 6;
  if (c === 34 || c === 58 || c === 61 || c === 45 || c === 46) return 4; // " : = - .
  if (c >= 65 && c <= 90) return 1.5;
  return 1;
}

export class FragmentPrefilter {
  /** The window length: the length of the shortest fragment (at least 2). */
  readonly m: number;
  private readonly shift: Uint8Array;
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly patStart: Int32Array;
  private readonly patLen: Int32Array;
  private readonly winOff: Int32Array;
  private readonly pats: Uint8Array;
  private readonly seen: Int32Array;
  private stamp = 0;
  /** The fragments searched for, in the order of the ids present() reports. */
  readonly fragments: readonly string[];

  constructor(fragments: readonly string[]) {
    const bufs = [...new Set(fragments)].map((f) => Buffer.from(f, 'utf8')).filter((b) => b.length >= 2);
    if (bufs.length === 0) throw new Error('the prefilter needs at least one fragment of two bytes or more');
    for (const b of bufs) if (b.includes(NL)) throw new Error('a fragment cannot contain a newline');
    this.fragments = bufs.map((b) => b.toString('utf8'));
    this.seen = new Int32Array(bufs.length);
    const m = Math.min(255, ...bufs.map((b) => b.length));
    this.m = m;
    const k = bufs.length;
    this.shift = new Uint8Array(65536).fill(m - 1);
    this.head = new Int32Array(65536).fill(-1);
    this.next = new Int32Array(k).fill(-1);
    this.patStart = new Int32Array(k);
    this.patLen = new Int32Array(k);
    this.winOff = new Int32Array(k);
    this.pats = new Uint8Array(bufs.reduce((n, b) => n + b.length, 0));
    let at = 0;
    bufs.forEach((b, j) => {
      this.pats.set(b, at);
      this.patStart[j] = at;
      this.patLen[j] = b.length;
      at += b.length;
      // The window whose two-byte blocks are rarest: the last block decides how often a hit
      // must be verified, the others how far the scan may jump.
      let best = 0;
      let bestCost = Infinity;
      for (let w = 0; w + m <= b.length; w++) {
        let cost = 0;
        for (let q = w + 1; q < w + m; q++) cost += byteWeight(b[q - 1] ?? 0) * byteWeight(b[q] ?? 0);
        cost += 6 * byteWeight(b[w + m - 2] ?? 0) * byteWeight(b[w + m - 1] ?? 0);
        if (cost < bestCost) {
          bestCost = cost;
          best = w;
        }
      }
      this.winOff[j] = best;
      for (let q = 1; q < m; q++) {
        const h = ((b[best + q - 1] ?? 0) << 8) | (b[best + q] ?? 0);
        const s = m - 1 - q;
        if (s < (this.shift[h] ?? 0)) this.shift[h] = s;
      }
      const h = ((b[best + m - 2] ?? 0) << 8) | (b[best + m - 1] ?? 0);
      this.next[j] = this.head[h] ?? -1;
      this.head[h] = j;
    });
  }

  /**
   * Push the start of every line in buf[start, end) that contains a fragment, in ascending order,
   * each line once. `start` must be the start of a line; lines end at '\n' or at `end`.
   * Returns the number of starts written into `out` (which grows as needed).
   */
  scan(buf: Buffer, start: number, end: number, out: number[]): number {
    const { shift, head, next, patStart, patLen, winOff, pats } = this;
    const m = this.m;
    let n = 0;
    let pos = start + m - 1;
    while (pos < end) {
      const h = ((buf[pos - 1] ?? 0) << 8) | (buf[pos] ?? 0);
      const s = shift[h] ?? 0;
      if (s !== 0) {
        pos += s;
        continue;
      }
      const winStart = pos - m + 1;
      let found = -1;
      for (let j = head[h] ?? -1; j !== -1; j = next[j] ?? -1) {
        const ps = winStart - (winOff[j] ?? 0);
        const len = patLen[j] ?? 0;
        if (ps < start || ps + len > end) continue;
        const pp = patStart[j] ?? 0;
        let i = 0;
        while (i < len && buf[ps + i] === pats[pp + i]) i++;
        if (i === len) {
          found = ps;
          break;
        }
      }
      if (found < 0) {
        pos++;
        continue;
      }
      const lineStart = found === start ? start : Math.max(start, lastIndexOfNl(buf, found - 1, start) + 1);
      out[n++] = lineStart;
      const nl = indexOfNl(buf, found, end);
      if (nl < 0) break;
      pos = nl + m; // next line's start + m - 1
    }
    return n;
  }

  /** The ids (indexes into `fragments`) of every fragment present in buf[start, end), each once. */
  present(buf: Buffer, start: number, end: number, out: number[]): number {
    const { shift, head, next, patStart, patLen, winOff, pats, seen } = this;
    const m = this.m;
    const stamp = ++this.stamp;
    let n = 0;
    for (let pos = start + m - 1; pos < end;) {
      const h = ((buf[pos - 1] ?? 0) << 8) | (buf[pos] ?? 0);
      const s = shift[h] ?? 0;
      if (s !== 0) {
        pos += s;
        continue;
      }
      const winStart = pos - m + 1;
      for (let j = head[h] ?? -1; j !== -1; j = next[j] ?? -1) {
        if (seen[j] === stamp) continue;
        const ps = winStart - (winOff[j] ?? 0);
        const len = patLen[j] ?? 0;
        if (ps < start || ps + len > end) continue;
        const pp = patStart[j] ?? 0;
        let i = 0;
        while (i < len && buf[ps + i] === pats[pp + i]) i++;
        if (i === len) {
          seen[j] = stamp;
          out[n++] = j;
        }
      }
      pos++;
    }
    return n;
  }
}

function indexOfNl(buf: Buffer, from: number, end: number): number {
  const i = buf.indexOf(NL, from);
  return i >= 0 && i < end ? i : -1;
}

function lastIndexOfNl(buf: Buffer, from: number, start: number): number {
  if (from < start) return start - 1;
  const i = buf.lastIndexOf(NL, from);
  return i >= start ? i : start - 1;
}
