/** Logging to stderr, so stdout stays clean for tables and --json output. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
