import { describe, expect, it } from 'vitest';
import { readAccess, runAs } from '../../src/model/container-view.js';

const user = (u: string, capDrop: string[] = ['ALL'], capAdd: string[] = []) => runAs({ user: u, capDrop, capAdd });
const file = (mode: number, uid: number, gid: number) => ({ mode: 0o100000 | mode, uid, gid });

describe('runAs: Config.User as Docker reports it', () => {
  it.each([
    ['65532:65532', 65532, 65532],
    ['65532', 65532, null],
    ['root', 0, null],
    ['app:app', null, null],
    ['1000:root', 1000, 0],
    ['', 0, 0],
  ] as const)('%j -> uid %s, gid %s', (text, uid, gid) => {
    expect(user(text)).toMatchObject({ uid, gid });
  });
  it('root keeps CAP_DAC_OVERRIDE by default, loses it with cap_drop ALL, and gets it back with cap_add', () => {
    expect(user('0', []).readsAll).toBe(true);
    expect(user('0', ['ALL']).readsAll).toBe(false);
    expect(user('0', ['dac_override']).readsAll).toBe(false);
    expect(user('0', ['ALL'], ['DAC_OVERRIDE']).readsAll).toBe(true);
    expect(user('0', ['ALL'], ['CAP_DAC_READ_SEARCH']).readsAll).toBe(true);
  });
});

describe('readAccess: the POSIX rules for one user', () => {
  it.each([
    ['the owner with u+r', '65532:65532', file(0o600, 65532, 65532), 'read'],
    ['the owner without u+r, even when others may read', '65532:65532', file(0o044, 65532, 0), 'denied'],
    ['the primary group with g+r', '65532:65532', file(0o640, 0, 65532), 'read'],
    ['the primary group without g+r, even when others may read', '65532:65532', file(0o604, 0, 65532), 'denied'],
    ['anyone else with o+r', '65532:65532', file(0o644, 0, 0), 'read'],
    ['anyone else, no group or other bit', '65532:65532', file(0o600, 0, 0), 'denied'],
    ['another group with g+r only: supplementary groups decide', '65532:65532', file(0o640, 0, 0), 'unknown'],
    ['another group without g+r but o+r: supplementary groups decide', '65532:65532', file(0o604, 0, 0), 'unknown'],
    ['a uid alone and the group bits decide', '65532', file(0o640, 0, 65532), 'unknown'],
    ['a name, and a file not readable by all', 'app', file(0o640, 0, 0), 'unknown'],
    ['a name, and a file readable by all', 'app', file(0o444, 0, 0), 'read'],
    ['root without CAP_DAC_OVERRIDE, not the owner', '0:0', file(0o600, 1000, 1000), 'denied'],
    ['root without CAP_DAC_OVERRIDE, the owner', '0:0', file(0o600, 0, 0), 'read'],
  ] as const)('%s', (_, who, stat, verdict) => {
    expect(readAccess(stat, user(who)).verdict).toBe(verdict);
  });
  it('root with its default capabilities reads a file with no bits at all', () => {
    expect(readAccess(file(0o000, 1000, 1000), user('0', [])).verdict).toBe('read');
  });
});
