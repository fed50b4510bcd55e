/**
 * BertConfig: the hyper-parameters of a BERT model, with camelCase fields here and Hugging Face's
 * `config.json` names on disk (vocab_size, hidden_size, ...), so a directory nabla writes opens in
 * `transformers` and one written there opens here. Fields nabla does not use are kept and written back.
 */

/** Activations BERT checkpoints name in `hidden_act` that nabla computes exactly as transformers does. */
export const BERT_ACTIVATIONS = ['gelu', 'relu', 'gelu_new', 'gelu_pytorch_tanh', 'silu', 'swish', 'tanh'] as const;
/** A `hidden_act` name nabla computes as transformers does: one of `BERT_ACTIVATIONS`. */
export type BertActivation = (typeof BERT_ACTIVATIONS)[number];
/** transformers' position_embedding_type values: learned absolute positions added to the embeddings, or a learned embedding of the distance between query and key inside each attention layer (Shaw et al. 2018; Huang et al. 2020 add the key term). */
export const BERT_POSITION_EMBEDDING_TYPES = ['absolute', 'relative_key', 'relative_key_query'] as const;
/** A `position_embedding_type` nabla computes as transformers does: one of `BERT_POSITION_EMBEDDING_TYPES`. */
export type BertPositionEmbeddingType = (typeof BERT_POSITION_EMBEDDING_TYPES)[number];

/** transformers' `problem_type`: which loss BertForSequenceClassification takes for its labels. */
export type BertProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/** BertConfig's fields in camelCase (config.json's snake_case names: hiddenSize is hidden_size); the defaults are bert-base-uncased's. */
export interface BertConfigOptions {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: BertActivation;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  initializerRange: number;
  layerNormEps: number;
  padTokenId: number;
  positionEmbeddingType: BertPositionEmbeddingType;
  /** Dropout before the sequence/token classifier; null = hiddenDropoutProb (transformers' rule). */
  classifierDropout: number | null;
  /** Outputs of the classification heads (HF: num_labels, stored as id2label). */
  numLabels: number;
  id2label: Record<number, string> | null;
  /** How BertForSequenceClassification turns labels into a loss; null = decided from numLabels and the labels' dtype. */
  problemType: BertProblemType | null;
  /** Class names written as `architectures` (set by savePretrained). */
  architectures: string[] | null;
}

const DEFAULTS: BertConfigOptions = {
  vocabSize: 30522,
  hiddenSize: 768,
  numHiddenLayers: 12,
  numAttentionHeads: 12,
  intermediateSize: 3072,
  hiddenAct: 'gelu',
  hiddenDropoutProb: 0.1,
  attentionProbsDropoutProb: 0.1,
  maxPositionEmbeddings: 512,
  typeVocabSize: 2,
  initializerRange: 0.02,
  layerNormEps: 1e-12,
  padTokenId: 0,
  positionEmbeddingType: 'absolute',
  classifierDropout: null,
  numLabels: 2,
  id2label: null,
  problemType: null,
  architectures: null,
};

/** camelCase field -> config.json name. */
const JSON_NAMES: Record<Exclude<keyof BertConfigOptions, 'numLabels' | 'id2label'>, string> = {
  vocabSize: 'vocab_size',
  hiddenSize: 'hidden_size',
  numHiddenLayers: 'num_hidden_layers',
  numAttentionHeads: 'num_attention_heads',
  intermediateSize: 'intermediate_size',
  hiddenAct: 'hidden_act',
  hiddenDropoutProb: 'hidden_dropout_prob',
  attentionProbsDropoutProb: 'attention_probs_dropout_prob',
  maxPositionEmbeddings: 'max_position_embeddings',
  typeVocabSize: 'type_vocab_size',
  initializerRange: 'initializer_range',
  layerNormEps: 'layer_norm_eps',
  padTokenId: 'pad_token_id',
  positionEmbeddingType: 'position_embedding_type',
  classifierDropout: 'classifier_dropout',
  problemType: 'problem_type',
  architectures: 'architectures',
};

/** The sizes of the compact BERTs of Turc et al. 2019 ("Well-Read Students Learn Better") and BERT-base. */
const PRESETS = {
  tiny: { numHiddenLayers: 2, hiddenSize: 128, numAttentionHeads: 2, intermediateSize: 512 },
  mini: { numHiddenLayers: 4, hiddenSize: 256, numAttentionHeads: 4, intermediateSize: 1024 },
  small: { numHiddenLayers: 4, hiddenSize: 512, numAttentionHeads: 8, intermediateSize: 2048 },
  medium: { numHiddenLayers: 8, hiddenSize: 512, numAttentionHeads: 8, intermediateSize: 2048 },
  base: { numHiddenLayers: 12, hiddenSize: 768, numAttentionHeads: 12, intermediateSize: 3072 },
} as const;
/** The sizes `BertConfig.preset` knows: Turc et al.'s compact BERTs 'tiny', 'mini', 'small', 'medium', and 'base'. */
export type BertPresetName = keyof typeof PRESETS;

function positiveInt(name: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`BertConfig: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
}

function probability(name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`BertConfig: ${name} must be a probability in [0, 1], got ${JSON.stringify(v)}`);
}

/**
 * The hyper-parameters of a BERT model (transformers' BertConfig): camelCase fields, checked when built, read from and written to Hugging Face's config.json by `fromJSON` / `toJSON`.
 *
 * @example
 * ```ts
 * import { bert } from 'nabla/models';
 * const config = bert.BertConfig.preset('tiny', { numLabels: 3 }); // 2 layers, hidden 128, 2 heads, vocab 30522
 * config.intermediateSize; // 512
 * config.toJSON().hidden_size; // 128: config.json's names
 * bert.BertConfig.fromJSON('{"hidden_size": 64, "num_attention_heads": 4}').hiddenSize; // 64
 * ```
 */
export class BertConfig implements BertConfigOptions {
  vocabSize!: number;
  hiddenSize!: number;
  numHiddenLayers!: number;
  numAttentionHeads!: number;
  intermediateSize!: number;
  hiddenAct!: BertActivation;
  hiddenDropoutProb!: number;
  attentionProbsDropoutProb!: number;
  maxPositionEmbeddings!: number;
  typeVocabSize!: number;
  initializerRange!: number;
  layerNormEps!: number;
  padTokenId!: number;
  positionEmbeddingType!: BertPositionEmbeddingType;
  classifierDropout!: number | null;
  numLabels!: number;
  id2label!: Record<number, string> | null;
  problemType!: BertProblemType | null;
  architectures!: string[] | null;
  /** config.json fields nabla does not use (transformers_version, use_cache, ...), written back unchanged. */
  extra: Record<string, unknown> = {};

  constructor(options: Partial<BertConfigOptions> = {}) {
    for (const key of Object.keys(options)) {
      if (!(key in DEFAULTS)) {
        const hint = Object.entries(JSON_NAMES).find(([, name]) => name === key)?.[0];
        throw new Error(`BertConfig: unknown option ${JSON.stringify(key)}${hint ? ` (the camelCase name is ${hint}; config.json names go through BertConfig.fromJSON)` : ''}`);
      }
    }
    Object.assign(this, DEFAULTS, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)));
    if (options.id2label && options.numLabels === undefined) this.numLabels = Object.keys(options.id2label).length;
    this.validate();
  }

  /** Refuses sizes and settings the model cannot be built with, naming the field and the value. */
  validate(): void {
    for (const name of ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'numAttentionHeads', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize', 'numLabels'] as const) {
      positiveInt(name, this[name]);
    }
    if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw new Error(`BertConfig: the hidden size (${this.hiddenSize}) is not a multiple of the number of attention heads (${this.numAttentionHeads})`);
    }
    if (!(BERT_ACTIVATIONS as readonly string[]).includes(this.hiddenAct)) {
      throw new Error(`BertConfig: unknown hiddenAct ${JSON.stringify(this.hiddenAct)}; expected one of ${BERT_ACTIVATIONS.join(', ')}`);
    }
    probability('hiddenDropoutProb', this.hiddenDropoutProb);
    probability('attentionProbsDropoutProb', this.attentionProbsDropoutProb);
    if (this.classifierDropout !== null) probability('classifierDropout', this.classifierDropout);
    if (!(BERT_POSITION_EMBEDDING_TYPES as readonly string[]).includes(this.positionEmbeddingType)) {
      throw new Error(`BertConfig: unknown positionEmbeddingType ${JSON.stringify(this.positionEmbeddingType)}; expected one of ${BERT_POSITION_EMBEDDING_TYPES.join(', ')}`);
    }
    if (typeof this.layerNormEps !== 'number' || !(this.layerNormEps > 0)) throw new Error(`BertConfig: layerNormEps must be a positive number, got ${JSON.stringify(this.layerNormEps)}`);
    if (typeof this.initializerRange !== 'number' || !(this.initializerRange >= 0)) throw new Error(`BertConfig: initializerRange must be a non-negative number, got ${JSON.stringify(this.initializerRange)}`);
    if (!Number.isInteger(this.padTokenId) || this.padTokenId < 0 || this.padTokenId >= this.vocabSize) {
      throw new Error(`BertConfig: padTokenId must be an id in [0, ${this.vocabSize}) (vocabSize ${this.vocabSize}), got ${JSON.stringify(this.padTokenId)}`);
    }
    if (this.id2label && Object.keys(this.id2label).length !== this.numLabels) {
      throw new Error(`BertConfig: id2label names ${Object.keys(this.id2label).length} labels but numLabels is ${this.numLabels}`);
    }
    if (this.problemType !== null && !['regression', 'single_label_classification', 'multi_label_classification'].includes(this.problemType)) {
      throw new Error(`BertConfig: problemType must be regression, single_label_classification or multi_label_classification, got ${JSON.stringify(this.problemType)}`);
    }
  }

  /** A preset size ('tiny' = L2/H128/A2, 'mini' = L4/H256/A4, 'small' = L4/H512/A8, 'medium' = L8/H512/A8, 'base' = L12/H768/A12), vocab 30522. */
  static preset(name: BertPresetName, overrides: Partial<BertConfigOptions> = {}): BertConfig {
    const sizes = PRESETS[name];
    if (!sizes) throw new Error(`BertConfig.preset: unknown preset ${JSON.stringify(name)}; expected one of ${Object.keys(PRESETS).join(', ')}`);
    return new BertConfig({ ...sizes, ...overrides });
  }

  /** A copy with some fields changed. */
  with(overrides: Partial<BertConfigOptions>): BertConfig {
    const options = { ...this.options(), ...overrides };
    // a new label count drops the old label names, as setting num_labels does in transformers
    if (overrides.numLabels !== undefined && overrides.id2label === undefined && overrides.numLabels !== this.numLabels) options.id2label = null;
    const copy = new BertConfig(options);
    copy.extra = { ...this.extra };
    return copy;
  }

  /** The fields as a plain options object. */
  options(): BertConfigOptions {
    const out = {} as Record<string, unknown>;
    for (const key of Object.keys(DEFAULTS)) out[key] = (this as unknown as Record<string, unknown>)[key];
    return out as unknown as BertConfigOptions;
  }

  /** Reads a Hugging Face config.json (object or text). */
  static fromJSON(json: object | string): BertConfig {
    const raw = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`BertConfig.fromJSON: expected a JSON object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`);
    if (raw.model_type !== undefined && raw.model_type !== 'bert') {
      throw new Error(`BertConfig.fromJSON: model_type is ${JSON.stringify(raw.model_type)}, expected "bert"`);
    }
    const options: Record<string, unknown> = {};
    const used = new Set<string>(['model_type', 'id2label', 'label2id', 'num_labels']);
    for (const [field, name] of Object.entries(JSON_NAMES)) {
      if (name in raw) {
        options[field] = raw[name];
        used.add(name);
      }
    }
    if (raw.id2label && typeof raw.id2label === 'object') {
      options.id2label = Object.fromEntries(Object.entries(raw.id2label as Record<string, string>).map(([k, v]) => [Number(k), v]));
    } else if (raw.num_labels !== undefined) options.numLabels = raw.num_labels;
    const config = new BertConfig(options as Partial<BertConfigOptions>);
    config.extra = Object.fromEntries(Object.entries(raw).filter(([k]) => !used.has(k)));
    return config;
  }

  /**
   * The config.json object with transformers' names. Labels are written as id2label/label2id (as
   * transformers does) when they differ from its default of two unnamed labels.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.architectures) out.architectures = [...this.architectures];
    for (const [field, name] of Object.entries(JSON_NAMES)) {
      if (field === 'architectures') continue;
      const value = (this as unknown as Record<string, unknown>)[field];
      if (field === 'problemType' && value === null) continue;
      out[name] = value;
    }
    const names = this.id2label ?? Object.fromEntries(Array.from({ length: this.numLabels }, (_, i) => [i, `LABEL_${i}`]));
    if (this.id2label || this.numLabels !== 2) {
      out.id2label = Object.fromEntries(Object.entries(names).map(([k, v]) => [String(k), v]));
      out.label2id = Object.fromEntries(Object.entries(names).map(([k, v]) => [v, Number(k)]));
    }
    out.model_type = 'bert';
    for (const [k, v] of Object.entries(this.extra)) if (!(k in out)) out[k] = v;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  toJSONString(): string {
    return `${JSON.stringify(this.toJSON(), null, 2)}\n`;
  }
}
