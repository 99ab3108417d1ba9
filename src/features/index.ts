/** The graph-features stage folder: statistical candidate features (priors) and their stage. */
export { FEATURES_DIR, FEATURES_MANIFEST, featureFileName, featuresStage, readPreviousManifest, updatedManifest, type FeaturesManifest, type FeaturesStageInput, type FeaturesStageResult } from "./features.js";
export { DEFAULT_HUB_LIMIT, PRIOR_FEATURES, priorFeatureNames, type PriorFeature } from "./priors.js";
