// The secret registry: what is registered where it is read is masked by value, in any case and
// across line breaks, for the run it was registered in only; what is not a secret (a path, a
// reference, a placeholder) is not registered, so findings that name it stay readable.

import { describe, expect, it } from 'vitest';
import { redact } from '../../src/redaction/redact.js';
import { registerSecretsIn, registerSecretValue } from '../../src/redaction/register.js';
import {
  activeSecretRegistry,
  registerSecret,
  SecretRegistry,
  withSecretRegistry,
} from '../../src/redaction/secret-registry.js';

const secret = 'Zq8vN2mXp4LkR7tYw1sB';

describe('secret registry', () => {
  it('masks a registered value in any case, cut, and broken over lines, and widens over its neighbours', () => {
    const r = new SecretRegistry();
    r.add(secret);
    expect(r.mask(`a ${secret} b`)).toBe('a [REDACTED] b');
    expect(r.mask(`x "${secret.toUpperCase()}"`)).toBe('x "[REDACTED]"');
    expect(r.mask(`cut: ${secret.slice(3, 16)}…`)).toBe('cut: [REDACTED]…');
    expect(r.mask(` TOKEN=${secret.slice(0, 7)}\n ${secret.slice(7)}\n`)).toBe(' TOKEN=[REDACTED]\n [REDACTED]\n');
    expect(r.mask('nothing of it here')).toBe('nothing of it here');
    expect(r.mask(`\x1b[32m${secret}\x1b[0m`)).toBe('\x1b[32m[REDACTED]\x1b[0m');
  });

  it('finds a secret broken over diff lines whatever starts each line: a diff marker, the secret, or both', () => {
    const r = new SecretRegistry();
    r.add('AA0AAAAA+AAAAAAA');
    // Found by fast-check: a marker line ("+ AAA") and a line the secret's own "+" starts.
    expect(r.mask('AA0AA\n+ AAA\n+AAAAAAA').replace(/\[REDACTED\]/g, '')).not.toMatch(/A/);
    r.add('Zq8vN2mXp4LkR7tYw1sB');
    expect(r.mask('     -K=Zq8vN2\n     +mXp4LkR\n      7tYw1sB\n')).toBe(
      '     -K=[REDACTED]\n     +[REDACTED]\n      [REDACTED]\n',
    );
  });

  it('belongs to one run: two runs side by side see only their own secrets', async () => {
    const other = 'Hk3nB8wQz5RvT1mXc9Lp';
    const run = (mine: string) =>
      withSecretRegistry(async () => {
        registerSecret(mine);
        await new Promise((r) => setTimeout(r, 5));
        return redact(`${secret} ${other}`);
      });
    const [a, b] = await Promise.all([run(secret), run(other)]);
    expect(a).toBe(`[REDACTED] ${other}`);
    expect(b).toBe(`${secret} [REDACTED]`);
    expect(activeSecretRegistry()).toBeUndefined();
    expect(redact(secret)).toBe(secret);
  });

  it('registers the values of secret-named fields and bare secrets, not paths, references or placeholders', () => {
    withSecretRegistry(() => {
      registerSecretsIn({
        private_key_file: '/data/tls.key',
        db_password: 'hunter2-Quokka',
        TUNNEL_TOKEN: '${TUNNEL_TOKEN}',
        api_key: 'your-api-key-here',
        routes: { wiki: 'http://10.0.0.1:80', note: secret },
      });
      registerSecretValue('<paste the token>');
      expect(redact('read /data/tls.key; ${TUNNEL_TOKEN}; your-api-key-here; http://10.0.0.1:80')).toBe(
        'read /data/tls.key; ${TUNNEL_TOKEN}; your-api-key-here; http://10.0.0.1:80',
      );
      expect(redact(`x hunter2-quokka y ${secret.toLowerCase()}`)).toBe('x [REDACTED] y [REDACTED]');
    });
  });
});
