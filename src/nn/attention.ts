/**
 * nn.MultiheadAttention with PyTorch 1.13's parameters, state-dict keys, initialisation, masks and
 * shapes. The attention itself is one fused op over every batch x head (F.scaledDotProductAttention);
 * the heads are strided views of the projections, so splitting them copies nothing.
 *
 * Mask conventions are PyTorch's MultiheadAttention ones, the opposite of scaledDotProductAttention's:
 * a bool `keyPaddingMask` or `attnMask` marks what is NOT allowed (true = ignore that key); a float
 * mask is added to the scores. A query whose keys are all masked gets NaN outputs and weights,
 * exactly as nn.MultiheadAttention in PyTorch 1.13 gives.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, where } from '../ops/elementwise.js';
import { cat } from '../ops/join.js';
import { packedSelfAttention, scaledDotProductAttention, scaledDotProductAttentionWithWeights } from '../ops/attention.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { Linear } from './linear.js';
import { linear } from './functional.js';
import { constant_, xavierNormal_, xavierUniform_ } from './init.js';

/** Options of nn.MultiheadAttention, as PyTorch's keywords. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned key and value rows appended to the keys and values (PyTorch's bias_k, bias_v; default false). */
  addBiasKv?: boolean;
  /** A zero key and value appended after the projections (default false). */
  addZeroAttn?: boolean;
  /** Feature size of the keys (default embedDim); a different one gives separate q/k/v projection weights. */
  kdim?: number | null;
  /** Feature size of the values (default embedDim). */
  vdim?: number | null;
  /** Inputs and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
}

/** Options of a MultiheadAttention call: masks and whether to return the weights. */
export interface MultiheadAttentionForwardOptions {
  /** [B, S] (or [S] unbatched): bool true = ignore that key (padding), or float added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [B * numHeads, L, S]: bool true = not allowed, or float added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads ([B, L, S]) rather than per head ([B, numHeads, L, S]); default true. */
  averageAttnWeights?: boolean;
}

function requireMaskDtype(what: string, mask: Tensor): void {
  if (mask.dtype !== 'bool' && mask.dtype !== 'float32') {
    throw new Error(`MultiheadAttention: only bool and float types of ${what} are supported, got ${mask.dtype} (shape ${formatShape(mask.shape)})`);
  }
}

/** PyTorch's MHA mask (bool true = not allowed, or additive float) as an additive float mask. */
function toAdditive(mask: Tensor): Tensor {
  return mask.dtype === 'bool' ? where(mask, -Infinity, 0) : mask.detach();
}

/** Appends one column to a mask's last dim: false (bool) or 0 (float), like F.pad(mask, (0, 1)). */
function padLastColumn(mask: Tensor): Tensor {
  const shape = [...mask.shape.slice(0, -1), 1];
  return cat([mask.detach(), Tensor.fromData(mask.dtype === 'bool' ? new Uint8Array(shape.reduce((a, b) => a * b, 1)) : new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, mask.dtype)], -1);
}

/** Multi-head attention with PyTorch's parameters and state-dict keys (`in_proj_weight`, `out_proj`). */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  /** PyTorch's _qkv_same_embed_dim: one packed in_proj_weight instead of q/k/v_proj_weight. */
  readonly qkvSameEmbedDim: boolean;

  // Parameters are registered by their PyTorch names (state-dict keys), in PyTorch's order.
  declare readonly in_proj_weight: Parameter | null;
  declare readonly q_proj_weight: Parameter | null;
  declare readonly k_proj_weight: Parameter | null;
  declare readonly v_proj_weight: Parameter | null;
  declare readonly in_proj_bias: Parameter | null;
  declare readonly bias_k: Parameter | null;
  declare readonly bias_v: Parameter | null;
  /** The output projection (PyTorch's NonDynamicallyQuantizableLinear, a plain Linear). */
  out_proj: Linear;

  readonly #options: MultiheadAttentionOptions;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkOptions('MultiheadAttention', options, { dropout: 'number', bias: 'boolean', addBiasKv: 'boolean', addZeroAttn: 'boolean', kdim: 'integer|null', vdim: 'integer|null', batchFirst: 'boolean' });
    if (!Number.isInteger(embedDim) || embedDim <= 0) throw new Error(`MultiheadAttention: embedDim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads <= 0) throw new Error(`MultiheadAttention: numHeads must be a positive integer, got ${numHeads}`);
    this.#options = { ...options };
    this.embedDim = embedDim;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) throw new Error(`MultiheadAttention: embedDim must be divisible by numHeads (embedDim ${embedDim}, numHeads ${numHeads})`);
    const bias = options.bias ?? true;
    if (this.qkvSameEmbedDim) {
      this.registerParameter('in_proj_weight', new Parameter(Tensor.empty([3 * embedDim, embedDim])));
      this.registerParameter('q_proj_weight', null);
      this.registerParameter('k_proj_weight', null);
      this.registerParameter('v_proj_weight', null);
    } else {
      this.registerParameter('in_proj_weight', null);
      this.registerParameter('q_proj_weight', new Parameter(Tensor.empty([embedDim, embedDim])));
      this.registerParameter('k_proj_weight', new Parameter(Tensor.empty([embedDim, this.kdim])));
      this.registerParameter('v_proj_weight', new Parameter(Tensor.empty([embedDim, this.vdim])));
    }
    this.registerParameter('in_proj_bias', bias ? new Parameter(Tensor.empty([3 * embedDim])) : null);
    this.out_proj = new Linear(embedDim, embedDim, { bias });
    const addBiasKv = options.addBiasKv ?? false;
    this.registerParameter('bias_k', addBiasKv ? new Parameter(Tensor.empty([1, 1, embedDim])) : null);
    this.registerParameter('bias_v', addBiasKv ? new Parameter(Tensor.empty([1, 1, embedDim])) : null);
    this.resetParameters();
  }

  /** PyTorch's _reset_parameters: xavier_uniform_ on the input projections, zero biases, xavier_normal_ on bias_k/bias_v. */
  resetParameters(): void {
    if (this.in_proj_weight) xavierUniform_(this.in_proj_weight);
    else for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) xavierUniform_(w!);
    if (this.in_proj_bias) {
      constant_(this.in_proj_bias, 0);
      constant_(this.out_proj.bias!, 0);
    }
    if (this.bias_k) xavierNormal_(this.bias_k);
    if (this.bias_v) xavierNormal_(this.bias_v);
  }

  /** An independent copy (same values, own storage), as copy.deepcopy gives. */
  clone(): MultiheadAttention {
    const copy = new MultiheadAttention(this.embedDim, this.numHeads, this.#options);
    copy.loadStateDict(this.stateDict());
    copy.train(this.training);
    return copy;
  }

  /**
   * query [L, B, E] (or [B, L, E] with batchFirst, or [L, E] unbatched), key [S, B, kdim],
   * value [S, B, vdim] -> [output [L, B, E], weights [B, L, S] (averaged) or [B, numHeads, L, S] or null].
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    checkOptions('MultiheadAttention.forward', options, { keyPaddingMask: 'any', needWeights: 'boolean', attnMask: 'any', averageAttnWeights: 'boolean' });
    const { needWeights = true, averageAttnWeights = true } = options;
    let keyPaddingMask = options.keyPaddingMask ?? null;
    let attnMask = options.attnMask ?? null;
    const H = this.numHeads, hd = this.headDim, E = this.embedDim;
    const isBatched = this.#checkShapes(query, key, value, keyPaddingMask, attnMask);
    const selfAttention = query === key && key === value;
    const keyIsValue = key === value;
    // work in [B, seq, feature] when batchFirst, [seq, B, feature] otherwise; unbatched gets a batch dim of 1
    const seqDim = this.batchFirst && isBatched ? 1 : 0;
    const batchDim = 1 - seqDim;
    if (!isBatched) {
      query = query.unsqueeze(1);
      key = selfAttention ? query : key.unsqueeze(1);
      value = selfAttention ? query : keyIsValue ? key : value.unsqueeze(1);
      if (keyPaddingMask) keyPaddingMask = keyPaddingMask.unsqueeze(0);
    }
    const L = query.shape[seqDim], B = query.shape[batchDim];
    let S = key.shape[seqDim];
    if (query.shape[2] !== E) throw new Error(`MultiheadAttention: was expecting embedding dimension of ${E}, but got ${query.shape[2]}`);
    if (this.qkvSameEmbedDim) {
      if (key.shape.join() !== value.shape.join()) throw new Error(`MultiheadAttention: key shape ${formatShape(key.shape)} does not match value shape ${formatShape(value.shape)}`);
    } else if (key.shape[0] !== value.shape[0] || key.shape[1] !== value.shape[1]) {
      throw new Error(`MultiheadAttention: key's sequence and batch dims ${formatShape(key.shape.slice(0, 2))} do not match value's ${formatShape(value.shape.slice(0, 2))}`);
    }

    // ---- input projections (PyTorch's _in_projection_packed / _in_projection) ----
    let q: Tensor, k: Tensor, v: Tensor;
    // self-attention's [q | k | v] projection, when one linear made it
    let packed: Tensor | null = null;
    const b = this.in_proj_bias;
    const part = (t: Tensor | null, i: number, n = 1): Tensor | null => (t ? t.narrow(0, i * E, n * E) : null);
    if (this.in_proj_weight) {
      const w = this.in_proj_weight;
      if (selfAttention) {
        packed = linear(query, w, b);
        [q, k, v] = packed.chunk(3, -1) as [Tensor, Tensor, Tensor];
      } else if (keyIsValue) {
        q = linear(query, part(w, 0)!, part(b, 0));
        [k, v] = linear(key, part(w, 1, 2)!, part(b, 1, 2)).chunk(2, -1) as [Tensor, Tensor];
      } else {
        q = linear(query, part(w, 0)!, part(b, 0));
        k = linear(key, part(w, 1)!, part(b, 1));
        v = linear(value, part(w, 2)!, part(b, 2));
      }
    } else {
      q = linear(query, this.q_proj_weight!, part(b, 0));
      k = linear(key, this.k_proj_weight!, part(b, 1));
      v = linear(value, this.v_proj_weight!, part(b, 2));
    }

    // ---- masks: checked, then merged into one additive float mask ----
    if (attnMask) {
      requireMaskDtype('attn_mask', attnMask);
      if (attnMask.ndim === 2) {
        if (attnMask.shape[0] !== L || attnMask.shape[1] !== S) throw new Error(`MultiheadAttention: the shape of the 2D attnMask is ${formatShape(attnMask.shape)}, but should be [${L}, ${S}]`);
      } else if (attnMask.ndim === 3) {
        if (attnMask.shape[0] !== B * H || attnMask.shape[1] !== L || attnMask.shape[2] !== S) {
          throw new Error(`MultiheadAttention: the shape of the 3D attnMask is ${formatShape(attnMask.shape)}, but should be [${B * H}, ${L}, ${S}]`);
        }
      } else throw new Error(`MultiheadAttention: attnMask's dimension ${attnMask.ndim} is not supported (2-D [L, S] or 3-D [B * numHeads, L, S])`);
    }
    if (keyPaddingMask) requireMaskDtype('key_padding_mask', keyPaddingMask);

    if (this.bias_k && this.bias_v) {
      const expandTo = (p: Tensor): Tensor => (seqDim === 0 ? p.expand(1, B, E) : p.view(1, 1, E).expand(B, 1, E));
      k = cat([k, expandTo(this.bias_k)], seqDim);
      v = cat([v, expandTo(this.bias_v)], seqDim);
      if (attnMask) attnMask = padLastColumn(attnMask);
      if (keyPaddingMask) keyPaddingMask = padLastColumn(keyPaddingMask);
      S += 1;
    }

    // ---- heads: [B, H, seq, hd] strided views of the projections ----
    const toHeads = (t: Tensor, n: number): Tensor => (seqDim === 0
      ? t.view(n, B, H, hd).permute(1, 2, 0, 3)
      : t.view(B, n, H, hd).permute(0, 2, 1, 3));
    const qh = toHeads(q, L);
    let kh = toHeads(k, S), vh = toHeads(v, S);
    if (this.addZeroAttn) {
      kh = cat([kh, Tensor.empty([B, H, 1, hd])], 2);
      vh = cat([vh, Tensor.empty([B, H, 1, hd])], 2);
      if (attnMask) attnMask = padLastColumn(attnMask);
      if (keyPaddingMask) keyPaddingMask = padLastColumn(keyPaddingMask);
      S += 1;
    }
    if (keyPaddingMask && (keyPaddingMask.ndim !== 2 || keyPaddingMask.shape[0] !== B || keyPaddingMask.shape[1] !== S)) {
      throw new Error(`MultiheadAttention: expecting keyPaddingMask shape of [${B}, ${S}], but got ${formatShape(keyPaddingMask.shape)}`);
    }
    const mask = noGrad(() => {
      let m: Tensor | null = null;
      if (attnMask) m = attnMask.ndim === 3 ? toAdditive(attnMask).view(B, H, L, S) : toAdditive(attnMask);
      if (keyPaddingMask) {
        const kpm = toAdditive(keyPaddingMask).view(B, 1, 1, S);
        m = m ? add(m, kpm) : kpm;
      }
      return m;
    });

    // ---- attention: one fused op over all B x H ----
    const sdpaOptions = { attnMask: mask, dropoutP: this.training ? this.dropout : 0 };
    let merged: Tensor, weights: Tensor | null = null;
    if (packed && !needWeights && !this.bias_k && !this.addZeroAttn) {
      // the heads read from, the output and the gradient written to, the projections' own layouts
      merged = packedSelfAttention(packed, H, seqDim, sdpaOptions);
    } else {
      let attn: Tensor;
      if (needWeights) {
        const r = scaledDotProductAttentionWithWeights(qh, kh, vh, sdpaOptions);
        attn = r.output;
        weights = averageAttnWeights ? r.weights.sum(1).div(H) : r.weights;
      } else attn = scaledDotProductAttention(qh, kh, vh, sdpaOptions);
      // [B, H, L, hd] -> [L, B, E] (or [B, L, E])
      merged = seqDim === 0 ? attn.permute(2, 0, 1, 3).reshape(L, B, E) : attn.permute(0, 2, 1, 3).reshape(B, L, E);
    }

    // like F.multi_head_attention_forward: linear with out_proj's tensors (out_proj's hooks do not run)
    let out = linear(merged, this.out_proj.weight, this.out_proj.bias);
    if (!isBatched) {
      out = out.squeeze(1);
      if (weights) weights = weights.squeeze(0);
    }
    return [out, weights];
  }

  /** PyTorch's _mha_shape_check: 3-D batched or 2-D unbatched inputs and matching mask ranks. */
  #checkShapes(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor | null, attnMask: Tensor | null): boolean {
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!(t instanceof Tensor)) throw new Error(`MultiheadAttention: expected ${name} to be a Tensor, got ${t === null ? 'null' : typeof t}`);
    }
    if (query.ndim === 3) {
      if (key.ndim !== 3 || value.ndim !== 3) throw new Error(`MultiheadAttention: for batched (3-D) query, expected key and value to be 3-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
      if (keyPaddingMask && keyPaddingMask.ndim !== 2) throw new Error(`MultiheadAttention: for batched (3-D) query, expected keyPaddingMask to be null or 2-D but found ${keyPaddingMask.ndim}-D tensor instead`);
      if (attnMask && attnMask.ndim !== 2 && attnMask.ndim !== 3) throw new Error(`MultiheadAttention: for batched (3-D) query, expected attnMask to be null, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
      return true;
    }
    if (query.ndim === 2) {
      if (key.ndim !== 2 || value.ndim !== 2) throw new Error(`MultiheadAttention: for unbatched (2-D) query, expected key and value to be 2-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
      if (keyPaddingMask && keyPaddingMask.ndim !== 1) throw new Error(`MultiheadAttention: for unbatched (2-D) query, expected keyPaddingMask to be null or 1-D but found ${keyPaddingMask.ndim}-D tensor instead`);
      if (attnMask && attnMask.ndim !== 2 && attnMask.ndim !== 3) throw new Error(`MultiheadAttention: for unbatched (2-D) query, expected attnMask to be null, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
      if (attnMask && attnMask.ndim === 3) {
        const expected = [this.numHeads, query.shape[0], key.shape[0]];
        if (attnMask.shape.join() !== expected.join()) throw new Error(`MultiheadAttention: expected attnMask shape to be ${formatShape(expected)} but got ${formatShape(attnMask.shape)}`);
      }
      return false;
    }
    throw new Error(`MultiheadAttention: query should be unbatched 2-D or batched 3-D tensor but received ${query.ndim}-D query tensor ${formatShape(query.shape)}`);
  }

  override toString(): string {
    // PyTorch prints only the output projection: MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(...)\n)
    const inner = this.out_proj.toString().replace(/^Linear\(/, 'NonDynamicallyQuantizableLinear(');
    return `MultiheadAttention(\n  (out_proj): ${inner}\n)`;
  }
}
