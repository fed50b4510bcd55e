/**
 * 2-D pictures of word vectors: PCA by power iteration with deflation (nabla matmuls on the centred
 * rows' covariance), and t-SNE through the npm package @keckelt/tsne (Karpathy's tsnejs in
 * TypeScript), seeded so a picture repeats.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { matmul } from '../ops/linalg.js';
import { noGrad } from '../autograd/grad-mode.js';
import { TSNE } from '@keckelt/tsne';

/** A PCA projection: the projected points and the share of variance each component explains. */
export interface PcaResult {
  /** [n, k] row-major coordinates. */
  coords: Float32Array;
  /** [k, dim] unit principal directions. */
  components: Float32Array;
  /** Variance along each component. */
  variances: number[];
  /** Share of the total variance each component explains. */
  explained: number[];
}

/**
 * The first `k` principal components of `rows` ([n, dim] row-major), each found by power iteration on
 * the covariance (deflated by the ones before), signed so its largest entry is positive.
 */
export function pca(rows: Float32Array, n: number, dim: number, k = 2, options: { iterations?: number; seed?: number } = {}): PcaResult {
  checkOptions('pca', options, { iterations: 'number', seed: 'number' });
  if (rows.length !== n * dim) throw new Error(`pca: ${n} rows of ${dim} need ${n * dim} values, got ${rows.length}`);
  if (n < 2) throw new Error(`pca: needs at least 2 points, got ${n}`);
  const iterations = options.iterations ?? 500;
  const g = new Generator(options.seed ?? 0);
  return noGrad(() => {
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += rows[i * dim + d] / n;
    const centred = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) centred[i * dim + d] = rows[i * dim + d] - mean[d];
    const X = Tensor.fromData(centred, [n, dim], 'float32');
    const cov = matmul(X.t(), X).div(n - 1).contiguousData() as Float32Array;
    let totalVar = 0;
    for (let d = 0; d < dim; d++) totalVar += cov[d * dim + d];
    const C = Float64Array.from(cov);
    const components = new Float32Array(k * dim);
    const variances: number[] = [];
    for (let c = 0; c < k; c++) {
      let v = new Float64Array(dim);
      for (let d = 0; d < dim; d++) v[d] = g.normal();
      let lambda = 0;
      for (let it = 0; it < iterations; it++) {
        const w = new Float64Array(dim);
        for (let a = 0; a < dim; a++) {
          let s = 0;
          for (let b = 0; b < dim; b++) s += C[a * dim + b] * v[b];
          w[a] = s;
        }
        let norm = 0;
        for (let d = 0; d < dim; d++) norm += w[d] * w[d];
        norm = Math.sqrt(norm);
        if (norm === 0) break;
        let change = 0;
        for (let d = 0; d < dim; d++) { const x = w[d] / norm; change += Math.abs(x - v[d]); w[d] = x; }
        v = w;
        lambda = norm;
        if (change < 1e-10) break;
      }
      let big = 0;
      for (let d = 0; d < dim; d++) if (Math.abs(v[d]) > Math.abs(v[big])) big = d;
      if (v[big] < 0) for (let d = 0; d < dim; d++) v[d] = -v[d];
      for (let d = 0; d < dim; d++) components[c * dim + d] = v[d];
      variances.push(lambda);
      // deflate: C -= lambda v v^T
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) C[a * dim + b] -= lambda * v[a] * v[b];
    }
    const coords = matmul(X, Tensor.fromData(components, [k, dim], 'float32').t()).contiguousData() as Float32Array;
    return { coords: Float32Array.from(coords), components, variances, explained: variances.map((v) => (totalVar > 0 ? v / totalVar : 0)) };
  });
}

/** t-SNE to 2-D of `rows` ([n, dim]) with a seeded start; returns [n, 2] coordinates. */
export function tsne(rows: Float32Array, n: number, dim: number, options: { perplexity?: number; iterations?: number; epsilon?: number; seed?: number } = {}): Float32Array {
  checkOptions('tsne', options, { perplexity: 'number', iterations: 'number', epsilon: 'number', seed: 'number' });
  if (rows.length !== n * dim) throw new Error(`tsne: ${n} rows of ${dim} need ${n * dim} values, got ${rows.length}`);
  if (n < 3) throw new Error(`tsne: needs at least 3 points, got ${n}`);
  const perplexity = options.perplexity ?? Math.min(30, Math.max(2, Math.floor((n - 1) / 3)));
  const model = new TSNE({ epsilon: options.epsilon ?? 10, perplexity, dim: 2 });
  const g = new Generator(options.seed ?? 0);
  // the package draws its start from Math.random through this method; a seeded one makes the picture repeat
  (model as unknown as { gaussRandom: () => number }).gaussRandom = () => g.normal();
  const data: number[][] = [];
  for (let i = 0; i < n; i++) data.push(Array.from(rows.subarray(i * dim, (i + 1) * dim)));
  model.initDataRaw(data);
  const iterations = options.iterations ?? 1000;
  for (let i = 0; i < iterations; i++) model.step();
  const solution = model.getSolution() as number[][];
  const out = new Float32Array(n * 2);
  solution.forEach((p, i) => { out[2 * i] = p[0]; out[2 * i + 1] = p[1]; });
  return out;
}
