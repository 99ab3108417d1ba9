# kgc score over N shards run in parallel by make, then kgc merge: the make -j way of spreading a
# map over queries across cores (or machines sharing a filesystem, with a make that dispatches jobs).
#   make -j4 -f docs/examples/shard.mk MODEL_DIR=models/synth/rotate DATA=data/synth SPLIT=test N=4
# Each shard is a file target, so a rerun scores only the shards that are missing.
KGC ?= node dist/src/cli/kgc.js
N ?= 4
SPLIT ?= test
SCORE_FLAGS ?=
ifndef MODEL_DIR
$(error give MODEL_DIR=models/<ds>/<model> and DATA=data/<ds>)
endif

SHARDS := $(foreach i,$(shell seq 0 $$(($(N) - 1))),$(MODEL_DIR)/scores-$(SPLIT).shard-$(i)-of-$(N).npy)

$(MODEL_DIR)/scores-$(SPLIT).npy: $(SHARDS)
	$(KGC) merge --model-dir $(MODEL_DIR) --split $(SPLIT)

$(MODEL_DIR)/scores-$(SPLIT).shard-%-of-$(N).npy:
	$(KGC) score --model-dir $(MODEL_DIR) --data $(DATA) --split $(SPLIT) --shard $*/$(N) $(SCORE_FLAGS)
