/**
 * The model layer's public face, backend-neutral: the interaction registry, the training config
 * schema (every layer's config type derives from it) and the tables every backend trains.
 */
export { applyOverrides, negativeCount, negGroupRows, parseTrainConfig, TrainConfigSchema, type TrainConfig, type TrainConfigInput } from "./config.js";
export { getInteraction, interactionNames } from "./registry.js";
export type { Interaction, ModelShape } from "./interaction.js";
export type { EncoderTables, ModelTables } from "./model-tables.js";
export { datasetFingerprint } from "./fingerprint.js";
