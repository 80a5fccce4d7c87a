// The last resort of a doctor run: anything that escapes the probes' guards during the run (an
// uncaught throw in a callback, an unhandled rejection) becomes an `error` result, and the report
// is still printed. The run happens in a child process (test/lab/escape-child.mjs), so the escape
// is a real one, not one vitest catches. It runs the build (npm test builds first).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/core/types.js';
import { cleanEnv, ROOT } from '../helpers/exec.js';
import { present } from '../helpers/present.js';

describe('last resort during a doctor run', () => {
  it('a throw in a timer and an unhandled rejection: error results, the report printed', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'test/lab/escape-child.mjs')], {
      cwd: ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(r.stderr).not.toMatch(/thrown on purpose|rejected on purpose/);
    expect(r.status).toBe(0);
    const { code, stdout } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: number; stdout: string };
    const report = JSON.parse(stdout) as DoctorReport;
    const errored = report.results.filter((x) => x.status === 'error');
    expect(errored.length).toBeGreaterThan(0);
    expect(present(errored[0]).reason).toMatch(/thrown on purpose in a timer.*rejected on purpose/);
    expect(report.summary.error).toBe(errored.length);
    expect([1, 2]).toContain(code);
  }, 40000);
});
