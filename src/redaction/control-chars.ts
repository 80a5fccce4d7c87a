// Control characters from input never reach a terminal or a file: a route key holding "clear
// the screen" or "set the window title" is shown as visible text (\x1b[2J), never obeyed. The
// tool's own colour codes are added after this, by the reporters, and survive the output edge.

/** C0 and C1 controls but tab and line feed, DEL, and the bidirectional overrides that reorder text on screen. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, but a CR right before an LF (a Windows line end) is kept. */
const CONTROL_BUT_CRLF = /\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** A colour or style sequence (SGR): the only escape sequence the tool itself writes to a terminal. */
const SGR = /\x1b\[[0-9;]*m/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Input text made safe to show: every control character written out as \xNN (line feeds and tabs kept). */
export function showControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * The last net at the output edge, for text that is already rendered: controls made visible,
 * except colour sequences when `keepColour` (a terminal) and Windows line ends.
 */
export function neutraliseControls(text: string, keepColour: boolean): string {
  if (!keepColour) return text.replace(CONTROL_BUT_CRLF, visible);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(SGR)) {
    out += text.slice(last, m.index).replace(CONTROL_BUT_CRLF, visible) + m[0];
    last = m.index + m[0].length;
  }
  return out + text.slice(last).replace(CONTROL_BUT_CRLF, visible);
}
