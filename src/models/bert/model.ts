/**
 * BERT's encoder as Hugging Face's transformers writes it (modeling_bert.py): the same submodules
 * under the same names (`embeddings.word_embeddings`, `encoder.layer.0.attention.self.query`,
 * `...LayerNorm`), so `stateDict()` keys are transformers' keys, and the same forward: post-norm
 * residual blocks, exact erf GELU by default, the additive attention mask (1 - mask) · float32 min,
 * dropout on the attention probabilities in training mode.
 */
import { Tensor } from '../../tensor/tensor.js';
import { arange, zeros } from '../../tensor/creation.js';
import { formatShape } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { gelu, relu, silu, tanh } from '../../ops/elementwise.js';
import { scaledDotProductAttention, scaledDotProductAttentionWithWeights } from '../../ops/attention.js';
import { softmax } from '../../ops/activation.js';
import { matmul } from '../../ops/linalg.js';
import { Module } from '../../nn/module.js';
import { ModuleList } from '../../nn/containers.js';
import { Linear } from '../../nn/linear.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/normalization.js';
import { Dropout } from '../../nn/dropout.js';
import { normal_, zeros_, ones_ } from '../../nn/init.js';
import type { BertActivation, BertConfig, BertPositionEmbeddingType } from './config.js';
import { BertPreTrainedModel } from './pretrained.js';

/** torch.finfo(torch.float32).min: what transformers puts at masked keys (finite, so a fully masked row stays uniform, not NaN). */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** BertModel's inputs beside inputIds (transformers' attention_mask, token_type_ids, position_ids, output_hidden_states, output_attentions). */
export interface BertInputs {
  /** [batch, seq]: 1 (or true) = a real token, 0 = padding; int32, float32 or bool. Default all ones. */
  attentionMask?: Tensor | null;
  /** [batch, seq] int32 segment ids (0 = sentence A, 1 = sentence B). Default zeros. */
  tokenTypeIds?: Tensor | null;
  /** [batch, seq] or [seq] int32 positions. Default 0..seq-1. */
  positionIds?: Tensor | null;
  /** Also return the embeddings' output and every layer's output. */
  outputHiddenStates?: boolean;
  /** Also return every layer's attention probabilities [batch, heads, seq, seq]. */
  outputAttentions?: boolean;
}

/** What BertModel returns (transformers' last_hidden_state, pooler_output, hidden_states, attentions). */
export interface BertModelOutput {
  /** [batch, seq, hidden] */
  lastHiddenState: Tensor;
  /** [batch, hidden]: tanh(dense(first token)); null without a pooling layer. */
  poolerOutput: Tensor | null;
  /** numHiddenLayers + 1 tensors [batch, seq, hidden]: the embeddings, then each layer's output. */
  hiddenStates?: Tensor[];
  /** numHiddenLayers tensors [batch, heads, seq, seq]. */
  attentions?: Tensor[];
}

/** transformers' ACT2FN for the activations BERT checkpoints use. */
export function activationFunction(name: BertActivation): (x: Tensor) => Tensor {
  switch (name) {
    case 'gelu': return (x) => gelu(x);
    case 'gelu_new':
    case 'gelu_pytorch_tanh': return (x) => gelu(x, 'tanh');
    case 'relu': return relu;
    case 'silu':
    case 'swish': return silu;
    case 'tanh': return tanh;
    default: throw new Error(`BERT: unknown hidden_act ${JSON.stringify(name)}`);
  }
}

/** Refuses ids outside [0, high), naming the tensor, the id, where it is and the limit. */
export function checkIdRange(where: string, name: string, ids: Tensor, high: number, limitName: string): void {
  if (ids.dtype !== 'int32') throw new Error(`${where}: ${name} must be an int32 tensor, got ${ids.dtype} (shape ${formatShape(ids.shape)})`);
  const data = ids.contiguousData() as Int32Array;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= high) {
      throw new Error(`${where}: ${name} holds ${v} (at flat index ${i}), outside [0, ${high}) for ${limitName} ${high}`);
    }
  }
}

function checkSameShape(where: string, name: string, t: Tensor, inputIds: Tensor): void {
  if (!(t instanceof Tensor)) throw new Error(`${where}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (formatShape(t.shape) !== formatShape(inputIds.shape)) {
    throw new Error(`${where}: ${name} has shape ${formatShape(t.shape)}, but inputIds has shape ${formatShape(inputIds.shape)}; they must match`);
  }
}

/** transformers' _init_weights: Linear N(0, initializerRange) with zero bias, Embedding N(0, initializerRange) with the padding row zeroed, LayerNorm ones and zeros. */
export function initBertWeights(module: Module, config: BertConfig): void {
  noGrad(() => {
    for (const m of module.modules()) {
      if (m instanceof Linear) {
        normal_(m.weight, 0, config.initializerRange);
        if (m.bias) zeros_(m.bias);
      } else if (m instanceof Embedding) {
        normal_(m.weight, 0, config.initializerRange);
        if (m.paddingIdx !== null) m.weight.select(0, m.paddingIdx).fill_(0);
      } else if (m instanceof LayerNorm) {
        if (m.weight) ones_(m.weight);
        if (m.bias) zeros_(m.bias);
      }
    }
  });
}

/** Word + position + token-type embeddings, then LayerNorm and dropout (transformers' BertEmbeddings). */
export class BertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  readonly config: BertConfig;

  constructor(config: BertConfig) {
    super();
    this.config = config;
    this.word_embeddings = new Embedding(config.vocabSize, config.hiddenSize, { paddingIdx: config.padTokenId });
    this.position_embeddings = new Embedding(config.maxPositionEmbeddings, config.hiddenSize);
    this.token_type_embeddings = new Embedding(config.typeVocabSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  /** inputIds [batch, seq] int32 -> [batch, seq, hidden]. */
  override forward(inputIds: Tensor, tokenTypeIds: Tensor | null = null, positionIds: Tensor | null = null): Tensor {
    const where = 'BertEmbeddings';
    const c = this.config;
    const seq = inputIds.shape[inputIds.ndim - 1]!;
    checkIdRange(where, 'inputIds', inputIds, c.vocabSize, 'vocabSize');
    if (positionIds === null) {
      if (seq > c.maxPositionEmbeddings) {
        throw new Error(`${where}: the sequence length ${seq} is longer than maxPositionEmbeddings ${c.maxPositionEmbeddings}; truncate the input to at most ${c.maxPositionEmbeddings} tokens`);
      }
      positionIds = arange(seq, undefined, 1, { dtype: 'int32' }).unsqueeze(0);
    } else checkIdRange(where, 'positionIds', positionIds, c.maxPositionEmbeddings, 'maxPositionEmbeddings');
    if (tokenTypeIds === null) tokenTypeIds = zeros(inputIds.shape, { dtype: 'int32' });
    else checkIdRange(where, 'tokenTypeIds', tokenTypeIds, c.typeVocabSize, 'typeVocabSize');
    let embeddings = this.word_embeddings.call(inputIds).add(this.token_type_embeddings.call(tokenTypeIds));
    // relative positions enter in the attention layers instead (transformers still keeps the unused table)
    if (c.positionEmbeddingType === 'absolute') embeddings = embeddings.add(this.position_embeddings.call(positionIds));
    return this.dropout.call(this.LayerNorm.call(embeddings));
  }
}

/**
 * Multi-head scaled dot-product self-attention: query, key and value projections, dropout on the attention probabilities.
 * With relative positions (`relative_key`, `relative_key_query`), `distance_embedding` holds one learned vector per
 * distance i - j in (-maxPositionEmbeddings, maxPositionEmbeddings), shared by the heads, and the scores gain
 * q_i · d(i - j) (and k_j · d(i - j)) before the scaling, as transformers computes them.
 */
export class BertSelfAttention extends Module {
  query: Linear;
  key: Linear;
  value: Linear;
  dropout: Dropout;
  distance_embedding: Embedding | null = null;
  readonly numAttentionHeads: number;
  readonly attentionHeadSize: number;
  readonly positionEmbeddingType: BertPositionEmbeddingType;
  readonly maxPositionEmbeddings: number;

  constructor(config: BertConfig) {
    super();
    if (config.hiddenSize % config.numAttentionHeads !== 0) {
      throw new Error(`BertSelfAttention: the hidden size (${config.hiddenSize}) is not a multiple of the number of attention heads (${config.numAttentionHeads})`);
    }
    this.numAttentionHeads = config.numAttentionHeads;
    this.attentionHeadSize = config.hiddenSize / config.numAttentionHeads;
    this.query = new Linear(config.hiddenSize, config.hiddenSize);
    this.key = new Linear(config.hiddenSize, config.hiddenSize);
    this.value = new Linear(config.hiddenSize, config.hiddenSize);
    this.dropout = new Dropout(config.attentionProbsDropoutProb);
    this.positionEmbeddingType = config.positionEmbeddingType;
    this.maxPositionEmbeddings = config.maxPositionEmbeddings;
    if (config.positionEmbeddingType !== 'absolute') this.distance_embedding = new Embedding(2 * config.maxPositionEmbeddings - 1, this.attentionHeadSize);
  }

  /** [batch, seq, hidden] with an additive mask broadcastable to [batch, heads, seq, seq] -> [context, probabilities or null]. */
  override forward(hiddenStates: Tensor, extendedMask: Tensor | null, outputAttentions = false): [Tensor, Tensor | null] {
    const [b, s] = hiddenStates.shape as [number, number, number];
    const h = this.numAttentionHeads, d = this.attentionHeadSize;
    // transpose_for_scores: [b, s, h*d] -> [b, h, s, d] as strided views
    const heads = (t: Tensor): Tensor => t.view(b, s, h, d).permute(0, 2, 1, 3);
    const q = heads(this.query.call(hiddenStates));
    const k = heads(this.key.call(hiddenStates));
    const v = heads(this.value.call(hiddenStates));
    if (this.distance_embedding) return this.relativeAttention(q, k, v, extendedMask, outputAttentions);
    // softmax(q·kᵀ/√d + mask), dropout on the probabilities, then ·v: one fused op
    const options = { attnMask: extendedMask, dropoutP: this.training ? this.dropout.p : 0 };
    let context: Tensor, probs: Tensor | null = null;
    if (outputAttentions) {
      const r = scaledDotProductAttentionWithWeights(q, k, v, options);
      context = r.output;
      probs = r.weights;
    } else context = scaledDotProductAttention(q, k, v, options);
    return [context.permute(0, 2, 1, 3).reshape(b, s, h * d), probs];
  }

  /** The scores with the distance terms, composed from ops: the fused attention takes no per-score term that learns. */
  private relativeAttention(q: Tensor, k: Tensor, v: Tensor, extendedMask: Tensor | null, outputAttentions: boolean): [Tensor, Tensor | null] {
    const [b, h, s, d] = q.shape as [number, number, number, number];
    // distance i - j, shifted to a row index of distance_embedding: [s, s, d]
    const positions = arange(s, undefined, 1, { dtype: 'int32' });
    const rows = positions.unsqueeze(1).sub(positions.unsqueeze(0)).add(this.maxPositionEmbeddings - 1);
    const distance = this.distance_embedding!.call(rows);
    // [b, h, s, d] -> [s, b·h, d]: one batch entry per position, so each position meets its own slice of distance
    const byPosition = (t: Tensor): Tensor => t.permute(2, 0, 1, 3).reshape(s, b * h, d);
    // einsum('bhld,lrd->bhlr', q, distance): for each query i, [b·h, d] · [d, s (j)]
    let scores = matmul(q, k.transpose(-1, -2)).add(matmul(byPosition(q), distance.transpose(1, 2)).view(s, b, h, s).permute(1, 2, 0, 3));
    // einsum('bhrd,lrd->bhlr', k, distance): for each key j, [b·h, d] · [d, s (i)]
    if (this.positionEmbeddingType === 'relative_key_query') {
      scores = scores.add(matmul(byPosition(k), distance.permute(1, 2, 0)).view(s, b, h, s).permute(1, 2, 3, 0));
    }
    scores = scores.mul(1 / Math.sqrt(d));
    if (extendedMask) scores = scores.add(extendedMask);
    const probs = softmax(scores, -1);
    const context = matmul(this.dropout.call(probs), v);
    return [context.permute(0, 2, 1, 3).reshape(b, s, h * d), outputAttentions ? probs : null];
  }
}

/** The attention's output projection, dropout, residual connection and LayerNorm (post-norm). */
export class BertSelfOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  override forward(hiddenStates: Tensor, inputTensor: Tensor): Tensor {
    return this.LayerNorm.call(this.dropout.call(this.dense.call(hiddenStates)).add(inputTensor));
  }
}

/** Self-attention and its output block (`attention.self`, `attention.output`). */
export class BertAttention extends Module {
  self: BertSelfAttention;
  output: BertSelfOutput;

  constructor(config: BertConfig) {
    super();
    this.self = new BertSelfAttention(config);
    this.output = new BertSelfOutput(config);
  }

  override forward(hiddenStates: Tensor, extendedMask: Tensor | null, outputAttentions = false): [Tensor, Tensor | null] {
    const [context, probs] = this.self.call(hiddenStates, extendedMask, outputAttentions);
    return [this.output.call(context, hiddenStates), probs];
  }
}

/** The feed-forward block's first half: Linear hidden -> intermediateSize, then the config's activation (exact GELU by default). */
export class BertIntermediate extends Module {
  dense: Linear;
  readonly #act: (x: Tensor) => Tensor;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.intermediateSize);
    this.#act = activationFunction(config.hiddenAct);
  }

  override forward(hiddenStates: Tensor): Tensor {
    return this.#act(this.dense.call(hiddenStates));
  }
}

/** The feed-forward block's second half: Linear intermediateSize -> hidden, dropout, residual connection and LayerNorm. */
export class BertOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.intermediateSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  override forward(hiddenStates: Tensor, inputTensor: Tensor): Tensor {
    return this.LayerNorm.call(this.dropout.call(this.dense.call(hiddenStates)).add(inputTensor));
  }
}

/** One Transformer encoder layer: self-attention, then the feed-forward block. */
export class BertLayer extends Module {
  attention: BertAttention;
  intermediate: BertIntermediate;
  output: BertOutput;

  constructor(config: BertConfig) {
    super();
    this.attention = new BertAttention(config);
    this.intermediate = new BertIntermediate(config);
    this.output = new BertOutput(config);
  }

  override forward(hiddenStates: Tensor, extendedMask: Tensor | null, outputAttentions = false): [Tensor, Tensor | null] {
    const [attended, probs] = this.attention.call(hiddenStates, extendedMask, outputAttentions);
    return [this.output.call(this.intermediate.call(attended), attended), probs];
  }
}

/** numHiddenLayers BertLayers in a row (`encoder.layer.0` ...), optionally returning every layer's hidden states and attentions. */
export class BertEncoder extends Module {
  layer: ModuleList;

  constructor(config: BertConfig) {
    super();
    this.layer = new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new BertLayer(config)));
  }

  override forward(hiddenStates: Tensor, extendedMask: Tensor | null, options: { outputHiddenStates?: boolean; outputAttentions?: boolean } = {}): BertModelOutput {
    const all: Tensor[] = [];
    const attentions: Tensor[] = [];
    for (const layer of this.layer) {
      if (options.outputHiddenStates) all.push(hiddenStates);
      const [out, probs] = (layer as BertLayer).call(hiddenStates, extendedMask, options.outputAttentions ?? false);
      hiddenStates = out;
      if (probs) attentions.push(probs);
    }
    if (options.outputHiddenStates) all.push(hiddenStates);
    return {
      lastHiddenState: hiddenStates,
      poolerOutput: null,
      ...(options.outputHiddenStates ? { hiddenStates: all } : {}),
      ...(options.outputAttentions ? { attentions } : {}),
    };
  }
}

/** The pooled sentence vector, tanh(Linear) of the [CLS] token's last hidden state, read by next-sentence prediction and sequence classification. */
export class BertPooler extends Module {
  dense: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
  }

  /** tanh(dense(hidden state of the first token, [CLS])). */
  override forward(hiddenStates: Tensor): Tensor {
    return tanh(this.dense.call(hiddenStates.select(1, 0)));
  }
}

/** transformers' get_extended_attention_mask: [batch, seq] of 1/0 -> [batch, 1, 1, seq] of 0 / float32 min. */
export function extendedAttentionMask(mask: Tensor): Tensor {
  return noGrad(() => {
    const m = mask.dtype === 'float32' ? mask.detach() : mask.float();
    return m.neg().add(1).mul(FLOAT32_MIN).unsqueeze(1).unsqueeze(1);
  });
}

/**
 * The BERT encoder without a task head (transformers' BertModel): embeddings, encoder and an optional pooler, with transformers' state-dict keys.
 *
 * @example
 * ```ts
 * import { bert } from 'nabla/models';
 * const model = new bert.BertModel(bert.BertConfig.preset('tiny'));
 * const ids = nb.tensor([[101, 7592, 2088, 102]], { dtype: 'int32' }); // [CLS] hello world [SEP]
 * const { lastHiddenState, poolerOutput } = model.call(ids, { attentionMask: nb.ones([1, 4], { dtype: 'int32' }) });
 * lastHiddenState.shape; // [1, 4, 128]
 * poolerOutput!.shape; // [1, 128]
 * Object.keys(model.stateDict())[0]; // 'embeddings.word_embeddings.weight', as in transformers
 * ```
 */
export class BertModel extends BertPreTrainedModel {
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler | null;

  constructor(config: BertConfig, options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(config);
    this.pooler = options.addPoolingLayer ?? true ? new BertPooler(config) : null;
    initBertWeights(this, config);
  }

  /** inputIds [batch, seq] int32 -> the last layer's hidden states and the pooled [CLS] vector. */
  override forward(inputIds: Tensor, inputs: BertInputs = {}): BertModelOutput {
    const where = 'BertModel';
    if (!(inputIds instanceof Tensor)) throw new Error(`${where}: inputIds must be an int32 Tensor [batch, seq], got ${inputIds === null ? 'null' : typeof inputIds}`);
    if (inputIds.ndim !== 2) throw new Error(`${where}: inputIds must be 2-D [batch, seq], got shape ${formatShape(inputIds.shape)}`);
    const { attentionMask = null, tokenTypeIds = null, positionIds = null } = inputs;
    if (attentionMask !== null) {
      checkSameShape(where, 'attentionMask', attentionMask, inputIds);
      if (!['int32', 'float32', 'bool'].includes(attentionMask.dtype)) throw new Error(`${where}: attentionMask must be int32, float32 or bool, got ${attentionMask.dtype}`);
    }
    if (tokenTypeIds !== null) checkSameShape(where, 'tokenTypeIds', tokenTypeIds, inputIds);
    if (positionIds !== null && formatShape(positionIds.shape) !== formatShape(inputIds.shape) && formatShape(positionIds.shape) !== formatShape([inputIds.shape[1]!])) {
      throw new Error(`${where}: positionIds has shape ${formatShape(positionIds.shape)}, but inputIds has shape ${formatShape(inputIds.shape)}; expected ${formatShape(inputIds.shape)} or [${inputIds.shape[1]}]`);
    }
    const embedded = this.embeddings.call(inputIds, tokenTypeIds, positionIds);
    const mask = attentionMask === null ? null : extendedAttentionMask(attentionMask);
    const out = this.encoder.call(embedded, mask, { outputHiddenStates: inputs.outputHiddenStates, outputAttentions: inputs.outputAttentions });
    out.poolerOutput = this.pooler ? this.pooler.call(out.lastHiddenState) : null;
    return out;
  }
}
