{
  "variables": {
    "kgc_openblas%": "<!(pkg-config --exists openblas 2>/dev/null && echo 1 || echo 0)"
  },
  "targets": [
    {
      "target_name": "kgc_native",
      "sources": [
        "src/native/addon.cc",
        "src/native/common/comparators.cc",
        "src/native/common/encoder.cc",
        "src/native/common/engine.cc",
        "src/native/common/gemm.cc",
        "src/native/common/mmap.cc",
        "src/native/common/scoring.cc",
        "<!@(ls -1 src/native/kernels/*.cc)",
        "src/native/walk/skipgram.cc",
        "src/native/walk/smoothing.cc",
        "src/native/walk/walk-napi.cc",
        "src/native/walk/walks.cc",
        "src/native/priors/features.cc",
        "src/native/priors/priors-napi.cc",
        "src/native/priors/tables.cc",
        "src/native/ensemble/objective.cc",
        "src/native/ensemble/objective-napi.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-march=native", "-ffast-math", "-fno-finite-math-only", "-Wno-maybe-uninitialized"],
      "conditions": [
        ["kgc_openblas==1", {
          "defines": ["KGC_HAVE_OPENBLAS"],
          "cflags_cc": ["<!@(pkg-config --cflags openblas)"],
          "libraries": ["<!@(pkg-config --libs openblas)"]
        }]
      ]
    }
  ]
}
