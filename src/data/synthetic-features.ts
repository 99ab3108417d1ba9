import type { Rng } from "../core/rng.js";
import { writeNpy } from "../io/npy.js";
import { streamNpy } from "./synthetic-npy.js";
import type { ResolvedSynthOptions } from "./synthetic-options.js";
import type { SynthWorld } from "./synthetic-world.js";

/**
 * Text-like features, the stand-in for WikiKG90M's 768-d RoBERTa vectors (float16 on disk).
 *
 *   entity    f_e = P·z_e + τ·u_type(e) + σ·ξ_e
 *   relation  g_r = P_R·[vec(A_r); b_r] + τ·(u_domain(r) + u_range(r))/√2 + σ·ξ_r
 *
 * P ∈ R^{D×d} and P_R ∈ R^{D×(d²+d)} have i.i.d. N(0, 1) and N(0, 1/d) entries, so the latent part
 * has about unit variance per coordinate (|z_e| = 1, |vec(A_r)|² = d); u_t ~ N(0, I_D) is one
 * direction per type (τ = typeSignal); ξ is i.i.d. uniform noise of unit variance (σ = featureNoise;
 * uniform rather than Gaussian, two 16-bit draws per 32-bit random number for entities — plenty
 * for fp16 — because 77M Box–Muller draws would dominate the run time).
 * A linear encoder can thus recover the latent vector and the type, up to noise — informative like
 * a language model's embedding, not an answer key.
 */
const ROWS_PER_CHUNK = 2048;
const UNIFORM_UNIT_VARIANCE = Math.sqrt(12);

export class FeatureBasis {
  readonly entityProjection: Float64Array; // shape: [D, d]
  readonly relationProjection: Float64Array; // shape: [D, d² + d]
  readonly typeDirection: Float64Array; // shape: [T, D]

  constructor(
    readonly world: SynthWorld,
    readonly o: ResolvedSynthOptions,
    private readonly rng: Rng,
  ) {
    const D = o.featureDim;
    const d = world.latentDim;
    this.entityProjection = gaussian(rng, D * d, 1);
    this.relationProjection = gaussian(rng, D * (d * d + d), 1 / Math.sqrt(d));
    this.typeDirection = gaussian(rng, world.numTypes * D, 1);
  }

  /** Streams float16 [E, D] to `path`, ROWS_PER_CHUNK rows at a time. */
  writeEntityFeatures(path: string, onRows?: (done: number) => void): void {
    const { world, o, rng } = this;
    const D = o.featureDim;
    const d = world.latentDim;
    const E = world.numEntities;
    const P = this.entityProjection;
    const z = new Float64Array(d); // shape: [d]
    const types = this.typeDirection;
    const latent = world.latent;
    const tau = o.typeSignal;
    const noise = o.featureNoise * UNIFORM_UNIT_VARIANCE;
    const acc = new Float64Array(D); // shape: [D]
    const chunk = new Float32Array(Math.min(ROWS_PER_CHUNK, E) * D); // shape: [rows, D]
    streamNpy(path, "<f2", [E, D], (writer) => {
      for (let start = 0; start < E; start += ROWS_PER_CHUNK) {
        const rows = Math.min(ROWS_PER_CHUNK, E - start);
        for (let i = 0; i < rows; i++) {
          const e = start + i;
          const uBase = world.entityType[e]! * D;
          // noise: two 16-bit uniforms per 32-bit draw (fp16 keeps 11 bits anyway)
          for (let k = 0; k < D; k += 2) {
            const bits = rng.nextU32();
            acc[k] = tau * types[uBase + k]! + noise * ((bits & 0xffff) / 65536 - 0.5);
            if (k + 1 < D) acc[k + 1] = tau * types[uBase + k + 1]! + noise * ((bits >>> 16) / 65536 - 0.5);
          }
          for (let j = 0; j < d; j++) z[j] = latent[e * d + j]!;
          for (let k = 0; k < D; k++) {
            // four partial sums: fewer dependent adds and loop checks than one running sum
            const base = k * d;
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            let s3 = 0;
            let j = 0;
            for (; j + 3 < d; j += 4) {
              s0 += P[base + j]! * z[j]!;
              s1 += P[base + j + 1]! * z[j + 1]!;
              s2 += P[base + j + 2]! * z[j + 2]!;
              s3 += P[base + j + 3]! * z[j + 3]!;
            }
            for (; j < d; j++) s0 += P[base + j]! * z[j]!;
            acc[k] = acc[k]! + (s0 + s1) + (s2 + s3);
          }
          chunk.set(acc, i * D);
        }
        writer.write(chunk.subarray(0, rows * D));
        onRows?.(start + rows);
      }
    });
  }

  /** Writes float16 [R, D] to `path`. */
  writeRelationFeatures(path: string): void {
    const { world, o, rng } = this;
    const D = o.featureDim;
    const d = world.latentDim;
    const rel = world.relations;
    const R = rel.numRelations;
    const width = d * d + d;
    const out = new Float32Array(R * D); // shape: [R, D]
    const x = new Float64Array(width); // shape: [d² + d]
    const tau = o.typeSignal / Math.SQRT2;
    const noise = o.featureNoise * UNIFORM_UNIT_VARIANCE;
    for (let r = 0; r < R; r++) {
      x.set(rel.matrix.subarray(r * d * d, (r + 1) * d * d), 0);
      x.set(rel.bias.subarray(r * d, (r + 1) * d), d * d);
      const dom = rel.domain[r]! * D;
      const ran = rel.range[r]! * D;
      for (let k = 0; k < D; k++) {
        let s = 0;
        for (let j = 0; j < width; j++) s += this.relationProjection[k * width + j]! * x[j]!;
        out[r * D + k] = s + tau * (this.typeDirection[dom + k]! + this.typeDirection[ran + k]!) + noise * (rng.next() - 0.5);
      }
    }
    writeNpy(path, "<f2", [R, D], out);
  }
}

function gaussian(rng: Rng, n: number, std: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = std * rng.normal();
  return out;
}
