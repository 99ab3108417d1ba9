/**
 * `make` on a fresh clone, end to end (npm ci, the addon, tsc, the whole demo), for the candidate
 * commit and a baseline commit measured in the same run, alternating (baseline, candidate,
 * baseline, ...) because the machine is shared. Each run clones the repository into a temporary
 * folder and runs `make` there with a SHELL wrapper that times every recipe line, so beside the
 * wall time of the whole `make` it reports the CPU seconds of each stage (npm ci, the addon, tsc,
 * each kgc subcommand). One JSON line per measurement on stdout; the clones are removed after.
 *
 *   node dist/bench/demo.bench.js [--baseline REF] [--candidate REF] [--rounds 1] [--repo DIR] [--make-flags "..."]
 *   (defaults: baseline HEAD~1, candidate HEAD, the repository of the working folder)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { benchArgs, positive } from "./args.js";

const USAGE = 'usage: node dist/bench/demo.bench.js [--baseline REF] [--candidate REF] [--rounds 1] [--repo DIR] [--make-flags "DS=synth"]';
const cli = benchArgs(USAGE, {
  baseline: { type: "string", default: "HEAD~1" },
  candidate: { type: "string", default: "HEAD" },
  rounds: { type: "string", default: "1" },
  repo: { type: "string", default: "." },
  "make-flags": { type: "string", default: "" },
});
const ROUNDS = Math.round(positive(USAGE, "rounds", cli.rounds));

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

/** A recipe line's stage: the kgc subcommand (with its model or split), or the install step. */
function stageOf(command: string): string | null {
  if (/^(JOBS=\S+ )?(CFLAGS=\S+ )?npm ci\b/.test(command)) return "npm ci";
  if (/^(JOBS=\S+ )?npm run install\b/.test(command)) return "addon rebuild";
  if (command.startsWith("npx tsc")) return "tsc";
  const kgc = /^node dist\/src\/cli\/kgc\.js (\S+)( \S+)?/.exec(command);
  if (!kgc) return null;
  const model = /--model(?:-dir)? (\S+)/.exec(command)?.[1]?.split("/").pop();
  const split = /--split (\S+)/.exec(command)?.[1];
  const sub = kgc[2] && !kgc[2].startsWith(" -") ? `${kgc[1]}${kgc[2]}` : kgc[1]!;
  return [sub, model, split].filter((x) => x !== undefined).join(" ");
}

interface Run {
  wall: number;
  cpu: number;
  stages: Map<string, number>;
}

function makeOnFreshClone(ref: string, work: string): Run {
  const dir = mkdtempSync(join(work, "clone-"));
  const log = join(work, `times-${Date.now()}.log`);
  const wrapper = join(work, "timesh");
  // make runs `$(SHELL) -c LINE`: time it, and name the line after the measurement
  writeFileSync(wrapper, `#!/bin/bash\nexec /usr/bin/time -f "%e %U %S | \${2:0:300}" -a -o ${log} /bin/bash "$@"\n`);
  chmodSync(wrapper, 0o755);
  try {
    execFileSync("git", ["clone", "-q", cli.repo, dir], { stdio: "ignore" });
    execFileSync("git", ["-C", dir, "checkout", "-q", ref], { stdio: "ignore" });
    const t0 = performance.now();
    const flags = cli["make-flags"].split(" ").filter((f) => f !== "");
    const r = spawnSync("make", [`SHELL=${wrapper}`, ...flags], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 28 });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`make failed at ${ref} (exit ${r.status}): ${r.stderr.toString().slice(-2000)}`);
    const stages = new Map<string, number>();
    let cpu = 0;
    for (const line of readFileSync(log, "utf8").split("\n")) {
      const m = /^([\d.]+) ([\d.]+) ([\d.]+) \| (.*)$/.exec(line);
      if (!m) continue;
      const seconds = Number(m[2]) + Number(m[3]);
      const stage = stageOf(m[4]!);
      // npm's nested makes are timed line by line inside the npm ci line: count the top-level lines only
      if (stage === null) continue;
      cpu += seconds;
      stages.set(stage, (stages.get(stage) ?? 0) + seconds);
    }
    return { wall, cpu, stages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(log, { force: true });
  }
}

const work = mkdtempSync(join(tmpdir(), "kgc-demo-bench-"));
try {
  const refs = { baseline: cli.baseline, candidate: cli.candidate };
  const commits = Object.fromEntries(Object.entries(refs).map(([k, ref]) => [k, execFileSync("git", ["-C", cli.repo, "rev-parse", "--short", ref]).toString().trim()]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of ["baseline", "candidate"] as const) {
      const load = loadavg()[0]!;
      const run = makeOnFreshClone(refs[which], work);
      const config = { which, commit: commits[which], round, makeFlags: cli["make-flags"], loadBefore: Number(load.toFixed(2)) };
      for (const [stage, seconds] of run.stages) emit(`make stage CPU: ${stage}`, config, Number(seconds.toFixed(2)), "CPU-s");
      emit("make on a fresh clone: CPU of the top-level recipes", config, Number(run.cpu.toFixed(1)), "CPU-s");
      emit("make on a fresh clone: wall", config, Number(run.wall.toFixed(1)), "s");
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
