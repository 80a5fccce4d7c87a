// Surgical edit of a Compose .env file: change one variable's value on the line that defines it
// (the last such line, the one Compose uses), keeping its quotes, `export` and trailing comment.
// Every other line stays byte for byte. Pure.

import { parseDotenv } from '../model/dotenv.js';
import { sameData } from './yaml-text.js';

/** The .env text with `name` set to `value`, or null when that cannot be written exactly. */
export function setDotenvValue(text: string, name: string, value: string): string | null {
  if (/[\r\n]/.test(value)) return null;
  const lines = text.split('\n');
  const def = new RegExp(`^(\\s*(?:export\\s+)?${name.replace(/[.]/g, '\\.')}\\s*=\\s*)(.*?)(\\r?)$`);
  let at = -1;
  lines.forEach((l, i) => {
    if (def.test(l)) at = i;
  });
  let after: string;
  if (at < 0) {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const needsValueQuotes = /[\s#'"]/.test(value);
    const line = `${name}=${needsValueQuotes ? `"${value}"` : value}`;
    after = text === '' ? `${line}${eol}` : text.endsWith('\n') ? `${text}${line}${eol}` : `${text}${eol}${line}${eol}`;
  } else {
    const [, head = '', rest = '', cr = ''] = def.exec(lines[at] ?? '') ?? [];
    let written: string;
    const q = rest[0];
    if ((q === '"' || q === "'") && rest.length >= 2 && rest.endsWith(q)) {
      if (value.includes(q)) return null;
      written = `${q}${value}${q}`;
    } else {
      const comment = /(\s+#.*)$/.exec(rest)?.[1] ?? '';
      if (/\s|#|^['"]/.test(value)) written = `"${value}"${comment}`;
      else written = `${value}${comment}`;
    }
    lines[at] = `${head}${written}${cr}`;
    after = lines.join('\n');
  }
  const want = { ...parseDotenv(text), [name]: value };
  return sameData(want, parseDotenv(after)) ? after : null;
}
