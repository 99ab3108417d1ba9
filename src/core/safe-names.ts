import { KgcError } from "./errors.js";

/**
 * Dataset and model names become one path component (data/<name>/, models/<ds>/<model>/), so a
 * name is never allowed to be a path: no separators, not `.` or `..`, not empty, no NUL, at most
 * 255 bytes. `where` names the flag or file the name came from (a name read from a manifest is
 * checked like one typed by the user).
 */
export function checkArtefactName(name: string, where: string): string {
  const problem =
    name.length === 0 ? "is empty"
    : name === "." || name === ".." ? `'${name}' is not a name`
    : /[/\\]/.test(name) ? `'${name}' contains a path separator`
    : name.includes("\0") ? "contains a NUL character"
    : Buffer.byteLength(name, "utf8") > 255 ? "is longer than 255 bytes"
    : null;
  if (problem) throw new KgcError(where, `name ${problem} (a name must be one folder name: letters, digits, '-', '_', '.')`);
  return name;
}
