/**
 * Evaluation's public face: the eval and score stages, the metrics (filtered ranks, OGB's
 * WikiKG90M top-10 MRR), score provenance, and exact top-k over all entities for predict.
 */
export { evalStage, headlineMetrics, type EvalProtocol, type EvalReport, type EvalStageInput } from "./eval.js";
export { scoreStage, type ScoreStageInput, type ScoreStageResult } from "./score.js";
export type { RankMetrics } from "./metrics.js";
export { candidateMrr, candidateRanks, ogbMrr, OGB_TOP, OGB_WIDTH, topK, type CandidateMetrics, type OgbMetrics } from "./ogb-metric.js";
export { checkScoreProvenance, provenancePath, readScoreProvenance, splitProvenance, writeScoreProvenance, type ScoreProvenance } from "./score-provenance.js";
export { topEntities, type TopEntities } from "./top-entities.js";
export { filesDigest, readShardProvenance, withoutShard, writeOutputProvenance, type ShardProvenance, type ShardRecord } from "./shard-provenance.js";
