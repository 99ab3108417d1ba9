import { Command, InvalidArgumentError, Option } from "commander";
import { join } from "node:path";
import { KgcError } from "../../core/errors.js";
import { checkArtefactName } from "../../core/safe-names.js";
import { info } from "../../core/log.js";
import { computeStats, formatStats } from "../../data/stats.js";
import { exportDataset, type ExportFormat } from "../../data/export.js";
import { importDataset, type ImportSource } from "../../data/prepare.js";
import { openDataset } from "../../data/dataset.js";
import { generateSynthetic, SYNTH_DEFAULTS, type SynthOptions } from "../../data/synthetic.js";
import { withRun } from "../with-run.js";

/** `kgc data synth|import|export|stats`: parse flags and delegate to src/data. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

export function registerDataCommand(program: Command): void {
  const data = program.command("data").description("data stage: generate, import, export and describe datasets");

  data
    .command("synth")
    .description("write a synthetic WikiKG90M in the exact OGB v1 processed/ layout (test answers kept apart in answers/)")
    .requiredOption("--out <dir>", "output folder (gets processed/, answers/, meta.json)")
    .option("--entities <n>", "number of entities", positiveInt, SYNTH_DEFAULTS.numEntities)
    .option("--relations <n>", "number of relations", positiveInt, SYNTH_DEFAULTS.numRelations)
    .option("--train <n>", "training triples", positiveInt, SYNTH_DEFAULTS.numTrain)
    .option("--valid <n>", "validation queries", positiveInt, SYNTH_DEFAULTS.numValid)
    .option("--test <n>", "test queries", positiveInt, SYNTH_DEFAULTS.numTest)
    .option("--candidates <n>", "candidates per query (true tail included)", positiveInt, SYNTH_DEFAULTS.numCandidates)
    .option("--feature-dim <n>", "width of entity/relation features", positiveInt, SYNTH_DEFAULTS.featureDim)
    .option("--seed <n>", "random seed", nonNegativeInt, SYNTH_DEFAULTS.seed)
    .option("--force", "replace an existing synthetic dataset at --out (kept whole until the new one is complete)")
    .action(async (o: { out: string; entities: number; relations: number; train: number; valid: number; test: number; candidates: number; featureDim: number; seed: number; force?: boolean }) => {
      const options: SynthOptions = {
        numEntities: o.entities, numRelations: o.relations, numTrain: o.train, numValid: o.valid, numTest: o.test,
        numCandidates: o.candidates, featureDim: o.featureDim, seed: o.seed,
      };
      await withRun({ stage: "synth", dataset: o.out, config: options }, async () => {
        const summary = await generateSynthetic(options, o.out, o.force === true);
        info(`wrote ${summary.outDir}: popularity-baseline valid MRR ${summary.popularityValidMrr.toFixed(4)}, latent-oracle valid MRR ${summary.latentOracleValidMrr.toFixed(4)}`);
        return { popularity_valid_mrr: summary.popularityValidMrr, oracle_valid_mrr: summary.latentOracleValidMrr };
      });
    });

  data
    .command("import")
    .description("prepare a dataset folder <out>/<name>/ from an OGB WikiKG90M folder, or a folder of train/valid/test files (TSV, Arrow or Parquet)")
    .addOption(new Option("--ogb <dir>", "OGB WikiKG90M root (with processed/*.npy)").conflicts(["tsv", "arrow", "parquet"]))
    .addOption(new Option("--tsv <dir>", "folder with train.txt, valid.txt, test.txt (head<TAB>relation<TAB>tail)").conflicts(["arrow", "parquet"]))
    .addOption(new Option("--arrow <dir>", "folder with train.arrow, valid.arrow, test.arrow").conflicts(["parquet"]))
    .option("--parquet <dir>", "folder with train.parquet, valid.parquet, test.parquet")
    .requiredOption("--name <name>", "dataset name (folder name under --out)")
    .option("--out <dir>", "parent folder of prepared datasets", "data")
    .option("--candidates <k>", "for named sources: build WikiKG90M-style queries with k sampled negatives per valid/test triple (0 = none)", nonNegativeInt, 0)
    .option("--num-entities <n>", "OGB: entity count when there is no entity_feat.npy", positiveInt)
    .option("--num-relations <n>", "OGB: relation count when there is no relation_feat.npy", positiveInt)
    .option("--memory-mb <mb>", "working-set budget (MB) of the out-of-core adjacency build", positiveInt, 256)
    .option("--seed <n>", "seed of the candidate sampling", nonNegativeInt, 0)
    .option("--force", "replace an existing dataset <out>/<name> (kept whole until the new one is complete)")
    .action(async (o: { ogb?: string; tsv?: string; arrow?: string; parquet?: string; name: string; out: string; candidates: number; numEntities?: number; numRelations?: number; memoryMb: number; seed: number; force?: boolean }) => {
      checkArtefactName(o.name, "--name");
      const source: ImportSource | null =
        o.ogb !== undefined ? { kind: "ogb", path: o.ogb, counts: { ...(o.numEntities ? { numEntities: o.numEntities } : {}), ...(o.numRelations ? { numRelations: o.numRelations } : {}) } }
        : o.tsv !== undefined ? { kind: "tsv", path: o.tsv }
        : o.arrow !== undefined ? { kind: "arrow", path: o.arrow }
        : o.parquet !== undefined ? { kind: "parquet", path: o.parquet }
        : null;
      if (!source) throw new KgcError("kgc data import", "one of --ogb, --tsv, --arrow or --parquet is required");
      const outDir = join(o.out, o.name);
      await withRun({ stage: "data", dataset: o.name, config: { source, candidates: o.candidates, seed: o.seed } }, async (run) => {
        const manifest = await importDataset({ source, outDir, name: o.name, candidates: o.candidates, seed: o.seed, memoryBudget: o.memoryMb * (1 << 20), force: o.force === true });
        await run.addArtefact(join(outDir, "manifest.json"));
        info(`prepared ${outDir}: ${manifest.numEntities.toLocaleString("en-US")} entities, ${manifest.numRelations} relations, ${manifest.splits.train.triples.toLocaleString("en-US")} train triples`);
        return { entities: manifest.numEntities, relations: manifest.numRelations, train_triples: manifest.splits.train.triples };
      });
    });

  data
    .command("export")
    .description("write a prepared dataset's splits (and candidate tables) as Arrow, Parquet or TSV")
    .argument("<dataset>", "prepared dataset folder, e.g. data/synth")
    .requiredOption("--out <dir>", "output folder (new, or an earlier export with --force)")
    .addOption(new Option("--format <format>", "output format").choices(["arrow", "parquet", "tsv"]).makeOptionMandatory())
    .option("--force", "replace an earlier export at --out (kept whole until the new one is complete)")
    .action(async (dir: string, o: { out: string; format: ExportFormat; force?: boolean }) => {
      const files = await exportDataset(openDataset(dir), o.out, o.format, o.force === true);
      info(`wrote ${files.length} files to ${o.out}`);
    });

  data
    .command("stats")
    .description("counts, degree distribution and relation patterns (symmetric, inverse, 1-N / N-1) of a prepared dataset")
    .argument("<dataset>", "prepared dataset folder, e.g. data/synth")
    .option("--json", "print JSON instead of a table")
    .option("--sample <n>", "training triples sampled for the pattern tests", positiveInt, 1_000_000)
    .action(async (dir: string, o: { json?: boolean; sample: number }) => {
      const ds = openDataset(dir);
      try {
        const stats = await computeStats(ds, o.sample);
        process.stdout.write(o.json ? `${JSON.stringify(stats, null, 2)}\n` : `${formatStats(stats)}\n`);
      } finally {
        ds.close();
      }
    });
}
