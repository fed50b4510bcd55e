/**
 * The Transformer of "Attention Is All You Need", as PyTorch 1.13's nn.Transformer* modules: the
 * same constructor options, submodule names (so state-dict keys like
 * `encoder.layers.0.self_attn.in_proj_weight`, `linear1.weight`, `norm1.weight` match), masks and
 * post-norm / pre-norm (`normFirst`) residual blocks.
 *
 * Not reproduced: PyTorch's inference fast paths (`_transformer_encoder_layer_fwd` and the nested
 * tensors TransformerEncoder builds from srcKeyPaddingMask in eval mode without grad). They give
 * the same values except at padded positions, which the nested-tensor path drops (its output can
 * even be shorter than the input); nabla always computes the padded positions like the training path.
 *
 * Incremental decoding: `TransformerDecoderLayer.step` / `TransformerDecoder.step` feed the decoder
 * the next target position(s) only, keeping in a `KeyValueCache` the self-attention keys and values
 * of the earlier positions and the memory's cross-attention keys and values (projected once). The
 * outputs are those of `forward` on the whole prefix with the causal mask, at O(T) cost per new
 * position instead of re-running the prefix.
 */
import { checkOptions, type OptionSpec } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { full } from '../tensor/creation.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { gelu, relu, where } from '../ops/elementwise.js';
import { cat } from '../ops/join.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { linear } from './functional.js';
import { Module } from './module.js';
import { ModuleList } from './containers.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';
import { Dropout } from './dropout.js';
import { MultiheadAttention } from './attention.js';
import { xavierUniform_ } from './init.js';

/** The feed-forward activation of a Transformer layer. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/** Options of the Transformer layers, as PyTorch's keywords. */
export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on the attention weights (default 0.1). */
  dropout?: number;
  /** 'relu' (default), 'gelu' (exact), a function, or a Module. */
  activation?: TransformerActivation;
  layerNormEps?: number;
  /** Inputs are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward) instead of PyTorch's default post-norm. */
  normFirst?: boolean;
}

/** Options of a TransformerEncoderLayer call: masks. */
export interface EncoderLayerForwardOptions {
  /** [S, S] or [B * nhead, S, S]: bool true = not allowed, or float added to the scores. */
  srcMask?: Tensor | null;
  /** Shape [B, S]; true = padding (ignored as a key). */
  srcKeyPaddingMask?: Tensor | null;
}

/** Options of a TransformerDecoderLayer call: masks for the target and the memory. */
export interface DecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** A module's independent copy (copy.deepcopy in PyTorch's _get_clones): its own `clone()`. */
export function cloneModule<M extends Module>(module: M, where: string): M {
  const clone = (module as unknown as { clone?: () => M }).clone;
  if (typeof clone !== 'function') {
    throw new Error(`${where}: cannot copy ${module.constructor.name} for each layer: give it a clone() method that returns an independent copy (as nn.TransformerEncoderLayer has)`);
  }
  return clone.call(module);
}

function activationFn(where: string, activation: TransformerActivation): (x: Tensor) => Tensor {
  if (activation === 'relu') return relu;
  if (activation === 'gelu') return (x) => gelu(x);
  if (activation instanceof Module) return (x) => activation.call(x) as Tensor;
  if (typeof activation === 'function') return activation;
  throw new Error(`${where}: activation should be relu/gelu, not ${String(activation)}`);
}

function checkMaskDtype(where: string, name: string, mask: Tensor | null | undefined): void {
  if (mask && mask.dtype !== 'bool' && mask.dtype !== 'float32') {
    throw new Error(`${where}: only bool and floating types of ${name} are supported, got ${mask.dtype} (shape ${formatShape(mask.shape)})`);
  }
}

/** Copies values and training flags from `source` into a freshly built `copy` of the same structure. */
function finishClone<M extends Module>(source: M, copy: M): M {
  copy.loadStateDict(source.stateDict());
  const modes = source.modules().map((m) => m.training);
  copy.modules().forEach((m, i) => { m.training = modes[i] ?? source.training; });
  return copy;
}

/** Rows to keep, as an int32 index tensor. */
function rowIndex(rows: Tensor | Int32Array | readonly number[]): Tensor {
  return rows instanceof Tensor ? rows : Tensor.fromData(Int32Array.from(rows), [rows.length], 'int32');
}

/**
 * What one decoder layer keeps between `step` calls: the self-attention keys and values of the
 * positions fed so far and the memory's cross-attention keys and values, all [B, nhead, seq, headDim],
 * with the memory's key-padding mask as an additive [B, 1, 1, S] mask. Empty until the first step.
 */
export class KeyValueCache {
  selfKey: Tensor | null = null;
  selfValue: Tensor | null = null;
  memoryKey: Tensor | null = null;
  memoryValue: Tensor | null = null;
  memoryMask: Tensor | null = null;

  /** Target positions cached so far. */
  get length(): number {
    return this.selfKey ? this.selfKey.shape[2]! : 0;
  }

  /** Keep and reorder batch rows: new row i continues old row rows[i] (a row may repeat, as beam search needs). */
  select(rows: Tensor | Int32Array | readonly number[]): void {
    const idx = rowIndex(rows);
    const pick = (t: Tensor | null) => (t ? t.indexSelect(0, idx) : null);
    noGrad(() => {
      this.selfKey = pick(this.selfKey);
      this.selfValue = pick(this.selfValue);
      this.memoryKey = pick(this.memoryKey);
      this.memoryValue = pick(this.memoryValue);
      this.memoryMask = pick(this.memoryMask);
    });
  }
}

/** Options of a decoder `step`. */
export interface DecoderStepOptions {
  /** [B, S] bool, true = padding in the memory. Read on the first step only: the cache keeps it with the memory's keys and values. */
  memoryKeyPaddingMask?: Tensor | null;
}

const DECODER_STEP_OPTIONS: OptionSpec<DecoderStepOptions> = { memoryKeyPaddingMask: 'object|null' };

/** One of the q / k / v input projections of an attention module (packed or separate weights). */
function inProjection(attn: MultiheadAttention, x: Tensor, i: 0 | 1 | 2): Tensor {
  const E = attn.embedDim;
  const bias = attn.in_proj_bias ? attn.in_proj_bias.narrow(0, i * E, E) : null;
  const weight = attn.in_proj_weight ? attn.in_proj_weight.narrow(0, i * E, E) : [attn.q_proj_weight, attn.k_proj_weight, attn.v_proj_weight][i]!;
  return linear(x, weight, bias);
}

/** [B, T, E] -> [B, H, T, hd]. */
function splitHeads(attn: MultiheadAttention, x: Tensor): Tensor {
  const [B, T] = x.shape as [number, number, number];
  return x.reshape(B, T, attn.numHeads, attn.headDim).permute(0, 2, 1, 3);
}

/** Attention of queries [B, T, E] over head-split keys and values, through the output projection: [B, T, E]. */
function attendHeads(attn: MultiheadAttention, x: Tensor, key: Tensor, value: Tensor, mask: Tensor | null): Tensor {
  const [B, T, E] = x.shape as [number, number, number];
  const q = splitHeads(attn, inProjection(attn, x, 0));
  const out = scaledDotProductAttention(q, key, value, { attnMask: mask, dropoutP: attn.training ? attn.dropout : 0 });
  return linear(out.permute(0, 2, 1, 3).reshape(B, T, E), attn.out_proj.weight, attn.out_proj.bias);
}

/** Self-attention and a feed-forward network, each with a residual connection and LayerNorm. */
export class TransformerEncoderLayer extends Module {
  // field order = PyTorch's registration order = state-dict order
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: TransformerActivation;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  readonly #options: TransformerLayerOptions;
  readonly #activation: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    checkOptions('TransformerEncoderLayer', options, { dimFeedforward: 'integer', dropout: 'number', activation: "'relu'|'gelu'|function|object", layerNormEps: 'number', batchFirst: 'boolean', normFirst: 'boolean' });
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false } = options;
    this.#options = { ...options };
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst });
    this.linear1 = new Linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel);
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.#activation = activationFn('TransformerEncoderLayer', activation);
    this.activation = activation;
  }

  /** An independent copy with the same values (PyTorch's copy.deepcopy). */
  clone(): TransformerEncoderLayer {
    return finishClone(this, new TransformerEncoderLayer(this.dModel, this.nhead, this.#options));
  }

  /** src [S, B, E] (or [B, S, E] with batchFirst, or [S, E]) -> same shape. */
  override forward(src: Tensor, options: EncoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoderLayer.forward', options, { srcMask: 'any', srcKeyPaddingMask: 'any' });
    const { srcMask = null, srcKeyPaddingMask = null } = options;
    checkMaskDtype('TransformerEncoderLayer', 'srcKeyPaddingMask', srcKeyPaddingMask);
    let x = src;
    if (this.normFirst) {
      x = x.add(this.#saBlock(this.norm1.call(x), srcMask, srcKeyPaddingMask));
      x = x.add(this.#ffBlock(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(this.#saBlock(x, srcMask, srcKeyPaddingMask)));
      x = this.norm2.call(x.add(this.#ffBlock(x)));
    }
    return x;
  }

  #saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [out] = this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1.call(out);
  }

  #ffBlock(x: Tensor): Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(this.#activation(this.linear1.call(x)))));
  }
}

/** Masked self-attention, encoder-decoder attention and a feed-forward network, each with a residual and LayerNorm. */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: TransformerActivation;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  readonly #options: TransformerLayerOptions;
  readonly #activation: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    checkOptions('TransformerDecoderLayer', options, { dimFeedforward: 'integer', dropout: 'number', activation: "'relu'|'gelu'|function|object", layerNormEps: 'number', batchFirst: 'boolean', normFirst: 'boolean' });
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false } = options;
    this.#options = { ...options };
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst });
    this.linear1 = new Linear(dModel, dimFeedforward);
    this.dropout = new Dropout(dropout);
    this.linear2 = new Linear(dimFeedforward, dModel);
    this.normFirst = normFirst;
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps });
    this.norm3 = new LayerNorm(dModel, { eps: layerNormEps });
    this.dropout1 = new Dropout(dropout);
    this.dropout2 = new Dropout(dropout);
    this.dropout3 = new Dropout(dropout);
    this.#activation = activationFn('TransformerDecoderLayer', activation);
    this.activation = activation;
  }

  clone(): TransformerDecoderLayer {
    return finishClone(this, new TransformerDecoderLayer(this.dModel, this.nhead, this.#options));
  }

  /** tgt [T, B, E], memory [S, B, E] (batchFirst: [B, T, E], [B, S, E]) -> [T, B, E]. */
  override forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoderLayer.forward', options, { tgtMask: 'any', memoryMask: 'any', tgtKeyPaddingMask: 'any', memoryKeyPaddingMask: 'any' });
    const { tgtMask = null, memoryMask = null, tgtKeyPaddingMask = null, memoryKeyPaddingMask = null } = options;
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.#saBlock(this.norm1.call(x), tgtMask, tgtKeyPaddingMask));
      x = x.add(this.#mhaBlock(this.norm2.call(x), memory, memoryMask, memoryKeyPaddingMask));
      x = x.add(this.#ffBlock(this.norm3.call(x)));
    } else {
      x = this.norm1.call(x.add(this.#saBlock(x, tgtMask, tgtKeyPaddingMask)));
      x = this.norm2.call(x.add(this.#mhaBlock(x, memory, memoryMask, memoryKeyPaddingMask)));
      x = this.norm3.call(x.add(this.#ffBlock(x)));
    }
    return x;
  }

  /**
   * The next target position(s) only: x [B, T, E] with batchFirst ([T, B, E] otherwise) attends to the
   * positions cached in `cache` and causally to itself. The memory is projected into the cache on the
   * first step (or by `cacheMemory`) and not read after: later steps may pass null. Gives `forward` on
   * the whole prefix with the causal mask, at these positions.
   */
  step(x: Tensor, memory: Tensor | null, cache: KeyValueCache, options: DecoderStepOptions = {}): Tensor {
    checkOptions('TransformerDecoderLayer.step', options, DECODER_STEP_OPTIONS);
    if (!(cache instanceof KeyValueCache)) throw new Error('TransformerDecoderLayer.step: cache must be a KeyValueCache (new nn.KeyValueCache() before the first step)');
    if (x.ndim !== 3) throw new Error(`TransformerDecoderLayer.step: x must be a batched 3-D tensor, got ${formatShape(x.shape)}`);
    if (!cache.memoryKey) {
      if (!memory) throw new Error('TransformerDecoderLayer.step: the cache holds no memory yet: pass the memory on the first step');
      this.cacheMemory(memory, cache, options);
    }
    // internally batch-first
    let h = this.batchFirst ? x : x.transpose(0, 1);
    if (h.shape[0] !== cache.memoryKey!.shape[0]) {
      throw new Error(`TransformerDecoderLayer.step: x has a batch of ${h.shape[0]} rows but the cache ${cache.memoryKey!.shape[0]} (select the cache's rows to match)`);
    }
    if (this.normFirst) {
      h = h.add(this.#cachedSaBlock(this.norm1.call(h), cache));
      h = h.add(this.#cachedMhaBlock(this.norm2.call(h), cache));
      h = h.add(this.#ffBlock(this.norm3.call(h)));
    } else {
      h = this.norm1.call(h.add(this.#cachedSaBlock(h, cache)));
      h = this.norm2.call(h.add(this.#cachedMhaBlock(h, cache)));
      h = this.norm3.call(h.add(this.#ffBlock(h)));
    }
    return this.batchFirst ? h : h.transpose(0, 1);
  }

  /** Projects memory [B, S, E] ([S, B, E] without batchFirst) into the cache's cross-attention keys and values, as the first step does. */
  cacheMemory(memory: Tensor, cache: KeyValueCache, options: DecoderStepOptions = {}): void {
    checkOptions('TransformerDecoderLayer.cacheMemory', options, DECODER_STEP_OPTIONS);
    if (memory.ndim !== 3) throw new Error(`TransformerDecoderLayer.step: memory must be a batched 3-D tensor, got ${formatShape(memory.shape)}`);
    this.#cacheMemory(this.batchFirst ? memory : memory.transpose(0, 1), cache, options.memoryKeyPaddingMask ?? null);
  }

  #cacheMemory(memory: Tensor, cache: KeyValueCache, keyPaddingMask: Tensor | null): void {
    const attn = this.multihead_attn;
    cache.memoryKey = splitHeads(attn, inProjection(attn, memory, 1)).contiguous();
    cache.memoryValue = splitHeads(attn, inProjection(attn, memory, 2)).contiguous();
    if (keyPaddingMask) {
      checkMaskDtype('TransformerDecoderLayer.step', 'memoryKeyPaddingMask', keyPaddingMask);
      const [B, S] = [memory.shape[0]!, memory.shape[1]!];
      if (keyPaddingMask.shape.join() !== `${B},${S}`) {
        throw new Error(`TransformerDecoderLayer.step: memoryKeyPaddingMask should be [${B}, ${S}], got ${formatShape(keyPaddingMask.shape)}`);
      }
      cache.memoryMask = noGrad(() => (keyPaddingMask.dtype === 'bool' ? where(keyPaddingMask, -Infinity, 0) : keyPaddingMask).view(B, 1, 1, S).contiguous());
    }
  }

  /** Masked self-attention of the new positions over the cached ones and themselves; appends their keys and values. */
  #cachedSaBlock(x: Tensor, cache: KeyValueCache): Tensor {
    const attn = this.self_attn;
    const past = cache.length;
    const T = x.shape[1]!;
    const k = splitHeads(attn, inProjection(attn, x, 1));
    const v = splitHeads(attn, inProjection(attn, x, 2));
    cache.selfKey = cache.selfKey ? cat([cache.selfKey, k], 2) : k.contiguous();
    cache.selfValue = cache.selfValue ? cat([cache.selfValue, v], 2) : v.contiguous();
    // new position i (absolute past + i) sees keys 0..past + i; one new position sees them all
    let mask: Tensor | null = null;
    if (T > 1) {
      mask = full([T, past + T], 0);
      const data = mask.storage.data as Float32Array;
      for (let i = 0; i < T; i++) for (let j = past + i + 1; j < past + T; j++) data[i * (past + T) + j] = -Infinity;
    }
    return this.dropout1.call(attendHeads(attn, x, cache.selfKey, cache.selfValue, mask));
  }

  #cachedMhaBlock(x: Tensor, cache: KeyValueCache): Tensor {
    return this.dropout2.call(attendHeads(this.multihead_attn, x, cache.memoryKey!, cache.memoryValue!, cache.memoryMask));
  }

  #saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [out] = this.self_attn.call(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1.call(out);
  }

  #mhaBlock(x: Tensor, mem: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [out] = this.multihead_attn.call(x, mem, mem, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout2.call(out);
  }

  #ffBlock(x: Tensor): Tensor {
    return this.dropout3.call(this.linear2.call(this.dropout.call(this.#activation(this.linear1.call(x)))));
  }
}

/** Options of a TransformerEncoder call: masks. */
export interface EncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
}

/** numLayers copies of an encoder layer, then an optional norm (PyTorch's nn.TransformerEncoder). */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  readonly numLayers: number;
  norm: Module | null;

  constructor(encoderLayer: Module, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    checkOptions('TransformerEncoder', options, { norm: 'object|null' });
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`TransformerEncoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => cloneModule(encoderLayer, 'TransformerEncoder')));
    this.numLayers = numLayers;
    this.norm = options.norm ?? null;
  }

  clone(): TransformerEncoder {
    return finishClone(this, new TransformerEncoder(this.layers.at(0), this.numLayers, { norm: this.norm ? cloneModule(this.norm, 'TransformerEncoder') : null }));
  }

  override forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoder.forward', options, { mask: 'any', srcKeyPaddingMask: 'any' });
    const { mask = null, srcKeyPaddingMask = null } = options;
    checkMaskDtype('TransformerEncoder', 'srcKeyPaddingMask', srcKeyPaddingMask);
    let output = src;
    for (const layer of this.layers) output = (layer as TransformerEncoderLayer).call(output, { srcMask: mask, srcKeyPaddingMask });
    if (this.norm) output = this.norm.call(output) as Tensor;
    return output;
  }
}

/** numLayers copies of a decoder layer, then an optional norm (PyTorch's nn.TransformerDecoder). */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  readonly numLayers: number;
  norm: Module | null;

  constructor(decoderLayer: Module, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    checkOptions('TransformerDecoder', options, { norm: 'object|null' });
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`TransformerDecoder: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => cloneModule(decoderLayer, 'TransformerDecoder')));
    this.numLayers = numLayers;
    this.norm = options.norm ?? null;
  }

  clone(): TransformerDecoder {
    return finishClone(this, new TransformerDecoder(this.layers.at(0), this.numLayers, { norm: this.norm ? cloneModule(this.norm, 'TransformerDecoder') : null }));
  }

  override forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoder.forward', options, { tgtMask: 'any', memoryMask: 'any', tgtKeyPaddingMask: 'any', memoryKeyPaddingMask: 'any' });
    let output = tgt;
    for (const layer of this.layers) output = (layer as TransformerDecoderLayer).call(output, memory, options);
    if (this.norm) output = this.norm.call(output) as Tensor;
    return output;
  }

  /** One KeyValueCache per layer, for `step`: empty, or holding the memory's keys and values already (so its rows can be selected before the first step). */
  createCache(memory: Tensor | null = null, options: DecoderStepOptions = {}): KeyValueCache[] {
    checkOptions('TransformerDecoder.createCache', options, DECODER_STEP_OPTIONS);
    const caches = Array.from({ length: this.numLayers }, () => new KeyValueCache());
    if (memory) this.#layersWithStep('createCache').forEach((layer, i) => layer.cacheMemory(memory, caches[i]!, options));
    return caches;
  }

  #layersWithStep(where: string): TransformerDecoderLayer[] {
    return [...this.layers].map((layer, i) => {
      if (!(layer instanceof TransformerDecoderLayer)) throw new Error(`TransformerDecoder.${where}: layer ${i} is a ${layer.constructor.name}, which has no step()`);
      return layer;
    });
  }

  /** The next target position(s) through every layer (see TransformerDecoderLayer.step), then the norm. */
  step(tgt: Tensor, memory: Tensor | null, caches: readonly KeyValueCache[], options: DecoderStepOptions = {}): Tensor {
    checkOptions('TransformerDecoder.step', options, DECODER_STEP_OPTIONS);
    if (caches.length !== this.numLayers) throw new Error(`TransformerDecoder.step: ${caches.length} caches for ${this.numLayers} layers (use createCache())`);
    let output = tgt;
    this.#layersWithStep('step').forEach((layer, i) => (output = layer.step(output, memory, caches[i]!, options)));
    if (this.norm) output = this.norm.call(output) as Tensor;
    return output;
  }
}

/** Options of nn.Transformer: model size, heads, layers and those of the layers. */
export interface TransformerOptions extends TransformerLayerOptions {
  dModel?: number;
  nhead?: number;
  numEncoderLayers?: number;
  numDecoderLayers?: number;
  /** Used instead of the default encoder / decoder stacks. */
  customEncoder?: Module | null;
  customDecoder?: Module | null;
}

/** Options of an nn.Transformer call: masks of source, target and memory. */
export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** PyTorch's nn.Transformer: encoder and decoder stacks, each ending in a LayerNorm; xavier_uniform_ on every matrix. */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(options: TransformerOptions = {}) {
    super();
    checkOptions('Transformer', options, { dimFeedforward: 'integer', dropout: 'number', activation: "'relu'|'gelu'|function|object", layerNormEps: 'number', batchFirst: 'boolean', normFirst: 'boolean', dModel: 'integer', nhead: 'integer', numEncoderLayers: 'integer', numDecoderLayers: 'integer', customEncoder: 'object|null', customDecoder: 'object|null' });
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, layerNormEps = 1e-5 } = options;
    const layerOptions: TransformerLayerOptions = {
      dimFeedforward: options.dimFeedforward ?? 2048, dropout: options.dropout ?? 0.1, activation: options.activation ?? 'relu',
      layerNormEps, batchFirst: options.batchFirst ?? false, normFirst: options.normFirst ?? false,
    };
    this.encoder = options.customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOptions), numEncoderLayers,
      { norm: new LayerNorm(dModel, { eps: layerNormEps }) });
    this.decoder = options.customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOptions), numDecoderLayers,
      { norm: new LayerNorm(dModel, { eps: layerNormEps }) });
    this.resetParameters();
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = layerOptions.batchFirst!;
  }

  /** PyTorch's _reset_parameters: xavier_uniform_ on every parameter with more than one dim. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /** src [S, B, E], tgt [T, B, E] (batchFirst: [B, S, E], [B, T, E]) -> [T, B, E]. */
  override forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    checkOptions('Transformer.forward', options, { srcMask: 'any', tgtMask: 'any', memoryMask: 'any', srcKeyPaddingMask: 'any', tgtKeyPaddingMask: 'any', memoryKeyPaddingMask: 'any' });
    const isBatched = src.ndim === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    if (isBatched && src.shape[batchDim] !== tgt.shape[batchDim]) {
      throw new Error(`Transformer: the batch number of src and tgt must be equal (src ${formatShape(src.shape)}, tgt ${formatShape(tgt.shape)}, batchFirst=${this.batchFirst})`);
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new Error(`Transformer: the feature number of src and tgt must be equal to dModel (${this.dModel}); got src ${formatShape(src.shape)}, tgt ${formatShape(tgt.shape)}`);
    }
    const memory = this.encoder.call(src, { mask: options.srcMask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null }) as Tensor;
    return this.decoder.call(tgt, memory, {
      tgtMask: options.tgtMask ?? null, memoryMask: options.memoryMask ?? null,
      tgtKeyPaddingMask: options.tgtKeyPaddingMask ?? null, memoryKeyPaddingMask: options.memoryKeyPaddingMask ?? null,
    }) as Tensor;
  }

  /** [sz, sz] float mask: -inf above the diagonal (future positions), 0 on and below it (PyTorch 1.13). */
  static generateSquareSubsequentMask(sz: number): Tensor {
    if (!Number.isInteger(sz) || sz < 0) throw new Error(`Transformer.generateSquareSubsequentMask: sz must be a non-negative integer, got ${sz}`);
    const mask = full([sz, sz], 0);
    const data = mask.storage.data as Float32Array;
    for (let i = 0; i < sz; i++) for (let j = i + 1; j < sz; j++) data[i * sz + j] = -Infinity;
    return mask;
  }
}

// The attention family in one place, so nn/index.ts needs a single export line.
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './attention.js';
export { SinusoidalPositionalEncoding, LearnedPositionalEmbedding, sinusoidTable, type PositionalEncodingOptions } from './positional.js';
