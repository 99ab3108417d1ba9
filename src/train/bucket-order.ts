/**
 * The order in which out-of-core training visits its edge buckets: a sequence of buffer states
 * (which C of the P entity partitions are in memory, in which slot) and, for each state, the
 * buckets (head partition, tail partition) trained while it is loaded. Every one of the P²
 * buckets is trained exactly once per epoch, when both its partitions are in the buffer.
 *
 * Marius' BETA ordering (Mohoney et al., OSDI 2021): fix C − 1 partitions in the buffer and swap
 * every partition not yet paired with them through the last slot, one load per state; then the
 * next C − 1 partitions become the fixed set. That takes about P² / (2 (C − 1)) loads per
 * epoch, against ~P² / 2 for a row-by-row order. Between fixed sets the buffer changes by as few
 * partitions as possible: the partitions already in memory keep their slots.
 */

export interface BufferState {
  /** partition held by each of the C slots (-1: an empty slot) */
  slots: number[];
  /** shape: [k][2] the (head partition, tail partition) buckets trained in this state */
  buckets: [number, number][];
}

/** BETA ordering of P partitions through a buffer of C (2 <= C <= P, or P = C = 1). */
export function betaOrder(P: number, C: number): BufferState[] {
  if (!Number.isInteger(P) || !Number.isInteger(C) || C > P || (C < 2 && P !== 1)) throw new RangeError(`buffer ${C} of ${P} partitions`);
  if (C === P) return [{ slots: range(0, P), buckets: bucketsAmong(range(0, P), new Set()) }];
  const fixedSize = C - 1;
  const wanted: number[][] = [];
  // fixed set g: partitions [g*(C-1), (g+1)*(C-1)); the swapped ones: every partition after it
  for (let start = 0; start < P; start += fixedSize) {
    const fixed = range(start, Math.min(P, start + fixedSize));
    const rest = range(fixed[fixed.length - 1]! + 1, P);
    if (rest.length === 0) {
      wanted.push(fixed);
      break;
    }
    for (const r of rest) wanted.push([...fixed, r]);
  }
  const done = new Set<number>();
  const states: BufferState[] = [];
  let slots = new Array<number>(C).fill(-1);
  for (const parts of wanted) {
    slots = placeInSlots(slots, parts);
    const buckets = bucketsAmong(parts, done, P);
    if (buckets.length > 0 || states.length === 0) states.push({ slots: [...slots], buckets });
  }
  return states;
}

/** Partition loads an ordering costs (the first state's loads included). */
export function countLoads(states: readonly BufferState[]): number {
  let loads = 0;
  let prev = new Set<number>();
  for (const s of states) {
    for (const p of s.slots) if (p >= 0 && !prev.has(p)) loads++;
    prev = new Set(s.slots);
  }
  return loads;
}

/** New slot contents holding `parts`: partitions already resident keep their slot. */
function placeInSlots(current: readonly number[], parts: readonly number[]): number[] {
  const next = current.map((p) => (parts.includes(p) ? p : -1));
  for (const p of parts) {
    if (next.includes(p)) continue;
    next[next.indexOf(-1)] = p;
  }
  return next;
}

/** The not-yet-done buckets among `parts` (both directions), marked done. */
function bucketsAmong(parts: readonly number[], done: Set<number>, P = parts.length): [number, number][] {
  const out: [number, number][] = [];
  for (const i of parts) {
    for (const j of parts) {
      const key = i * P + j;
      if (done.has(key)) continue;
      done.add(key);
      out.push([i, j]);
    }
  }
  return out;
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);
}
