import { openSync } from "node:fs";
import { KgcError } from "../core/errors.js";

/** Opens a file for reading; a missing or unreadable file is a KgcError naming it. */
export function openForRead(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KgcError(path, code === "ENOENT" ? "file not found" : `cannot open (${code ?? String(err)})`);
  }
}
