/**
 * The concat encoder's dense W and b with their Adam moments, resident on the tfjs device for a
 * train() call (DGL-KE keeps dense parameters on the GPU): uploaded from the host tables when the
 * call starts, updated there each step (Adam, denseLr, bias correction by the global step, as
 * src/native/common/optim.h), and copied back into the host tables when it returns, so checkpoints
 * see them.
 */
import type { Tensor } from "@tensorflow/tfjs";
import type { EncoderTables } from "../../models/model-tables.js";
import type { Tf } from "./load.js";

const BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
type Key = "W" | "b";

export class DeviceDense {
  private readonly t: Record<Key | "mW" | "vW" | "mb" | "vb", Tensor>;

  constructor(private readonly tf: Tf, private readonly e: EncoderTables) {
    const out = e.b!.length, inW = e.featDim! + e.raw;
    this.t = {
      W: tf.tensor2d(e.W!, [out, inW]), b: tf.tensor1d(e.b!), mW: tf.tensor2d(e.mW!, [out, inW]), vW: tf.tensor2d(e.vW!, [out, inW]),
      mb: tf.tensor1d(e.mb!), vb: tf.tensor1d(e.vb!),
    };
  }

  get W(): Tensor {
    return this.t.W;
  }

  get b(): Tensor {
    return this.t.b;
  }

  /** One Adam update of W and b; `step` is the 0-based global step. */
  update(gW: Tensor, gb: Tensor, lr: number, step: number): void {
    const tf = this.tf;
    const stepSize = lr / (1 - BETA1 ** (step + 1)), invSqrtCorr2 = 1 / Math.sqrt(1 - BETA2 ** (step + 1));
    for (const [p, m, v, g] of [["W", "mW", "vW", gW], ["b", "mb", "vb", gb]] as const) {
      const [np, nm, nv] = tf.tidy(() => {
        const m1 = tf.add(tf.mul(BETA1, this.t[m]), tf.mul(1 - BETA1, g));
        const v1 = tf.add(tf.mul(BETA2, this.t[v]), tf.mul(1 - BETA2, tf.square(g)));
        const p1 = tf.sub(this.t[p], tf.div(tf.mul(stepSize, m1), tf.add(tf.mul(tf.sqrt(v1), invSqrtCorr2), EPS)));
        return [p1, m1, v1];
      });
      this.t[p].dispose();
      this.t[m].dispose();
      this.t[v].dispose();
      this.t[p] = np!;
      this.t[m] = nm!;
      this.t[v] = nv!;
    }
  }

  /** Copies the device values back into the host tables. */
  download(): void {
    for (const k of ["W", "b", "mW", "vW", "mb", "vb"] as const) this.e[k]!.set(this.t[k].dataSync());
  }

  dispose(): void {
    for (const t of Object.values(this.t)) t.dispose();
  }
}
