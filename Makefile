# kgc — stages as file targets: a rerun does only what is missing.
#   make          install (npm ci when needed), build, run the demo pipeline on the synthetic dataset
#   make test     unit, contract, CLI and end-to-end tests (node's built-in runner)
#   make bench    benchmarks (JSON lines on stdout)

SHELL := /bin/bash
KGC := node dist/src/cli/kgc.js
DS ?= synth
SEED ?= 42
SYNTH_FLAGS ?=
TS_SOURCES := $(shell find src tests bench -name '*.ts' 2>/dev/null)

.PHONY: all demo install build test bench bench-io bench-import bench-train bench-score bench-accuracy clean deepwalk smooth bench-deepwalk bench-smoothing

all: demo

install: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# the C++ addon: npm ci builds it; rebuilt here when a C++ source or binding.gyp changes
NATIVE_SOURCES := binding.gyp $(shell find src/native -name '*.cc' -o -name '*.h' 2>/dev/null)
build/Release/kgc_native.node: $(NATIVE_SOURCES) | node_modules/.installed
	npm run install
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

data/$(DS)/stats.json: data/$(DS)/manifest.json
	$(KGC) data stats data/$(DS) --json > $@.tmp && mv $@.tmp $@

# --- train stage -------------------------------------------------------------------------------
MODEL ?= rotate
TRAIN_STEPS ?= 2000
models/$(DS)/$(MODEL)/entity.npy: data/$(DS)/manifest.json
	$(KGC) train --data data/$(DS) --model $(MODEL) --steps $(TRAIN_STEPS) --seed $(SEED) --force

# --- evaluation and scoring ---------------------------------------------------------------------
EVAL_PROTOCOL ?= candidates
models/$(DS)/$(MODEL)/eval-valid.json: models/$(DS)/$(MODEL)/entity.npy
	$(KGC) eval --model-dir models/$(DS)/$(MODEL) --data data/$(DS) --split valid --protocol $(EVAL_PROTOCOL)

models/$(DS)/$(MODEL)/scores-test.npy: models/$(DS)/$(MODEL)/entity.npy
	$(KGC) score --model-dir models/$(DS)/$(MODEL) --data data/$(DS) --split test

# --- graph features: DeepWalk embeddings and post-smoothing -----------------------------------
DEEPWALK_FLAGS ?=
models/$(DS)/deepwalk/entity.npy: data/$(DS)/manifest.json
	$(KGC) deepwalk --data data/$(DS) --seed $(SEED) $(DEEPWALK_FLAGS)
deepwalk: models/$(DS)/deepwalk/entity.npy

# smooths MODEL (transe-l1/l2, rotate, quate, ote, note) -> models/$(DS)/$(MODEL)-smooth/
SMOOTH_FLAGS ?=
models/$(DS)/$(MODEL)-smooth/entity.npy: models/$(DS)/$(MODEL)/entity.npy
	$(KGC) smooth --model-dir models/$(DS)/$(MODEL) $(SMOOTH_FLAGS)
smooth: models/$(DS)/$(MODEL)-smooth/entity.npy

demo: data/$(DS)/stats.json models/$(DS)/$(MODEL)/eval-valid.json models/$(DS)/$(MODEL)/scores-test.npy
	$(KGC) data stats data/$(DS)
	$(KGC) runs list --limit 10

# --- features stage: the statistical candidate features of both splits ----------------------------
# (pattern rule: data/$(DS)/features/valid-rt.npy runs `kgc features --split valid`; all files of a
# split appear together, features.json lists them)
.PHONY: features
features: data/$(DS)/features/valid-rt.npy data/$(DS)/features/test-rt.npy
data/$(DS)/features/%-rt.npy: data/$(DS)/manifest.json | dist/.built
	$(KGC) features --data data/$(DS) --split $*
# --- report: always rebuilt (the registry changes with every run) -------------------------------
.PHONY: report bench-predict bench-report
report: dist/.built
	$(KGC) report $(if $(wildcard data/$(DS)/manifest.json),--data data/$(DS)) --out report

# --- tests and benchmarks ---------------------------------------------------------------------
test: dist/.built
	node --test --test-concurrency=2 $$(find dist/tests -name '*.test.js' | sort)

BENCH_FLAGS ?=
bench: bench-io bench-import bench-train bench-score bench-deepwalk

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
.PHONY: bench-features
bench-features: dist/.built
	node dist/bench/features.bench.js $(BENCH_FLAGS)
bench-predict: dist/.built
	node dist/bench/predict.bench.js $(BENCH_FLAGS)

bench-report: dist/.built
	node dist/bench/report.bench.js

# accuracy vs published figures: 30 minutes per model and dataset by default (hours in all);
# e.g. make bench-accuracy ACCURACY_FLAGS="--models rotate --minutes 30"
ACCURACY_FLAGS ?=
bench-accuracy: dist/.built
	node dist/bench/accuracy.bench.js $(ACCURACY_FLAGS)

# PyTorch baseline: apt-get install -y python3-torch libjemalloc2 (skipped with a note when absent)
bench-train: dist/.built
	node dist/bench/train.bench.js $(BENCH_FLAGS)

clean:
	rm -rf dist data/raw data/synth
