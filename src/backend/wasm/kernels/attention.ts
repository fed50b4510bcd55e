// The elementwise parts of fused attention (src/backend/wasm/attention.ts runs the gemms around
// them), with the semantics of the reference kernel (src/backend/js/attention.ts): scores scaled,
// then the additive mask added, keys j > i dropped when causal (probability exactly 0), and a
// query row with no finite score (fully masked) NaN throughout.
import { dotRow, expShiftSum, fillRow, scaleRow, softmaxGradRow } from './rows';

/**
 * Turns the raw scores p [l, s] (in place) into probabilities: softmax over keys of
 * score * scale + mask (mask [l, s] at `mask`, none when 0), keys j > i excluded when causal.
 */
export function attentionSoftmax(p: usize, l: i32, s: i32, scale: f32, mask: usize, causal: bool): void {
  const rowBytes = <usize>s << 2;
  const vs = f32x4.splat(scale);
  for (let i = 0; i < l; i++) {
    const row = p + <usize>i * rowBytes;
    const mrow = mask + <usize>i * rowBytes;
    const end = causal ? min(s, i + 1) : s;
    let vmax = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= end; j += 4) {
      const o = <usize>j << 2;
      let x = f32x4.mul(v128.load(row + o), vs);
      if (mask) x = f32x4.add(x, v128.load(mrow + o));
      v128.store(row + o, x);
      vmax = f32x4.max(vmax, x);
    }
    let mx = max(max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
    for (; j < end; j++) {
      const o = <usize>j << 2;
      let x = load<f32>(row + o) * scale;
      if (mask) x += load<f32>(mrow + o);
      store<f32>(row + o, x);
      mx = max(mx, x);
    }
    if (mx == -Infinity) {
      fillRow(row, s, NaN);
      continue;
    }
    const sum = expShiftSum(row, row, end, mx, true);
    scaleRow(row, row, end, <f32>(1 / sum));
    if (end < s) fillRow(row + (<usize>end << 2), s - end, 0);
  }
}

/** out = a * b over n floats: the probabilities after dropout. */
export function attentionDropout(a: usize, b: usize, out: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; j < n; j++) store<f32>(out + (<usize>j << 2), load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2)));
}

/**
 * dP [l, s] (the gradient of the attention weights, in place) becomes dS, the gradient of the raw
 * scores: dP += gradWeights (when not 0), dP *= dropMask (when not 0), then per row
 * dS = scale · P ∘ (dP - rowsum(dP ∘ P)).
 */
export function attentionSoftmaxBackward(dp: usize, probs: usize, gradWeights: usize, drop: usize, l: i32, s: i32, scale: f32): void {
  const n = l * s;
  if (gradWeights) {
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(dp + o, f32x4.add(v128.load(dp + o), v128.load(gradWeights + o)));
    }
    for (; j < n; j++) store<f32>(dp + (<usize>j << 2), load<f32>(dp + (<usize>j << 2)) + load<f32>(gradWeights + (<usize>j << 2)));
  }
  if (drop) attentionDropout(dp, drop, dp, n);
  const rowBytes = <usize>s << 2;
  for (let i = 0; i < l; i++) {
    const off = <usize>i * rowBytes;
    softmaxGradRow(probs + off, dp + off, dp + off, s, <f32>dotRow(dp + off, probs + off, s), scale);
  }
}
