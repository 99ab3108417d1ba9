# kgc — stages as file targets: a rerun does only what is missing.
#   make          install (npm ci when needed), build, run the demo pipeline on the synthetic dataset
#                 (DEMO_JOBS stages at a time)
#   make test     unit, contract, CLI and end-to-end tests (node's built-in runner)
#   make bench    benchmarks (JSON lines on stdout)

SHELL := /bin/bash
KGC := node dist/src/cli/kgc.js
DS ?= synth
SEED ?= 42
SYNTH_FLAGS ?=
# every target is kept: a model, smoothed model or score file made on the way is an artefact, not a temporary
.SECONDARY:
TS_SOURCES := $(shell find src tests bench -name '*.ts' 2>/dev/null)

.PHONY: all demo install build test clean deepwalk smooth features ensemble-fit ensemble-apply submit report
.PHONY: bench bench-io bench-import bench-train bench-train-1n bench-train-tfjs bench-score bench-accuracy bench-deepwalk bench-smoothing bench-features bench-predict bench-report bench-ensemble bench-scale bench-score-scale bench-demo

# `make` installs first, then runs the demo in a second make: that one sees the addon npm ci built
# (a single make would remember it as missing and build it again) and runs DEMO_JOBS independent
# stages side by side (trainings beside DeepWalk and the features, test scores beside the ensemble
# fit); --output-sync prints each stage's output in one piece when it ends
DEMO_JOBS ?= 2
all: node_modules/.installed
	@$(MAKE) --no-print-directory -j$(DEMO_JOBS) --output-sync=target demo

# JOBS: node-gyp compiles the addon's files in parallel; CFLAGS (C files only: better-sqlite3's
# SQLite) -O1 instead of its -O3 compiles the SQLite amalgamation in 35 CPU-s instead of 78
# (the run registry's few small queries do not need more)
install: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	JOBS=max CFLAGS=-O1 npm ci --no-audit --no-fund
	@touch $@

# the C++ addon: npm ci builds it; rebuilt here when a C++ source or binding.gyp changes
NATIVE_SOURCES := binding.gyp $(shell find src/native -name '*.cc' -o -name '*.h' 2>/dev/null)
build/Release/kgc_native.node: $(NATIVE_SOURCES) | node_modules/.installed
	JOBS=max npm run install
	@touch $@

build: dist/.built
dist/.built: node_modules/.installed build/Release/kgc_native.node tsconfig.json $(TS_SOURCES)
	npx tsc -p tsconfig.json
	@touch $@

# make reruns a stage only when its inputs changed, so its rules pass --force: replacing the
# stage's own earlier output is what the rerun is for (kgc still refuses folders it did not write)
# --- data stage -------------------------------------------------------------------------------
data/raw/synth/meta.json: | dist/.built
	$(KGC) data synth --out data/raw/synth --seed $(SEED) --force $(SYNTH_FLAGS)

data/synth/manifest.json: data/raw/synth/meta.json | dist/.built
	$(KGC) data import --ogb data/raw/synth --name synth --out data --force

# the public benchmarks (../shared/datasets, or DATASETS=) with 1,000 sampled candidates per valid/test
# triple, WikiKG90M-style: make DS=fb15k237 runs the whole demo on FB15k-237
DATASETS ?= ../shared/datasets
data/fb15k237/manifest.json: | dist/.built
	$(KGC) data import --tsv $(DATASETS)/FB15k-237 --name fb15k237 --out data --candidates 1000 --force

data/wn18rr/manifest.json: | dist/.built
	$(KGC) data import --tsv $(DATASETS)/WN18RR --name wn18rr --out data --candidates 1000 --force

data/$(DS)/stats.json: data/$(DS)/manifest.json
	$(KGC) data stats data/$(DS) --json > $@.tmp && mv $@.tmp $@

# --- train and score: any model by name --------------------------------------------------------
# make models/synth/quate/scores-valid.npy trains models/quate.json for TRAIN_STEPS and scores it;
# the smoothed twins (models/<ds>/<model>-smooth/) and DeepWalk have their own rules below
MODEL ?= rotate
TRAIN_STEPS ?= 600
models/$(DS)/%/entity.npy: data/$(DS)/manifest.json
	$(KGC) train --data data/$(DS) --model $* --steps $(TRAIN_STEPS) --seed $(SEED) --force

models/$(DS)/%/scores-valid.npy: models/$(DS)/%/entity.npy
	$(KGC) score --model-dir models/$(DS)/$* --data data/$(DS) --split valid

# (valid first: with DEMO_JOBS, the ensemble fit then runs beside the test scores)
models/$(DS)/%/scores-test.npy: models/$(DS)/%/entity.npy | models/$(DS)/%/scores-valid.npy
	$(KGC) score --model-dir models/$(DS)/$* --data data/$(DS) --split test

EVAL_PROTOCOL ?= candidates
models/$(DS)/%/eval-valid.json: models/$(DS)/%/entity.npy
	$(KGC) eval --model-dir models/$(DS)/$* --data data/$(DS) --split valid --protocol $(EVAL_PROTOCOL)

# --- graph features: DeepWalk embeddings and post-smoothing -----------------------------------
# the demo's DeepWalk is short (2 walks of 20 per entity, one epoch): `make DEEPWALK_FLAGS=` for the defaults
DEEPWALK_FLAGS ?= --walks-per-node 2 --walk-length 20 --epochs 1 --dim 64
models/$(DS)/deepwalk/entity.npy: data/$(DS)/manifest.json
	$(KGC) deepwalk --data data/$(DS) --seed $(SEED) $(DEEPWALK_FLAGS)
deepwalk: models/$(DS)/deepwalk/entity.npy

# models/<ds>/<m>-smooth/ from models/<ds>/<m>/ (transe-l1/l2, rotate, quate, ote, note)
SMOOTH_FLAGS ?=
models/$(DS)/%-smooth/entity.npy: models/$(DS)/%/entity.npy
	$(KGC) smooth --model-dir models/$(DS)/$* $(SMOOTH_FLAGS)
smooth: models/$(DS)/$(MODEL)-smooth/entity.npy

# --- features stage: the statistical candidate features of both splits ----------------------------
# (data/$(DS)/features/valid-rt.npy runs `kgc features --split valid`; all files of a split appear
# together, features.json lists them)
features: data/$(DS)/features/valid-rt.npy data/$(DS)/features/test-rt.npy
data/$(DS)/features/%-rt.npy: data/$(DS)/manifest.json | dist/.built
	$(KGC) features --data data/$(DS) --split $*
# both splits write features.json under one lock: never side by side
data/$(DS)/features/test-rt.npy: | data/$(DS)/features/valid-rt.npy

# --- ensemble, submission, report ----------------------------------------------------------------
# ENSEMBLE_MODELS: the model folders blended (trained, smoothed, DeepWalk); FEATURES: all | none | a,b;
# the demo fits on the first 5,000 validation queries (the seed searched on those) with 3 folds
MODELS ?= transe-l2 rotate quate note
SMOOTHED ?= transe-l2 rotate
ENSEMBLE_MODELS ?= $(MODELS) $(addsuffix -smooth,$(SMOOTHED)) deepwalk
FEATURES ?= all
ENSEMBLE_FLAGS ?= --queries 5000 --folds 3
ENSEMBLE_INPUTS = $(foreach m,$(ENSEMBLE_MODELS),--input models/$(DS)/$(m))
FEATURE_FILES = $(if $(filter none,$(FEATURES)),,data/$(DS)/features/valid-rt.npy)
ensemble/$(DS)/weights.json: $(foreach m,$(ENSEMBLE_MODELS),models/$(DS)/$(m)/scores-valid.npy) $(FEATURE_FILES)
	$(KGC) ensemble fit --data data/$(DS) --split valid $(ENSEMBLE_INPUTS) --features $(FEATURES) $(ENSEMBLE_FLAGS)

ensemble/$(DS)/test-top10.npy: ensemble/$(DS)/weights.json $(foreach m,$(ENSEMBLE_MODELS),models/$(DS)/$(m)/scores-test.npy) $(subst valid-,test-,$(FEATURE_FILES))
	$(KGC) ensemble apply --data data/$(DS) --split test

ensemble/$(DS)/t_pred_wikikg90m.npz: ensemble/$(DS)/test-top10.npy
	$(KGC) submit --data data/$(DS)

ensemble-fit: ensemble/$(DS)/weights.json
ensemble-apply: ensemble/$(DS)/test-top10.npy
submit: ensemble/$(DS)/t_pred_wikikg90m.npz

# always rebuilt (the registry changes with every run)
report: dist/.built
	$(KGC) report $(if $(wildcard data/$(DS)/manifest.json),--data data/$(DS)) --out report

# --- the demo: the whole pipeline, then the ablation table and the held-out MRR -----------------
demo: data/$(DS)/stats.json ensemble/$(DS)/t_pred_wikikg90m.npz
	$(KGC) report --data data/$(DS) --out report
	$(KGC) runs list --limit 30

# --- tests and benchmarks ---------------------------------------------------------------------
test: dist/.built
	node --test --test-concurrency=2 $$(find dist/tests -name '*.test.js' | sort)

BENCH_FLAGS ?=
bench: bench-io bench-import bench-train bench-train-tfjs bench-score bench-deepwalk bench-features bench-ensemble bench-predict bench-report

bench-io: dist/.built
	node dist/bench/io.bench.js $(BENCH_FLAGS)

bench-import: dist/.built
	node dist/bench/import.bench.js $(BENCH_FLAGS)

bench-score: dist/.built
	node dist/bench/score.bench.js $(BENCH_FLAGS)

# gensim baseline: Debian python3-gensim under /usr/bin/python3 (--no-gensim skips it)
bench-deepwalk: dist/.built
	node dist/bench/deepwalk.bench.js $(BENCH_FLAGS)

# smoothing before/after on FB15k-237 and WN18RR (2-minute trainings, ~30 minutes in all)
SMOOTHING_FLAGS ?=
bench-smoothing: dist/.built
	node dist/bench/smoothing.bench.js $(SMOOTHING_FLAGS)

# each feature alone as a ranker (synthetic default and FB15k-237 with 1,000 sampled candidates),
# the popularity baseline, every models/<ds>/*/scores-valid.npy present, and throughput
bench-features: dist/.built
	node dist/bench/features.bench.js $(BENCH_FLAGS)

bench-predict: dist/.built
	node dist/bench/predict.bench.js $(BENCH_FLAGS)

bench-report: dist/.built
	node dist/bench/report.bench.js

# `make` on fresh clones of DEMO_CANDIDATE and DEMO_BASELINE (alternating; 6-20 minutes each on
# 2 cores): wall time and the CPU seconds of each stage
DEMO_BASELINE ?= HEAD~1
DEMO_CANDIDATE ?= HEAD
DEMO_BENCH_FLAGS ?=
bench-demo: dist/.built
	node dist/bench/demo.bench.js --baseline $(DEMO_BASELINE) --candidate $(DEMO_CANDIDATE) $(DEMO_BENCH_FLAGS)

# weight-search speed (20 inputs x 20,000 queries x 1,001 generated) and, on the synthetic default,
# held-out vs in-sample MRR of an ensemble of BENCH_ENSEMBLE_MODELS (trained TRAIN_STEPS steps each)
BENCH_ENSEMBLE_MODELS ?= rotate transe-l2 distmult
bench-ensemble: dist/.built $(foreach m,$(BENCH_ENSEMBLE_MODELS),models/$(DS)/$(m)/scores-valid.npy)
	node dist/bench/ensemble.bench.js --data data/$(DS) --models "$(foreach m,$(BENCH_ENSEMBLE_MODELS),models/$(DS)/$(m))" $(BENCH_FLAGS)

# accuracy vs published figures: 30 minutes per model and dataset by default (hours in all);
# e.g. make bench-accuracy ACCURACY_FLAGS="--models rotate --minutes 30"
ACCURACY_FLAGS ?=
bench-accuracy: dist/.built
	node dist/bench/accuracy.bench.js $(ACCURACY_FLAGS)

# PyTorch baseline: apt-get install -y python3-torch libjemalloc2 (skipped with a note when absent)
# out-of-core training: accuracy vs in memory, throughput ratio, peak RSS under --memory-gb (SCALE_FLAGS,
# e.g. "--entities 1000000 --triples 10000000 --memory-gb 1"; datasets generated into --work, reused)
SCALE_FLAGS ?=
bench-scale: dist/.built
	node dist/bench/scale.bench.js $(SCALE_FLAGS)

# scoring at scale: entity.npy read vs memory-mapped, kgc score --shard peak RSS against the table,
# cold disk reads, WikiKG90M extrapolation (SCORE_SCALE_FLAGS, e.g. "--entities 4000000 --queries 40000")
SCORE_SCALE_FLAGS ?=
bench-score-scale: dist/.built
	node dist/bench/score-scale.bench.js $(SCORE_SCALE_FLAGS)

bench-train: dist/.built
	node dist/bench/train.bench.js $(BENCH_FLAGS)

# 1vsAll beside shared negatives, same run, alternated (make bench-train-1n BENCH_FLAGS="--models complex")
bench-train-1n: dist/.built
	node dist/bench/train-one-to-n.bench.js $(BENCH_FLAGS)

# the tfjs backend's positives/s beside native with the same settings (TFJS_BENCH_FLAGS: --models, --dim, --batch, --negatives, --seconds)
TFJS_BENCH_FLAGS ?=
bench-train-tfjs: dist/.built
	node dist/bench/train-tfjs.bench.js $(TFJS_BENCH_FLAGS)

clean:
	rm -rf dist data/raw data/synth models/synth ensemble/synth report
