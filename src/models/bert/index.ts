/** BERT with Hugging Face's module names and state-dict keys: config, encoder, task heads. */
export { BertConfig, BERT_ACTIVATIONS, BERT_POSITION_EMBEDDING_TYPES, type BertActivation, type BertConfigOptions, type BertPositionEmbeddingType, type BertPresetName, type BertProblemType } from './config.js';
export {
  BertModel, BertEmbeddings, BertSelfAttention, BertSelfOutput, BertAttention, BertIntermediate, BertOutput, BertLayer,
  BertEncoder, BertPooler, extendedAttentionMask, type BertInputs, type BertModelOutput,
} from './model.js';
export {
  BertPredictionHeadTransform, BertLMPredictionHead, BertOnlyMLMHead, BertPreTrainingHeads, BertForPreTraining, BertForMaskedLM,
  BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering,
  type PreTrainingInputs, type PreTrainingOutput, type LabelledInputs, type LogitsOutput, type QuestionAnsweringInputs, type QuestionAnsweringOutput,
} from './heads.js';
export {
  BertPreTrainedModel, loadCheckpoint, tokenizerFromFiles, setPretrainedFileSystem,
  type BertFiles, type LoadReport, type FromPretrainedOptions, type HubOptions, type SavePretrainedOptions,
} from './pretrained.js';
export * from './pretraining-data.js';
export * from './finetune-data.js';
export * from './metrics.js';
export * from './baselines.js';
export * from './trainer.js';
export * from './pretraining-loss.js';
export * from './pretrain.js';
export * from './finetune.js';
export * from './pipelines.js';
