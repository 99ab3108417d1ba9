/**
 * The backends' public face: the Backend seam, its registry, and the native door's host services
 * (mmap of large feature files, build info) that stages use whichever backend trains.
 */
export type { Backend, BackendName, BatchGradients, ExplicitBatch, KnownTriples, TrainChunkResult, TrainCounters, TrainJob, TrainTriples } from "./backend.js";
export { BACKEND_NAMES } from "./backend.js";
export { backendNames, pickBackend } from "./pick-backend.js";
export { nativeBackend } from "./native/backend.js";
export { nativeBuildInfo, nativeFirstNonFinite, nativeMapTable, nativeScore, nativeScoreAsync } from "./native/binding.js";
