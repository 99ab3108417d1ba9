/**
 * The train stage's config schema, parsed once at the edge (PBG ConfigSchema style): typed
 * fields with defaults, help text and validators; model-dependent defaults (gamma, block) and
 * cross-field checks resolved here. Nothing below the stage function sees raw flags.
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import { KgcError } from "../core/errors.js";
import { checkModelShape } from "./interaction.js";
import { getInteraction } from "./registry.js";

const int = (min: number) => z.number().int().min(min);

export const TrainConfigSchema = z.object({
  model: z.string().describe("interaction name (transe-l1, transe-l2, distmult, complex, rotate, quate, ote, note)"),
  dim: int(1).default(200).describe("entity width in floats (complex/quaternion models: real numbers)"),
  block: int(1).optional().describe("OTE/NOTE block size (default: the model's, 20)"),
  gamma: z.number().positive().optional().describe("margin gamma of distance models (default: the model's)"),
  encoder: z.enum(["shallow", "concat"]).default("shallow").describe("shallow: learned rows; concat: W [feature ; row] + b"),
  batch: int(1).default(1000).describe("positives per step (B)"),
  negatives: int(1).default(1000).describe("negative entities shared by a group of query rows (N): uniform, except the dataNegatives drawn from the data"),
  negChunk: int(0).default(0).describe("query rows per negative group, each group drawing its own N (0 = one group: the whole batch; DGL-KE's neg_chunk_size)"),
  dataNegatives: int(0).default(0).describe("of each group's N negatives, how many are the corrupted side (tail or head) of random training triples: the data's degree distribution, PBG's batch negatives; the rest uniform"),
  filterNegatives: z.boolean().default(false).describe("mask negatives that form a training triple with their query row (RotatE's filtered sampler; holds the dataset's adjacency in memory: ~16 bytes per training triple)"),
  loss: z.enum(["logsigmoid", "margin", "softmax"]).default("logsigmoid").describe("self-adversarial log-sigmoid, plain margin, or softmax cross-entropy of each positive against its negatives (LibKGE's kl loss with negative sampling)"),
  advTemp: z.number().min(0).max(1e6).default(1).describe("self-adversarial temperature alpha (0 = plain mean)"),
  margin: z.number().positive().default(1).describe("margin of the margin loss"),
  reg: z.number().min(0).default(0).describe("L3 regulariser coefficient on the batch's learned rows"),
  entityDropout: z.number().min(0).lt(1).default(0).describe("dropout on the batch's encoded entity rows (LibKGE's embedder dropout): each coordinate zeroed with this probability, the rest scaled by 1 / (1 - p); 1-N modes: the query side only, not the all-entity block"),
  relationDropout: z.number().min(0).lt(1).default(0).describe("the same on the batch's encoded relation rows"),
  subsampling: z.boolean().default(false).describe("RotatE sub-sampling weights 1/sqrt(#(h,r) + #(r,t))"),
  optimizer: z.enum(["adagrad", "adam"]).default("adagrad").describe("optimizer of the learned rows: row-wise Adagrad (one state value per row) or lazy Adam (two moments per value, 3x the table memory)"),
  lr: z.number().positive().default(0.1).describe("learning rate of the learned rows"),
  adagradInit: z.number().min(0).default(0).describe("initial Adagrad state of every learned row (TF's initial_accumulator_value): a row's first steps are lr g / sqrt(adagradInit + mean g^2), so the 1-N modes' tiny dense gradients give tiny steps instead of steps of ~lr each"),
  lrDecay: z.number().positive().max(1).default(1).describe("learning rates multiply by this every lrDecayInterval steps (or once, at lrDecayAt)"),
  lrDecayInterval: int(1).default(10000),
  lrDecayAt: z.number().gt(0).lt(1).optional().describe("fraction of the budget (of --steps, else of --minutes, which a --resume restarts) at which the learning rates multiply by lrDecay, once; replaces lrDecayInterval"),
  denseLr: z.number().positive().default(2e-5).describe("Adam learning rate of the concat encoder"),
  beta1: z.number().min(0).lt(1).default(0.9).describe("Adam's first-moment decay (the concat encoder's Adam, and the rows' when optimizer is adam)"),
  beta2: z.number().min(0).lt(1).default(0.999).describe("Adam's second-moment decay"),
  adamEps: z.number().positive().default(1e-8).describe("Adam's epsilon"),
  training: z.enum(["negatives", "1vsAll", "KvsAll"]).default("negatives").describe("negatives: shared-negative groups (above); 1vsAll: each triple's query against every entity, softmax cross-entropy; KvsAll: each distinct query against every entity, all its known answers positive, binary cross-entropy (1-N modes: shallow encoder, dense entity updates)"),
  reciprocal: z.boolean().default(false).describe("reciprocal relations: every triple also trained as (t, r + R, h), relation table doubled; only tail queries train, and head queries are answered as tail queries of r + R at eval and score"),
  n3: z.number().min(0).default(0).describe("N3 regulariser (Lacroix et al. 2018): coefficient on the cubed modulus of each coordinate (complex for ComplEx/RotatE, quaternion for QuatE, |x| for real models) of the rows of each batch triple (h, r, t; relations of unit-modulus operators left out), divided by the batch; 1-N modes"),
  labelSmoothing: z.number().min(0).lt(1).default(0).describe("KvsAll: targets (1 - ls) y + ls / E"),
  oneToNMemoryMB: int(1).default(2048).describe("1-N modes: per-thread memory for the all-entity score block and the dense entity gradient; a larger graph is refused, naming the entity count that fits"),
  threads: int(1).max(256).default(availableParallelism()).describe("Hogwild C++ threads"),
  seed: int(0).default(0),
  steps: int(1).optional().describe("step budget"),
  minutes: z.number().positive().optional().describe("wall-clock budget"),
  validEvery: int(0).default(1000).describe("steps between sampled validations (0 = off)"),
  validSample: int(1).default(500).describe("validation triples per validation"),
  checkpointEvery: int(0).default(10000).describe("steps between checkpoints (0 = only at the end)"),
  checkpointMinutes: z.number().min(0).default(10).describe("minutes between checkpoints as well, so a kill loses at most that much work (0 = by steps only)"),
  logEvery: int(1).default(100).describe("steps between metrics.jsonl lines"),
  memoryGb: z.number().positive().optional().describe("out of core: train with entity partitions on disk and this memory budget (GB); picks partitions and buffer"),
  partitions: int(1).optional().describe("out of core: entity partitions P (with buffer)"),
  buffer: int(1).optional().describe("out of core: partitions in memory C (with partitions)"),
});

export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
export type TrainConfig = Omit<z.output<typeof TrainConfigSchema>, "block" | "gamma"> & { block: number; gamma: number };

/** Validates a raw config; the first problem becomes a KgcError naming the field. */
export function parseTrainConfig(raw: unknown, source = "config"): TrainConfig {
  const result = TrainConfigSchema.strict().safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".") || source;
    throw new KgcError(field, `${issue.message} (in ${source})`);
  }
  const c = result.data;
  const m = getInteraction(c.model);
  const resolved: TrainConfig = { ...c, model: m.name, block: c.block ?? m.defaults.block, gamma: c.gamma ?? m.defaults.gamma };
  checkModelShape(m, resolved.dim, resolved.block);
  if (resolved.dataNegatives > resolved.negatives) throw new KgcError("dataNegatives", `${resolved.dataNegatives} is more than negatives = ${resolved.negatives} (in ${source})`);
  checkOneToN(resolved, source);
  const outOfCore = resolved.memoryGb !== undefined || resolved.partitions !== undefined || resolved.buffer !== undefined;
  if (outOfCore && resolved.adagradInit > 0) throw new KgcError("adagradInit", `is not supported out of core (in ${source})`);
  if (resolved.optimizer !== "adagrad" && resolved.adagradInit > 0) throw new KgcError("adagradInit", `is Adagrad's; optimizer is ${resolved.optimizer} (in ${source})`);
  if (resolved.steps === undefined && resolved.minutes === undefined) throw new KgcError("steps", `give a budget: --steps or --minutes (in ${source})`);
  return resolved;
}

/** The 1-N modes' cross-field rules (the memory check needs the entity count: oneToNMemoryNeed). */
function checkOneToN(c: TrainConfig, source: string): void {
  if (c.reciprocal && c.encoder !== "shallow") throw new KgcError("reciprocal", `reciprocal relations need the shallow encoder (the inverse relations have no features) (in ${source})`);
  if (c.training === "KvsAll" && !c.reciprocal) throw new KgcError("training", `KvsAll trains tail queries only: set reciprocal true (in ${source})`);
  if (c.training === "negatives") {
    if (c.n3 > 0) throw new KgcError("n3", `the N3 regulariser is for the 1-N modes (training 1vsAll or KvsAll); use reg with negatives (in ${source})`);
    if (c.reciprocal && c.filterNegatives) throw new KgcError("filterNegatives", `not with reciprocal relations (in ${source})`);
    return;
  }
  if (c.encoder !== "shallow") throw new KgcError("encoder", `training ${c.training} needs the shallow encoder (in ${source})`);
  if (c.labelSmoothing > 0 && c.training !== "KvsAll") throw new KgcError("labelSmoothing", `is KvsAll's; training is ${c.training} (in ${source})`);
}

/** Rows of one 1-N score block (the engine's kRows) and the bytes one thread needs for E entities. */
const ONE_TO_N_ROWS = 128;
function oneToNBytes(c: Pick<TrainConfig, "batch" | "dim">, numEntities: number): number {
  return 4 * numEntities * (Math.min(c.batch, ONE_TO_N_ROWS) + c.dim);
}

/**
 * Refuses a 1-N run whose per-thread score block [min(batch, 128), E] and dense entity gradient
 * [E, dim] exceed oneToNMemoryMB, naming the largest entity count that fits.
 */
export function checkOneToNMemory(c: TrainConfig, numEntities: number): void {
  if (c.training === "negatives") return;
  const need = oneToNBytes(c, numEntities);
  if (need <= c.oneToNMemoryMB * 2 ** 20) return;
  const fits = Math.floor((c.oneToNMemoryMB * 2 ** 20) / oneToNBytes(c, 1));
  throw new KgcError("training", `${c.training} over ${numEntities.toLocaleString("en-US")} entities needs ${Math.ceil(need / 2 ** 20)} MB per thread (scores [${Math.min(c.batch, ONE_TO_N_ROWS)}, E] + entity gradient [E, ${c.dim}]), above oneToNMemoryMB = ${c.oneToNMemoryMB}; ${fits.toLocaleString("en-US")} entities fit: raise oneToNMemoryMB or use training negatives`);
}

/** Query rows of one negative group (negChunk 0 or >= batch: the whole batch). */
export function negGroupRows(batch: number, negChunk: number): number {
  return negChunk > 0 && negChunk < batch ? negChunk : batch;
}

/** Negative ids of one batch: `negatives` per group of query rows. */
export function negativeCount(c: Pick<TrainConfig, "batch" | "negatives" | "negChunk">): number {
  return Math.ceil(c.batch / negGroupRows(c.batch, c.negChunk)) * c.negatives;
}

/** Parses `key=value` overrides: numbers, booleans and strings by the schema's field type. */
export function applyOverrides(base: Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  const out = { ...base };
  const shape = TrainConfigSchema.shape as Record<string, z.ZodType>;
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new KgcError("--set", `expected key=value, got '${s}'`);
    const key = s.slice(0, eq);
    const value = s.slice(eq + 1);
    if (!(key in shape)) throw new KgcError("--set", `unknown key '${key}' (known: ${Object.keys(shape).join(", ")})`);
    out[key] = coerce(value);
  }
  return out;
}

function coerce(value: string): unknown {
  if (value === "true") return true;
  if (value === "false") return false;
  const n = Number(value);
  return value.trim() !== "" && Number.isFinite(n) ? n : value;
}
