/**
 * Training's public face: the train stage, and the model folders it writes as the other stages
 * read them (loadTrainedModel: the tables of a trained model, whichever backend trained it).
 */
export { trainStage, type TrainStageInput, type TrainStageResult } from "./train.js";
export { loadTrainedModel, readModelConfig, type SavedModelConfig, type TrainedModel } from "./trained-model.js";
export { MAP_ABOVE_BYTES } from "./mapped-table.js";
export { createTables, modelShape, type EncoderKind, type TableOptions } from "./tables.js";
export { loadFeatures, type Features } from "./frozen-features.js";
