import { describe, expect, it } from 'vitest';
import { redact, redactValue } from '../../src/redaction/redact.js';

const token = Buffer.from(
  JSON.stringify({
    a: '0123456789abcdef0123456789abcdef',
    t: '11111111-2222-3333-4444-555555555555',
    s: Buffer.from('x'.repeat(32)).toString('base64'),
  }),
).toString('base64');
const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz';

describe('redact', () => {
  it.each([
    ['a bare tunnel token', `cloudflared --token ${token}`, token],
    ['a tunnel token in an assignment', `TUNNEL_TOKEN=${token}`, token],
    ['a token inside text', `value was ${token} here`, token],
    ['a JWT', `assertion ${jwt}`, jwt],
    ['an API key', 'key sk-ant-api03-AbCdEfGhIjKlMnOp-xyz', 'sk-ant-api03-AbCdEfGhIjKlMnOp-xyz'],
    ['a password in a URL', 'dial https://alice:s3cr3tpass@db.internal:5432/', 's3cr3tpass'],
    ['a JSON secret field', '{"client_secret": "abcdef123456"}', 'abcdef123456'],
    ['a bearer header', 'Authorization: Bearer abcdefghijklmnop', 'abcdefghijklmnop'],
  ])('removes %s', (_name, input, secret) => {
    const out = redact(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('removes a private key block, even a truncated one', () => {
    const key =
      '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
    expect(redact(`x ${key} y`)).not.toContain('MIGHAgEA');
    expect(redact('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB')).not.toContain('MHcCAQEEIB');
  });

  it('leaves ordinary log text and identifiers alone', () => {
    const line =
      '2026-01-01T00:00:00Z INF Registered tunnel connection connIndex=0 connection=11111111-2222-3333-4444-555555555555 location=ams01 protocol=quic';
    expect(redact(line)).toBe(line);
    expect(redact('tls_key: /data/tls.key')).toBe('tls_key: /data/tls.key');
  });

  it('is idempotent and removes extra secrets it is told about', () => {
    const once = redact(`x TUNNEL_TOKEN=${token}`);
    expect(redact(once)).toBe(once);
    expect(redact('the value hunter22 is here', ['hunter22'])).not.toContain('hunter22');
  });
});

describe('redact: private keys in every shape', () => {
  const body = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgabcdefghijklmnop';
  it('inside a JSON string with escaped newlines', () => {
    const json = JSON.stringify({
      example: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`,
      next: 'kept',
    });
    const out = redact(json);
    expect(out).not.toContain(body.slice(0, 20));
    expect(JSON.parse(out).next).toBe('kept');
  });
  it('keeps a mere mention of the header and everything after it', () => {
    const text = JSON.stringify({
      cause: 'the file holds a -----BEGIN PRIVATE KEY----- block, not a certificate',
      other: 'still here',
    });
    expect(redact(text)).toBe(text);
  });
  it('an encrypted traditional key with its headers', () => {
    const key = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(redact(key)).not.toContain(body.slice(0, 20));
  });
});

describe('redact: references are not secrets', () => {
  it('keeps ${VAR} and $VAR references readable', () => {
    expect(redact('TUNNEL_TOKEN: ${TUNNEL_TOKEN}')).toBe('TUNNEL_TOKEN: ${TUNNEL_TOKEN}');
    expect(redact('- TUNNEL_TOKEN=$TUNNEL_TOKEN')).toBe('- TUNNEL_TOKEN=$TUNNEL_TOKEN');
    expect(redact('TUNNEL_TOKEN=abcdefghijkl')).not.toContain('abcdefghijkl');
  });
});

describe('redact: prose and report syntax are not assignments', () => {
  it('keeps "id: Title" prose and a workflow command separator, still redacts real values', () => {
    for (const text of [
      'tunnel-token: Tunnel token is present and well formed',
      'TUNNEL_TOKEN: standard base64 of a JSON object',
      '::error title=tunnel-token::cloudflared starts, but the edge refuses it',
    ]) {
      expect(redact(text)).toBe(text);
    }
    expect(redact('password: letmein')).toBe('password: [REDACTED]');
    expect(redact('password: hunter22 is wrong')).toBe('password: [REDACTED] is wrong');
    expect(redact('Authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe('Authorization: Basic [REDACTED]');
  });

  it('redactValue redacts every string of a report, keys included, and leaves the rest', () => {
    const value = {
      a: [`key sk-ant-api03-${'x'.repeat(20)}`, 3, null, true],
      [`TUNNEL_TOKEN=${token}`]: { deep: `x ${jwt}` },
    };
    const out = redactValue(value);
    expect(JSON.stringify(out)).not.toContain('x'.repeat(20));
    expect(JSON.stringify(out)).not.toContain(token);
    expect(JSON.stringify(out)).not.toContain(jwt);
    expect((out.a as unknown[]).slice(1)).toEqual([3, null, true]);
    expect(value.a[0]).toContain('x'.repeat(20));
  });
});
