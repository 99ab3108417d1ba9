/**
 * A set of (h, r, t) triples for the synthetic generator: open addressing with linear probing
 * over one Float64Array of keys, key = (h·R + r)·E + t (exact while E²·R < 2^53, which the options
 * check). About 8 bytes per slot at load ≤ 1/2, and no per-entry objects, so millions of triples
 * are checked in well under a second.
 */
export class TripleKeySet {
  private readonly keys: Float64Array; // shape: [capacity], −1 = empty slot
  private readonly mask: number;
  private count = 0;

  constructor(
    private readonly numEntities: number,
    private readonly numRelations: number,
    expected: number,
  ) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** key = (h·R + r)·E + t */
  keyOf(h: number, r: number, t: number): number {
    return (h * this.numRelations + r) * this.numEntities + t;
  }

  has(h: number, r: number, t: number): boolean {
    const key = this.keyOf(h, r, t);
    for (let slot = this.slotOf(key); ; slot = (slot + 1) & this.mask) {
      const k = this.keys[slot]!;
      if (k === key) return true;
      if (k === -1) return false;
    }
  }

  /** Inserts the triple; returns false when it was already present. */
  add(h: number, r: number, t: number): boolean {
    const key = this.keyOf(h, r, t);
    for (let slot = this.slotOf(key); ; slot = (slot + 1) & this.mask) {
      const k = this.keys[slot]!;
      if (k === key) return false;
      if (k === -1) {
        if ((this.count + 1) * 2 > this.keys.length) throw new Error(`TripleKeySet: more than ${this.keys.length / 2} triples`);
        this.keys[slot] = key;
        this.count++;
        return true;
      }
    }
  }

  /** Mixes the low and high 32-bit halves of the key (murmur3 finaliser). */
  private slotOf(key: number): number {
    const lo = key % 4294967296;
    const hi = (key - lo) / 4294967296;
    let x = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) & this.mask;
  }
}
