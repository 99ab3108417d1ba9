/**
 * The ensemble's artefacts, defined once: `ensemble/<ds>/weights.json` (what `kgc ensemble fit`
 * found) and `ensemble/<ds>/ablation.json` (held-out MRR of input subsets). `ensemble apply`,
 * `kgc predict --ensemble` and `kgc report` read them through this schema only.
 *
 * An input is one [Q, K] score array of the fitted split: a model's `scores-<split>.npy` (a trained,
 * smoothed or DeepWalk model folder, re-scorable for other candidates) or a statistical feature's
 * `<split>-<name>.npy`. Its normalisation turns raw values into comparable ones before the weighted
 * sum: per-query min-max, global min-max (the seed's; `min`/`max` recorded from the fitted split)
 * or per-query rank (1 = best candidate of the row, scaled to (0, 1]).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { KgcError } from "../core/errors.js";

export const EnsembleFiles = {
  weights: "weights.json",
  ablation: "ablation.json",
  top10: (split: string): string => `${split}-top10.npy`,
  blended: (split: string): string => `${split}-blended.npy`,
  submission: "t_pred_wikikg90m.npz",
} as const;

export const NormalisationSchema = z.enum(["query-minmax", "global-minmax", "query-rank"]);
export type Normalisation = z.infer<typeof NormalisationSchema>;

export const EnsembleInputSchema = z.object({
  /** unique label, e.g. "rotate", "rotate-smooth", "deepwalk", "feature:rrt" */
  name: z.string().min(1),
  kind: z.enum(["model", "feature"]),
  /** model inputs: the model folder (its scores-<split>.npy is the input); features: the npy file of the fitted split */
  path: z.string().min(1),
  /** features only: the feature's name in the dataset's features.json */
  feature: z.string().optional(),
  /** true for the candidate-list statistics that only exist because the lists contain the answer */
  leaksCandidates: z.boolean().default(false),
  normalisation: NormalisationSchema,
  /** global-minmax only: the fitted split's extremes */
  min: z.number().optional(),
  max: z.number().optional(),
});
export type EnsembleInput = z.infer<typeof EnsembleInputSchema>;

export const WeightGroupSchema = z.object({
  /** relation ids this group's weights apply to; null = every relation not listed in another group */
  relations: z.array(z.number().int().min(0)).nullable(),
  /** one weight per input, in `inputs` order */
  weights: z.array(z.number()),
});

export const FoldSchema = z.object({
  queries: z.number().int().min(0),
  /** MRR of the weights fitted without this fold, on this fold */
  heldOutMrr: z.number(),
  /** MRR of the same weights on the queries they were fitted on */
  inSampleMrr: z.number(),
});

export const EnsembleWeightsSchema = z.object({
  format: z.literal("kgc-ensemble/1"),
  dataset: z.string(),
  /** the dataset fingerprint the inputs were checked against */
  fingerprint: z.string(),
  split: z.string(),
  queries: z.number().int().min(1),
  /** the first `fittedQueries` of them were fitted and cross-validated on (`--queries`; default all) */
  fittedQueries: z.number().int().min(1).optional(),
  width: z.number().int().min(1),
  inputs: z.array(EnsembleInputSchema).min(1),
  groups: z.array(WeightGroupSchema).min(1),
  search: z.string(),
  folds: z.array(FoldSchema),
  heldOutMrr: z.number(),
  inSampleMrr: z.number(),
  createdAt: z.string(),
});
export type EnsembleWeights = z.infer<typeof EnsembleWeightsSchema>;

export const AblationSchema = z.object({
  format: z.literal("kgc-ablation/1"),
  dataset: z.string(),
  rows: z.array(
    z.object({
      label: z.string(),
      inputs: z.array(z.string()),
      heldOutMrr: z.number(),
      inSampleMrr: z.number(),
    }),
  ),
});
export type Ablation = z.infer<typeof AblationSchema>;

function readJson<T>(path: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new KgcError(path, err instanceof SyntaxError ? `not JSON: ${err.message}` : "cannot be read (run `kgc ensemble fit` first)");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KgcError(path, `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

export function readEnsembleWeights(path: string): EnsembleWeights {
  return readJson(path, EnsembleWeightsSchema);
}

export function readAblation(path: string): Ablation {
  return readJson(path, AblationSchema);
}
