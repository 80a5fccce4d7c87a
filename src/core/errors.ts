// Errors the CLI turns into exit codes, in one place (0 clean, 1 findings, 2 usage / tool errors).

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** A problem with how the tool was called or an input the user named: exit 2, no stack trace. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
