// How the Go programs the lab stands in for (cloudflared, the vendor's proxy) word a failed system
// call: `open /data/tls.key: permission denied`, `dial tcp 127.0.0.1:8080: connect: connection
// refused`. The doctor's log signatures match these words, so both stand-ins take them from here.

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENETUNREACH: 'network is unreachable',
  EHOSTUNREACH: 'no route to host',
  EADDRINUSE: 'address already in use',
};

/** Go's text for a Node error's errno code (its message when the code is not one listed). */
function goErrnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code !== undefined ? ERRNO_TEXT[e.code] : undefined) ?? e.message ?? String(err);
}

/** `open <path>: <errno text>`, as os.Open fails. */
export function goOpenError(path: string, err: unknown): string {
  return `open ${path}: ${goErrnoText(err)}`;
}

/** `dial tcp <addr>: connect: <errno text>` or `dial tcp <addr>: i/o timeout`, as net.Dial fails. */
export function goDialError(address: string, err: unknown): string {
  if (err === 'timeout') return `dial tcp ${address}: i/o timeout`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
  return `dial tcp ${address}: connect: ${goErrnoText(err)}`;
}

/** A Go-quoted value when it needs quotes (spaces, quotes, '='), as logfmt writers do. */
export function logfmtValue(v: string | number | boolean): string {
  const s = String(v);
  return s === '' || /[\s"=\\]/.test(s) ? JSON.stringify(s) : s;
}
