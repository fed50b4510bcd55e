export function softmax(x: Float32Array, rows: number, cols: number, log: boolean, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[base + j] > max) max = x[base + j];
    if (max === -Infinity) max = 0; // a fully masked row gives NaN like PyTorch, not an exception
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j] - max);
    if (log) {
      const logSum = Math.log(sum) + max;
      for (let j = 0; j < cols; j++) out[base + j] = x[base + j] - logSum;
    } else {
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) out[base + j] = Math.exp(x[base + j] - max) * inv;
    }
  }
}

/** softmax: dx = y * (g - sum(g*y)); log-softmax: dx = g - exp(y) * sum(g). */
export function softmaxBackward(y: Float32Array, g: Float32Array, rows: number, cols: number, log: boolean, gx: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    if (log) {
      for (let j = 0; j < cols; j++) dot += g[base + j];
      for (let j = 0; j < cols; j++) gx[base + j] = g[base + j] - Math.exp(y[base + j]) * dot;
    } else {
      for (let j = 0; j < cols; j++) dot += g[base + j] * y[base + j];
      for (let j = 0; j < cols; j++) gx[base + j] = y[base + j] * (g[base + j] - dot);
    }
  }
}

/** log(sum(exp(x))) of each row, as the log-softmax above computes it (x - out[r] is its log-softmax). */
export function logSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[base + j] > max) max = x[base + j];
    if (max === -Infinity) {
      out[r] = NaN; // a fully masked row: NaN log-probabilities, as the log-softmax gives
      continue;
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j] - max);
    out[r] = Math.log(sum) + max;
  }
}

/**
 * Log-softmax's backward of the gradient -coef[i] · onehot(target[i]), from the scores and their
 * logSumExp; with label smoothing ε, of -coef[i] · ((1 - ε) · onehot(target[i]) + ε / cols).
 */
export function crossEntropyBackward(x: Float32Array, logSum: Float32Array, rows: number, cols: number, target: Int32Array, coef: Float32Array, gx: Float32Array, labelSmoothing = 0): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols, c = coef[r]!, t = target[r]!, ls = logSum[r]!;
    if (labelSmoothing === 0) {
      for (let j = 0; j < cols; j++) gx[base + j] = (j === t ? -c : 0) + Math.exp(Math.fround(x[base + j]! - ls)) * c;
      continue;
    }
    const atTarget = c * (1 - labelSmoothing), everywhere = (c * labelSmoothing) / cols;
    for (let j = 0; j < cols; j++) gx[base + j] = (j === t ? -atTarget : 0) - everywhere + Math.exp(Math.fround(x[base + j]! - ls)) * c;
  }
}
