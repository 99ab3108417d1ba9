"""gensim's Word2Vec (skip-gram, negative sampling) on a walks file, the DeepWalk bench's baseline.

usage: /usr/bin/python3 bench/gensim-word2vec.py WALKS OUT.npy NUM_NODES DIM WINDOW NEGATIVES EPOCHS ALPHA MIN_ALPHA SEED WORKERS
WALKS: one walk per line, entity ids separated by spaces. The corpus is loaded into memory
before the clock starts (gensim's fastest list-of-lists input); sample=0 (no frequent-word
down-sampling, as kgc) and min_count=1. Prints one JSON object: vocab and train seconds, words.
Writes the input vectors as float32 [NUM_NODES, DIM] by entity id (zero rows for absent ids).
"""
import json
import sys
import time

import numpy as np
from gensim.models import Word2Vec

walks_path, out_path = sys.argv[1], sys.argv[2]
n, dim, window, negative, epochs = (int(v) for v in sys.argv[3:8])
alpha, min_alpha = float(sys.argv[8]), float(sys.argv[9])
seed, workers = int(sys.argv[10]), int(sys.argv[11])

with open(walks_path) as f:
    corpus = [line.split() for line in f]
words = sum(len(w) for w in corpus)

model = Word2Vec(vector_size=dim, window=window, negative=negative, hs=0, sg=1, min_count=1, sample=0,
                 alpha=alpha, min_alpha=min_alpha, seed=seed, workers=workers, epochs=epochs)
t0 = time.perf_counter()
model.build_vocab(corpus)
t1 = time.perf_counter()
model.train(corpus, total_examples=len(corpus), epochs=epochs)
t2 = time.perf_counter()

vectors = np.zeros((n, dim), dtype=np.float32)
for key, index in model.wv.key_to_index.items():
    vectors[int(key)] = model.wv.vectors[index]
np.save(out_path, vectors)
print(json.dumps({"vocab_seconds": t1 - t0, "train_seconds": t2 - t1, "words": words, "walks": len(corpus)}))
