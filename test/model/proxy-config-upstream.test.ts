import { describe, expect, it } from 'vitest';
import { parseUpstream } from '../../src/model/proxy-config.js';

describe('parseUpstream: credentials in the authority', () => {
  it('names credentials as the problem and never echoes the password as a "port"', () => {
    const p = parseUpstream('http://admin:s3cretPassw0rd@10.0.0.1:80');
    expect(p.upstream).toBeNull();
    expect(p.severity).toBe('error');
    expect(p.problem).toMatch(/credentials/);
    expect(p.problem).not.toContain('s3cretPassw0rd');
    expect(parseUpstream('https://token@10.0.0.1:443').problem).toMatch(/credentials/);
  });
  it('an @ after the authority is not a credential', () => {
    expect(parseUpstream('http://10.0.0.1:80/a@b').problem).toMatch(/has a path/);
    expect(parseUpstream('http://10.0.0.1:8080').problem).toBeNull();
  });
});
