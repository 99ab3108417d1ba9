/**
 * Levenshtein distance (insert, delete, substitute: cost 1) between two strings, by UTF-16 code
 * unit, with an upper bound: the scan of a row stops as soon as every cell exceeds `bound`, so
 * ranking many far-apart names costs little. Returns bound + 1 for anything farther than bound.
 */
export function editDistance(a: string, b: string, bound = Number.MAX_SAFE_INTEGER): number {
  if (Math.abs(a.length - b.length) > bound) return bound + 1;
  let prev = new Int32Array(b.length + 1); // shape: [|b| + 1], distances of a[0..i) to b[0..j)
  let cur = new Int32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1));
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > bound) return bound + 1;
    [prev, cur] = [cur, prev];
  }
  return Math.min(prev[b.length]!, bound + 1);
}
