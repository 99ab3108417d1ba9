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

const SYSTEM_PROBLEMS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EISDIR: "is a folder, a file was expected",
  ENOTDIR: "a part of the path is not a folder",
  EEXIST: "already exists",
  ENOENT: "not found",
  ENOTEMPTY: "folder not empty",
  EMFILE: "too many open files",
};

/**
 * A Node system error (EACCES, ENOSPC, ...) as a KgcError naming the path it concerns, or null
 * when `err` is not one: the CLI's last line of defence, so an unforeseen I/O failure is still one
 * readable line rather than a stack trace.
 */
export function systemErrorAsKgc(err: unknown): KgcError | null {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (!(err instanceof Error) || typeof e.code !== "string" || typeof e.syscall !== "string") return null;
  const where = e.dest ?? e.path ?? e.syscall;
  return new KgcError(where, SYSTEM_PROBLEMS[e.code] ?? `${e.code} during ${e.syscall}`);
}
