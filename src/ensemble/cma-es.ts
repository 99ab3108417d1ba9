/**
 * CMA-ES (Hansen's (μ/μ_w, λ)-CMA-ES with rank-1 and rank-μ updates, "The CMA Evolution Strategy:
 * A Tutorial", 2016) for small dimensions: the covariance is decomposed by Jacobi rotations each
 * generation. Written here because no maintained npm package implements it. Minimises; keeps the
 * best point ever evaluated (the ensemble objective is piecewise constant, so the mean need not be).
 */
import { Rng } from "../core/rng.js";
import type { Minimum } from "./nelder-mead.js";

export interface CmaOptions {
  /** shape: [n] start mean */
  x0: ArrayLike<number>;
  /** initial step size */
  sigma: number;
  maxEvaluations: number;
  seed: number;
}

/** f evaluates a batch of points (a generation at a time, so it can share one pass over its data). */
export function cmaEs(f: (xs: Float64Array[]) => ArrayLike<number>, options: CmaOptions): Minimum {
  const n = options.x0.length;
  const rng = new Rng(options.seed);
  const lambda = 4 + Math.floor(3 * Math.log(n));
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log(mu + 0.5) - Math.log(i + 1));
  const rawSum = raw.reduce((a, b) => a + b, 0);
  const w = raw.map((v) => v / rawSum);
  const muEff = 1 / w.reduce((a, b) => a + b * b, 0);
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const cs = (muEff + 2) / (n + muEff + 5);
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  const cmu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

  const mean = Float64Array.from(options.x0);
  let sigma = options.sigma;
  const C = identity(n); // shape: [n, n]
  const B = identity(n); // eigenvectors as columns, shape: [n, n]
  const D = new Float64Array(n).fill(1); // sqrt of the eigenvalues
  const pc = new Float64Array(n);
  const ps = new Float64Array(n);
  const best = { x: Float64Array.from(mean), fx: f([Float64Array.from(mean)])[0]! };
  let evaluations = 1;
  const z = Array.from({ length: lambda }, () => new Float64Array(n));
  const y = Array.from({ length: lambda }, () => new Float64Array(n)); // B·D·z
  const fit = new Float64Array(lambda);
  const x = Array.from({ length: lambda }, () => new Float64Array(n));
  for (let generation = 1; evaluations + lambda <= options.maxEvaluations; generation++) {
    for (let k = 0; k < lambda; k++) {
      for (let i = 0; i < n; i++) z[k]![i] = rng.normal();
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += B[i * n + j]! * D[j]! * z[k]![j]!;
        y[k]![i] = s;
        x[k]![i] = mean[i]! + sigma * s;
      }
    }
    fit.set(f(x));
    for (let k = 0; k < lambda; k++) {
      if (fit[k]! < best.fx) {
        best.x.set(x[k]!);
        best.fx = fit[k]!;
      }
    }
    evaluations += lambda;
    const order = Array.from({ length: lambda }, (_, k) => k).sort((a, b) => fit[a]! - fit[b]!);
    const yw = new Float64Array(n); // weighted mean step
    for (let r = 0; r < mu; r++) for (let i = 0; i < n; i++) yw[i]! += w[r]! * y[order[r]!]![i]!;
    for (let i = 0; i < n; i++) mean[i]! += sigma * yw[i]!;
    // C^(-1/2)·yw = B·(B^T·yw / D)
    const tmp = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += B[i * n + j]! * yw[i]!;
      tmp[j] = s / D[j]!;
    }
    let psNorm = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += B[i * n + j]! * tmp[j]!;
      ps[i] = (1 - cs) * ps[i]! + Math.sqrt(cs * (2 - cs) * muEff) * s;
      psNorm += ps[i]! * ps[i]!;
    }
    psNorm = Math.sqrt(psNorm);
    const hsig = psNorm / Math.sqrt(1 - (1 - cs) ** (2 * generation)) / chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    for (let i = 0; i < n; i++) pc[i] = (1 - cc) * pc[i]! + hsig * Math.sqrt(cc * (2 - cc) * muEff) * yw[i]!;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let r = 0; r < mu; r++) rankMu += w[r]! * y[order[r]!]![i]! * y[order[r]!]![j]!;
        const v = (1 - c1 - cmu) * C[i * n + j]! + c1 * (pc[i]! * pc[j]! + (1 - hsig) * cc * (2 - cc) * C[i * n + j]!) + cmu * rankMu;
        C[i * n + j] = v;
        C[j * n + i] = v;
      }
    }
    sigma *= Math.exp((cs / damps) * (psNorm / chiN - 1));
    jacobiEigen(C, n, B, D);
    if (sigma * Math.max(...D) < 1e-10) break;
  }
  return { x: best.x, fx: best.fx, evaluations };
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/**
 * Eigen-decomposition of the symmetric C by cyclic Jacobi rotations: B gets the eigenvectors
 * (columns), D the square roots of the eigenvalues (floored at 1e-20 against round-off).
 */
export function jacobiEigen(C: Float64Array, n: number, B: Float64Array, D: Float64Array): void {
  const A = Float64Array.from(C);
  B.fill(0);
  for (let i = 0; i < n; i++) B[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const bkp = B[k * n + p]!;
          const bkq = B[k * n + q]!;
          B[k * n + p] = c * bkp - s * bkq;
          B[k * n + q] = s * bkp + c * bkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) D[i] = Math.sqrt(Math.max(A[i * n + i]!, 1e-20));
}
