// Probes report what they cannot read or use as typed facts; only src/commands turns them into
// usage errors (exit 2).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refuseUnreadableInputs } from '../../src/commands/explicit-inputs.js';
import { UsageError } from '../../src/core/errors.js';
import { gatherStaticFacts } from '../../src/probes/deployment.js';
import { createDnsClient } from '../../src/probes/dns-resolver.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-typed-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gather = (over: Record<string, unknown>) =>
  gatherStaticFacts({ dir, dirExplicit: true, values: [], offline: true, env: {}, now: new Date(), ...over });

describe('explicitly named inputs that cannot be read', () => {
  it('are facts (missing, explicit) from the probe, and a usage error naming the flag from the command', () => {
    const compose = join(dir, 'nope.yaml');
    const facts = gather({ compose, tokenFile: join(dir, 'no-token') });
    expect(facts.compose).toEqual({ state: 'missing', path: compose, explicit: true });
    expect(facts.token).toMatchObject({ state: 'missing', explicit: true });
    expect(() => refuseUnreadableInputs(facts, undefined)).toThrow(
      new UsageError(`--compose ${compose}: no such file`),
    );
  });

  it('reports them in the order the doctor reads them, and a directory given as a file as unreadable', () => {
    const facts = gather({ key: dir, tokenFile: join(dir, 'no-token') });
    expect(facts.privateKey).toMatchObject({ state: 'unreadable', explicit: true });
    expect(() => refuseUnreadableInputs(facts, undefined)).toThrow(/^--key /);
  });

  it('a --dir that is no directory is refused before any file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const facts = gather({ dir: file });
    expect(() => refuseUnreadableInputs(facts, { given: 'a-file', path: file })).toThrow(
      new UsageError('--dir a-file: not a directory'),
    );
    expect(() => refuseUnreadableInputs(facts, { given: 'gone', path: join(dir, 'gone') })).toThrow(
      /no such directory/,
    );
  });

  it('files found by discovery that are missing are no usage error', () => {
    expect(() => refuseUnreadableInputs(gather({}), { given: '.', path: dir })).not.toThrow();
  });
});

describe('a DNS server that does not parse', () => {
  it('makes every lookup a typed failure instead of a throw', async () => {
    const client = createDnsClient(['not-an-address']);
    const answer = await client.a('example.invalid', 100);
    expect(answer).toMatchObject({ ok: false, failure: 'error', detail: expect.stringContaining('not-an-address') });
    expect(await client.ipv4('example.invalid', 100)).toMatchObject({ ok: false, failure: 'error' });
  });
});
