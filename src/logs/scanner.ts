// Splits a byte stream into lines with bounded memory, counts them, and hands only the lines the
// prefilter picked to the sink, decoded as UTF-8 (invalid bytes become U+FFFD, so binary input
// is survived). Lines longer than maxLineBytes are cut: their first maxLineBytes are matched,
// the rest is skipped without being kept, and the cut is counted.
// Data lives in one reusable buffer: files are read straight into it (fill/commit), streams
// are copied in (push). Nothing else is allocated per line.

import type { FragmentPrefilter } from './prefilter.js';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const READ_BYTES = 4 * 1024 * 1024;
const NL = 10;

/**
 * Receives each picked line: its text, number, whether it was cut, and the ids of the prefilter
 * fragments it contains (ids[0..count); the array is reused, copy what you keep).
 */
export type LineSink = (text: string, lineNo: number, cut: boolean, ids: number[], count: number) => void;

export class LineScanner {
  lines = 0;
  bytes = 0;
  cutLines = 0;
  private readonly work: Buffer;
  private len = 0;
  /** Inside a line longer than the limit whose head was already handed over. */
  private skipping = false;
  private readonly starts: number[] = [];
  private readonly ids: number[] = [];

  constructor(
    private readonly prefilter: FragmentPrefilter,
    private readonly sink: LineSink,
    readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly readBytes = READ_BYTES,
  ) {
    if (!(maxLineBytes >= 16)) throw new Error('maxLineBytes must be at least 16');
    this.work = Buffer.allocUnsafeSlow(readBytes + maxLineBytes + 1);
  }

  /** Where the next read may write directly: call commit(n) after reading n bytes there. */
  fillTarget(): { buffer: Buffer; offset: number; length: number } {
    return { buffer: this.work, offset: this.len, length: this.work.length - this.len };
  }

  commit(n: number): void {
    this.len += n;
    this.bytes += n;
    this.process();
  }

  /** Copy a chunk in; lines are processed once enough bytes are pending, or at flush(). */
  push(chunk: Uint8Array, flush = false): void {
    let at = 0;
    while (at < chunk.length) {
      const room = this.work.length - this.len;
      const n = Math.min(room, chunk.length - at);
      this.work.set(chunk.subarray(at, at + n), this.len);
      this.len += n;
      this.bytes += n;
      at += n;
      if (this.len === this.work.length) this.process();
    }
    if (flush || this.len >= this.readBytes >> 2) this.process();
  }

  /** Process every complete line pending (a partial last line waits for its newline). */
  flush(): void {
    this.process();
  }

  /** End of input: a last line without a newline still counts. */
  end(): void {
    this.process();
    if (this.skipping) {
      this.lines++;
      this.skipping = false;
    } else if (this.len > 0) {
      this.lines++;
      const cut = this.len > this.maxLineBytes;
      if (cut) this.cutLines++;
      const stop = Math.min(this.len, this.maxLineBytes);
      if (this.prefilter.scan(this.work, 0, stop, this.starts) > 0) this.emit(0, stop, this.lines, cut);
    }
    this.len = 0;
  }

  private process(): void {
    const work = this.work;
    let from = 0;
    if (this.skipping) {
      const nl = work.indexOf(NL, 0);
      if (nl < 0 || nl >= this.len) {
        this.len = 0;
        return;
      }
      this.lines++;
      this.skipping = false;
      from = nl + 1;
    }
    const last = this.len > from ? work.lastIndexOf(NL, this.len - 1) : -1;
    if (last >= from) {
      this.scanRegion(from, last + 1);
      from = last + 1;
    }
    const rest = this.len - from;
    if (rest > this.maxLineBytes) {
      // A line longer than the limit and still growing: match its head now, skip the rest.
      this.cutLines++;
      const stop = from + this.maxLineBytes;
      if (this.prefilter.scan(work, from, stop, this.starts) > 0) this.emit(from, stop, this.lines + 1, true);
      this.skipping = true;
      this.len = 0;
      return;
    }
    if (from > 0 && rest > 0) work.copyWithin(0, from, this.len);
    this.len = rest;
  }

  /** [start, end) holds complete lines, end just past a newline. */
  private scanRegion(start: number, end: number): void {
    const work = this.work;
    const max = this.maxLineBytes;
    const starts = this.starts;
    const found = this.prefilter.scan(work, start, end, starts);
    let next = found > 0 ? starts[0] : -1;
    let ci = 0;
    let p = start;
    let lines = this.lines;
    while (p < end) {
      const nl = work.indexOf(NL, p);
      lines++;
      const long = nl - p > max;
      if (long) this.cutLines++;
      if (p === next) {
        this.lines = lines;
        this.emit(p, long ? p + max : nl, lines, long);
        next = ++ci < found ? starts[ci] : -1;
      }
      p = nl + 1;
    }
    this.lines = lines;
  }

  private emit(start: number, end: number, lineNo: number, cut: boolean): void {
    let e = end;
    if (e > start && this.work[e - 1] === 13) e--; // CRLF
    const count = this.prefilter.present(this.work, start, e, this.ids);
    this.sink(this.work.toString('utf8', start, e), lineNo, cut, this.ids, count);
  }
}
