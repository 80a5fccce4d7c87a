// PEM output (RFC 7468): the label's BEGIN line, base64 in lines of 64 characters, the END
// line, and a final newline. The tolerant reader for the other direction is src/pki/pem.ts.

export function pemEncode(label: string, der: Uint8Array): string {
  if (!/^[A-Z0-9][A-Z0-9 ]*$/.test(label)) throw new RangeError(`"${label}" is not a PEM label`);
  const body =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...body, `-----END ${label}-----`, ''].join('\n');
}
