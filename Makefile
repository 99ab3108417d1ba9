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

.PHONY: all demo install build test bench bench-io bench-import bench-train bench-score bench-accuracy bench-ensemble ensemble-fit ensemble-apply submit clean

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

# --- data stage -------------------------------------------------------------------------------
data/raw/synth/meta.json: | dist/.built
	$(KGC) data synth --out data/raw/synth --seed $(SEED) $(SYNTH_FLAGS)

data/synth/manifest.json: data/raw/synth/meta.json | dist/.built
	$(KGC) data import --ogb data/raw/synth --name synth --out data

data/$(DS)/stats.json: data/$(DS)/manifest.json
	$(KGC) data stats data/$(DS) --json > $@.tmp && mv $@.tmp $@

# --- train stage -------------------------------------------------------------------------------
MODEL ?= rotate
TRAIN_STEPS ?= 2000
models/$(DS)/$(MODEL)/entity.npy: data/$(DS)/manifest.json
	$(KGC) train --data data/$(DS) --model $(MODEL) --steps $(TRAIN_STEPS) --seed $(SEED)

# --- evaluation and scoring ---------------------------------------------------------------------
EVAL_PROTOCOL ?= candidates
models/$(DS)/$(MODEL)/eval-valid.json: models/$(DS)/$(MODEL)/entity.npy
	$(KGC) eval --model-dir models/$(DS)/$(MODEL) --data data/$(DS) --split valid --protocol $(EVAL_PROTOCOL)

models/$(DS)/$(MODEL)/scores-test.npy: models/$(DS)/$(MODEL)/entity.npy
	$(KGC) score --model-dir models/$(DS)/$(MODEL) --data data/$(DS) --split test

# --- ensemble, evaluation of the top-10, submission ---------------------------------------------
# ENSEMBLE_MODELS: the model folders whose scores-valid/test.npy are blended; FEATURES: all | none | a,b
ENSEMBLE_MODELS ?= $(MODEL)
FEATURES ?= none
ENSEMBLE_FLAGS ?=
ENSEMBLE_INPUTS = $(foreach m,$(ENSEMBLE_MODELS),--input models/$(DS)/$(m))
ensemble/$(DS)/weights.json: $(foreach m,$(ENSEMBLE_MODELS),models/$(DS)/$(m)/scores-valid.npy)
	$(KGC) ensemble fit --data data/$(DS) --split valid $(ENSEMBLE_INPUTS) --features $(FEATURES) $(ENSEMBLE_FLAGS)

ensemble/$(DS)/test-top10.npy: ensemble/$(DS)/weights.json $(foreach m,$(ENSEMBLE_MODELS),models/$(DS)/$(m)/scores-test.npy)
	$(KGC) ensemble apply --data data/$(DS) --split test

ensemble/$(DS)/t_pred_wikikg90m.npz: ensemble/$(DS)/test-top10.npy
	$(KGC) submit --data data/$(DS)

ensemble-fit: ensemble/$(DS)/weights.json
ensemble-apply: ensemble/$(DS)/test-top10.npy
submit: ensemble/$(DS)/t_pred_wikikg90m.npz

# any model's scores of a split: make models/synth/transe-l2/scores-valid.npy trains and scores it
.PRECIOUS: models/$(DS)/%/entity.npy
models/$(DS)/%/entity.npy: data/$(DS)/manifest.json
	$(KGC) train --data data/$(DS) --model $* --steps $(TRAIN_STEPS) --seed $(SEED)

models/$(DS)/%/scores-valid.npy: models/$(DS)/%/entity.npy
	$(KGC) score --model-dir models/$(DS)/$* --data data/$(DS) --split valid

models/$(DS)/%/scores-test.npy: models/$(DS)/%/entity.npy
	$(KGC) score --model-dir models/$(DS)/$* --data data/$(DS) --split test

demo: data/$(DS)/stats.json models/$(DS)/$(MODEL)/eval-valid.json models/$(DS)/$(MODEL)/scores-test.npy
	$(KGC) data stats data/$(DS)
	$(KGC) runs list --limit 10

# --- tests and benchmarks ---------------------------------------------------------------------
test: dist/.built
	node --test --test-concurrency=2 $$(find dist/tests -name '*.test.js' | sort)

BENCH_FLAGS ?=
bench: bench-io bench-import bench-train bench-score

bench-io: dist/.built
	node dist/bench/io.bench.js $(BENCH_FLAGS)

bench-import: dist/.built
	node dist/bench/import.bench.js $(BENCH_FLAGS)

bench-score: dist/.built
	node dist/bench/score.bench.js $(BENCH_FLAGS)

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
bench-train: dist/.built
	node dist/bench/train.bench.js $(BENCH_FLAGS)

clean:
	rm -rf dist data/raw data/synth
