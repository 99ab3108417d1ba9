/**
 * KgcError: the one error type a user sees. It names the file (or argument) at fault and the
 * problem, so the CLI can print one clear line and exit non-zero.
 */
export class KgcError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "KgcError";
    this.file = file;
    this.problem = problem;
  }
}

/** Throws a KgcError when `condition` is false. */
export function check(condition: boolean, file: string, problem: string): asserts condition {
  if (!condition) throw new KgcError(file, problem);
}
