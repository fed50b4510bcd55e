/** Layer norm and batch norm kernels; statistics accumulate in float64. */

export function layerNorm(x: Float32Array, rows: number, cols: number, weight: Float32Array | null, bias: Float32Array | null,
  eps: number, out: Float32Array, mean: Float32Array, rstd: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += x[base + j];
    const mu = sum / cols;
    let sq = 0;
    for (let j = 0; j < cols; j++) { const d = x[base + j] - mu; sq += d * d; }
    const inv = 1 / Math.sqrt(sq / cols + eps);
    mean[r] = mu;
    rstd[r] = inv;
    for (let j = 0; j < cols; j++) {
      let v = (x[base + j] - mu) * inv;
      if (weight) v *= weight[j];
      if (bias) v += bias[j];
      out[base + j] = v;
    }
  }
}

export function layerNormBackward(g: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array,
  weight: Float32Array | null, rows: number, cols: number,
  gx: Float32Array, gw: Float32Array | null, gb: Float32Array | null): void {
  const gwAcc = gw ? new Float64Array(cols) : null;
  const gbAcc = gb ? new Float64Array(cols) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * cols, mu = mean[r], inv = rstd[r];
    let sumG = 0, sumGXhat = 0;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[base + j] - mu) * inv;
      const gj = g[base + j];
      if (gwAcc) gwAcc[j] += gj * xhat;
      if (gbAcc) gbAcc[j] += gj;
      const gy = weight ? gj * weight[j] : gj;
      sumG += gy;
      sumGXhat += gy * xhat;
    }
    for (let j = 0; j < cols; j++) {
      const xhat = (x[base + j] - mu) * inv;
      const gy = weight ? g[base + j] * weight[j] : g[base + j];
      gx[base + j] = inv * (gy - sumG / cols - xhat * sumGXhat / cols);
    }
  }
  if (gw && gwAcc) for (let j = 0; j < cols; j++) gw[j] = gwAcc[j];
  if (gb && gbAcc) for (let j = 0; j < cols; j++) gb[j] = gbAcc[j];
}

export function channelMoments(x: Float32Array, n: number, c: number, spatial: number, mean: Float32Array, variance: Float32Array): void {
  const count = n * spatial;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) sum += x[base + i];
    }
    const mu = sum / count;
    let sq = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) { const d = x[base + i] - mu; sq += d * d; }
    }
    mean[ch] = mu;
    variance[ch] = sq / count;
  }
}

export function channelNormalize(x: Float32Array, n: number, c: number, spatial: number, mean: Float32Array, invstd: Float32Array,
  weight: Float32Array | null, bias: Float32Array | null, out: Float32Array): void {
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const scale = invstd[ch] * (weight ? weight[ch] : 1);
      const shift = (bias ? bias[ch] : 0) - mean[ch] * scale;
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) out[base + i] = x[base + i] * scale + shift;
    }
  }
}

export function batchNormBackward(g: Float32Array, x: Float32Array, n: number, c: number, spatial: number,
  mean: Float32Array, invstd: Float32Array, weight: Float32Array | null,
  gx: Float32Array, gw: Float32Array | null, gb: Float32Array | null): void {
  const count = n * spatial;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch], inv = invstd[ch];
    let sumG = 0, sumGXhat = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) {
        const gi = g[base + i];
        sumG += gi;
        sumGXhat += gi * (x[base + i] - mu) * inv;
      }
    }
    if (gw) gw[ch] = sumGXhat;
    if (gb) gb[ch] = sumG;
    const scale = inv * (weight ? weight[ch] : 1);
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) {
        const xhat = (x[base + i] - mu) * inv;
        gx[base + i] = scale * (g[base + i] - sumG / count - xhat * sumGXhat / count);
      }
    }
  }
}
