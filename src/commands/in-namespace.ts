// The hidden command `__in-namespace <task>`, run by src/probes/network-namespace.ts under
// nsenter: it reads one JSON request on stdin ({payload, timeoutMs}), runs the task from the
// table, and prints one JSON answer: {"ok":true,"value":...} or {"ok":false,"detail":"..."}.

import { describeError } from '../core/errors.js';
import { NAMESPACE_TASKS } from '../probes/namespace-tasks.js';

/** A request larger than this is not one the doctor sent. */
const REQUEST_MAX_BYTES = 1024 * 1024;

async function readRequest(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > REQUEST_MAX_BYTES) throw new Error(`the request is larger than ${REQUEST_MAX_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function runInNamespaceTask(
  task: string,
  stdin: NodeJS.ReadableStream,
  out: (text: string) => void,
): Promise<number> {
  const run = Object.hasOwn(NAMESPACE_TASKS, task) ? NAMESPACE_TASKS[task] : undefined;
  let answer: { ok: true; value: unknown } | { ok: false; detail: string };
  if (!run) answer = { ok: false, detail: `no namespace task named ${JSON.stringify(task)}` };
  else {
    try {
      const request = JSON.parse(await readRequest(stdin)) as { payload?: unknown; timeoutMs?: unknown };
      const timeoutMs = typeof request.timeoutMs === 'number' && request.timeoutMs > 0 ? request.timeoutMs : 5000;
      answer = { ok: true, value: await run(request.payload, timeoutMs) };
    } catch (err) {
      answer = { ok: false, detail: describeError(err) };
    }
  }
  out(`${JSON.stringify(answer)}\n`);
  return answer.ok ? 0 : 1;
}
