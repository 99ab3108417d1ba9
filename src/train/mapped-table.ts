/**
 * A trained float32 table memory-mapped from its npy file instead of read into a typed array, for
 * scoring tables larger than the RAM or than an ArrayBuffer (4 GiB in Node 20; WikiKG90M at
 * d = 200: 87M x 200 floats = 70 GB). The addon maps the file read-only behind a handle (Node has
 * no mmap, and an ArrayBuffer cannot hold it); the kernel reads each query's candidate rows
 * straight from the mapping, and the page cache, not the process, decides which pages stay in
 * memory.
 */
import { nativeFirstNonFinite, nativeMapTable } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import type { MappedRows } from "../models/model-tables.js";
import { readNpyHeader } from "../io/npy.js";

/**
 * Above this size score, eval and predict map entity.npy; below it they read it. Measured on one
 * TransE-L2 model per size, d = 200, 40,000 x 1,001 test candidates, 1 thread (`make
 * bench-score-scale`): rows read into memory score 9-12% faster than mapped ones (transparent huge
 * pages on the heap, 4 KB pages on the mapping), but reading costs ~10 s per GB (mapping: ~0.4 s
 * per GB, the finiteness pass), so reading wins only below ~1.9e8 scores per GB of table: at
 * 80 MB (100k entities) the read path took 0.96x the mapped path's time, at 3.2 GB 2.7x.
 */
export const MAP_ABOVE_BYTES = 256 << 20;

/**
 * Maps `path`, a float32 npy table of shape [rows, width], after checking its header and that
 * every value is finite (one sequential native pass, which also brings the file into the page cache).
 * Returns null when the file is stored otherwise (another float dtype, a misaligned payload):
 * the caller reads and converts it in memory instead. `what` names the table in errors.
 */
export function mapFloat32Table(path: string, rows: number, width: number, what: string): MappedRows | null {
  let h;
  try {
    h = readNpyHeader(path);
  } catch (err) {
    throw new KgcError(path, `corrupt ${what} file (${err instanceof KgcError ? err.problem : (err as Error).message})`);
  }
  if (h.dtype !== "<f4" || h.dataOffset % 4 !== 0) return null;
  const shape = h.shape.length === 1 ? [h.shape[0]!, 1] : h.shape;
  if (shape.length !== 2 || shape[0] !== rows || shape[1] !== width) {
    throw new KgcError(path, `${what} has shape (${h.shape.join(", ")}), expected (${rows}, ${width})`);
  }
  const mapped: MappedRows = { ...nativeMapTable(path), byteOffset: h.dataOffset };
  const bad = nativeFirstNonFinite(mapped, rows * width);
  if (bad >= 0) throw new KgcError(path, `corrupt ${what} file (element ${bad} is not finite: NaN/Inf not allowed)`);
  return mapped;
}
