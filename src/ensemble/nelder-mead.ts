/**
 * Nelder-Mead downhill simplex (reflection 1, expansion 2, contraction ½, shrink ½; Lagarias et al.
 * 1998). Written here because the npm `fmin` package does not run: 0.0.4 is a UMD bundle in a
 * "type": "module" package (imported from ESM it exports nothing) and its shrink step throws
 * `ReferenceError: i is not defined` in strict mode; 0.0.2 runs but pulls 137 packages (rollup,
 * uglify-js, tape) in as runtime dependencies. Minimises; returns the best vertex.
 */
export interface NelderMeadOptions {
  /** shape: [n] */
  x0: ArrayLike<number>;
  /** first simplex: x0 with coordinate i moved by step (relative for non-zero x0[i]) */
  step: number;
  maxEvaluations: number;
  /** stop when the simplex's values span less than this */
  tolerance: number;
}

/** What a derivative-free minimiser (this one, cma-es.ts) returns. */
export interface Minimum {
  /** shape: [n] */
  x: Float64Array;
  fx: number;
  evaluations: number;
}

export function nelderMead(f: (x: Float64Array) => number, options: NelderMeadOptions): Minimum {
  const n = options.x0.length;
  const points: Float64Array[] = [Float64Array.from(options.x0)];
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(options.x0);
    p[i] = p[i] !== 0 ? p[i]! * (1 + options.step) : options.step;
    points.push(p);
  }
  const values = points.map((p) => f(p));
  let evaluations = n + 1;
  const centroid = new Float64Array(n);
  const along = (t: number): Float64Array => {
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) p[i] = centroid[i]! + t * (points[n]![i]! - centroid[i]!);
    return p;
  };
  while (evaluations < options.maxEvaluations) {
    const order = points.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    const sortedPoints = order.map((i) => points[i]!);
    const sortedValues = order.map((i) => values[i]!);
    points.splice(0, points.length, ...sortedPoints);
    values.splice(0, values.length, ...sortedValues);
    if (values[n]! - values[0]! < options.tolerance) break;
    centroid.fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i]! += points[k]![i]! / n;
    const reflected = along(-1);
    const fr = f(reflected);
    evaluations++;
    if (fr < values[0]!) {
      const expanded = along(-2);
      const fe = f(expanded);
      evaluations++;
      [points[n], values[n]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[n - 1]!) {
      [points[n], values[n]] = [reflected, fr];
    } else {
      const contracted = fr < values[n]! ? along(-0.5) : along(0.5); // outside or inside
      const fc = f(contracted);
      evaluations++;
      if (fc < Math.min(fr, values[n]!)) {
        [points[n], values[n]] = [contracted, fc];
      } else {
        for (let k = 1; k <= n; k++) {
          for (let i = 0; i < n; i++) points[k]![i] = points[0]![i]! + 0.5 * (points[k]![i]! - points[0]![i]!);
          values[k] = f(points[k]!);
        }
        evaluations += n;
      }
    }
  }
  let best = 0;
  for (let k = 1; k <= n; k++) if (values[k]! < values[best]!) best = k;
  return { x: points[best]!, fx: values[best]!, evaluations };
}
