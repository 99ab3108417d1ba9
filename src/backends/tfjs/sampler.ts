/**
 * The batch sampler of the native engine's single thread (src/native/common/engine.cc,
 * trainSteps with one thread), replicated draw for draw so both backends see the same batches
 * from the same counters: positives walked through data.perm (the permutation reshuffled when the
 * cursor leaves it), head and tail corruption alternating by the local step, and per group of
 * negChunk query rows N negatives, the first dataNegatives of each group the corrupted side of
 * random training triples, the rest uniform entities. The tfjs backend is one stream, so it reads
 * and writes thread 0's slots of the counters (cursor, local step, RNG words).
 */
import type { TrainConfig } from "../../models/config.js";
import type { ExplicitBatch, TrainCounters, TrainTriples } from "../backend.js";
import { negativeCount } from "../../models/config.js";
import { Xoshiro256 } from "./xoshiro256.js";

/** A sampled batch has the explicit batch's shape (backend.ts). */
export type SampledBatch = ExplicitBatch;

export class BatchSampler {
  private readonly rng: Xoshiro256;

  constructor(private readonly data: TrainTriples, private readonly counters: TrainCounters, private readonly config: TrainConfig, private readonly numEntities: number) {
    this.rng = new Xoshiro256(counters.rng, 0);
  }

  next(): SampledBatch {
    const { data, config, rng } = this;
    const B = config.batch, n = data.length, perm = data.perm;
    let cursor = this.counters.threads[0]!;
    const head = new Int32Array(B), relation = new Int32Array(B), tail = new Int32Array(B);
    const posWeight = data.posWeight ? new Float32Array(B) : undefined;
    for (let i = 0; i < B; i++) {
      if (cursor < 0 || cursor >= n) {
        this.shuffle(perm);
        cursor = 0;
      }
      const e = perm[cursor++]!;
      head[i] = data.head[e]!;
      relation[i] = data.relation[e]!;
      tail[i] = data.tail[e]!;
      if (posWeight) posWeight[i] = data.posWeight![e]!;
    }
    const local = this.counters.threads[1]!;
    const tailSide = local % 2 === 0;
    this.counters.threads[0] = cursor;
    this.counters.threads[1] = local + 1;
    const side = tailSide ? data.tail : data.head;
    const negatives = new Int32Array(negativeCount(config));
    for (let j = 0; j < negatives.length; j++) {
      negatives[j] = j % config.negatives < config.dataNegatives ? side[rng.below(n)]! : rng.below(this.numEntities);
    }
    return { head, relation, tail, negatives, tailSide, ...(posWeight ? { posWeight } : {}) };
  }

  /** Fisher-Yates from the top, as the engine's shuffleShard over the whole permutation */
  private shuffle(perm: Int32Array): void {
    for (let i = perm.length - 1; i > 0; i--) {
      const j = this.rng.below(i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
  }
}
