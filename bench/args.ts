/**
 * A bench's command line: node's parseArgs, strict (an unknown option or a missing value exits 2
 * with the usage), `--help` / `-h` prints the usage and exits 0.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function benchArgs<O extends Options>(usage: string, options: O): ReturnType<typeof parseArgs<{ options: O }>>["values"] {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ options }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
}

/** A positive number from an option, or exit 2 naming it. */
export function positive(usage: string, name: string, value: string | undefined): number {
  const v = Number(value);
  if (!(v > 0)) {
    console.error(`--${name} must be a positive number, got ${value}\n${usage}`);
    process.exit(2);
  }
  return v;
}
