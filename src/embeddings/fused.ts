/**
 * A fused fast path for word2vec's scores, beside the composition of primitives it replaces, with its
 * own gradient rule:
 *
 *   gatheredRowDot(h, owner, table, targets)[e] = h[owner[e]] · table[targets[e]]
 *
 * is `table[targets] * h[owner]` summed over the last dimension, i.e. what Word2Vec computes with
 * `out_embed.forward(targets).mul(h.unsqueeze(1)).sum(-1)`, without materialising the gathered rows or the
 * product: the forward reads each row once, the backward writes h's gradient (dense, [B, D]) and the
 * table's as a RowSparseTensor (one row per target, as nn.Embedding with sparse: true gives). On nabla's
 * JS kernels the composed form makes about three times the memory passes, each into a fresh buffer.
 * Word2Vec uses it with `fused: true`; the tests check both forms give the same loss and gradients.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { RowSparseTensor } from '../autograd/sparse.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/**
 * Scores [...targets.shape] for h [B, D], a table [V, D] and int32 targets; `owner` (int32, one entry per
 * target) says which row of h each target pairs with, or is null to pair the targets' rows in order
 * (targets [B, K]: target (b, k) with h[b]).
 */
export function gatheredRowDot(h: Tensor, owner: Tensor | null, table: Tensor, targets: Tensor): Tensor {
  const op = 'gatheredRowDot';
  if (h.ndim !== 2 || h.dtype !== 'float32') throw new Error(`${op}: h must be a float32 [B, D] tensor, got ${h.dtype} ${formatShape(h.shape)}`);
  if (table.ndim !== 2 || table.dtype !== 'float32') throw new Error(`${op}: table must be a float32 [V, D] tensor, got ${table.dtype} ${formatShape(table.shape)}`);
  const [B, D] = h.shape;
  const [V, Dt] = table.shape;
  if (Dt !== D) throw new Error(`${op}: h has rows of ${D} but the table rows of ${Dt}`);
  if (targets.dtype !== 'int32') throw new Error(`${op}: targets must be int32, got ${targets.dtype}`);
  const N = targets.numel();
  const t = targets.contiguousData() as Int32Array;
  let o: Int32Array;
  if (owner) {
    if (owner.dtype !== 'int32' || owner.numel() !== N) throw new Error(`${op}: owner must be int32 with one entry per target (${N}), got ${owner.dtype} ${formatShape(owner.shape)}`);
    o = owner.contiguousData() as Int32Array;
  } else {
    if (targets.ndim < 1 || targets.shape[0] !== B) throw new Error(`${op}: without owner, targets must be [B, ...] with B = ${B}, got ${formatShape(targets.shape)}`);
    const per = B === 0 ? 0 : N / B;
    o = new Int32Array(N);
    for (let e = 0; e < N; e++) o[e] = Math.floor(e / per);
  }
  for (let e = 0; e < N; e++) {
    if (!(t[e] >= 0 && t[e] < V)) throw new Error(`${op}: target ${t[e]} is out of range for a table of ${V} rows`);
    if (!(o[e] >= 0 && o[e] < B)) throw new Error(`${op}: owner ${o[e]} is out of range for ${B} rows of h`);
  }
  const hd = h.contiguousData() as Float32Array;
  const td = table.contiguousData() as Float32Array;
  const out = new Float32Array(N);
  for (let e = 0; e < N; e++) {
    const hb = o[e] * D, tb = t[e] * D;
    let s = 0;
    for (let d = 0; d < D; d++) s += hd[hb + d] * td[tb + d];
    out[e] = s;
  }
  const ids = t.slice();
  const owners = owner ? o.slice() : o;
  return record(Tensor.fromData(out, targets.shape, 'float32'), op, [h, table], (g) => {
    const gd = g.contiguousData() as Float32Array;
    const hNow = h.contiguousData() as Float32Array;
    const tNow = table.contiguousData() as Float32Array;
    let gh: Tensor | null = null, gt: Tensor | null = null;
    if (h.requiresGrad) {
      const acc = new Float32Array(B * D);
      for (let e = 0; e < N; e++) {
        const ge = gd[e];
        if (ge === 0) continue;
        const hb = owners[e] * D, tb = ids[e] * D;
        for (let d = 0; d < D; d++) acc[hb + d] += ge * tNow[tb + d];
      }
      gh = Tensor.fromData(acc, [B, D], 'float32');
    }
    if (table.requiresGrad) {
      const values = new Float32Array(N * D);
      for (let e = 0; e < N; e++) {
        const ge = gd[e];
        if (ge === 0) continue;
        const hb = owners[e] * D, vb = e * D;
        for (let d = 0; d < D; d++) values[vb + d] = ge * hNow[hb + d];
      }
      gt = new RowSparseTensor(table.shape, ids, values);
    }
    return [gh, gt];
  }, [h, table]);
}
