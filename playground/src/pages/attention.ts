// Attention: the self-attention weights of each head of an nn.MultiheadAttention over the words of a
// sentence (averageAttnWeights false). The embeddings and projections are seeded random, not trained:
// the page shows the mechanism (each row a softmax over the words, each head its own pattern).
import * as nb from 'nabla';
import { heatmapSvg } from 'nabla/plot';
import { h, type Page } from '../dom.js';

const DIM = 32;

/** Words and punctuation, in any script. */
function tokenize(sentence: string): string[] {
  return sentence.match(/[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu) ?? [];
}

/** A fixed random vector per word (seeded by its characters), plus the Transformer's sinusoidal position code. */
function embed(tokens: string[]): nb.Tensor {
  const x = new Float32Array(tokens.length * DIM);
  tokens.forEach((t, pos) => {
    let seed = 2166136261;
    for (const ch of t.toLowerCase()) seed = Math.imul(seed ^ ch.codePointAt(0)!, 16777619) >>> 0;
    const g = new nb.Generator(seed);
    const v = nb.randn([DIM], { generator: g }).dataSync();
    for (let i = 0; i < DIM; i++) {
      const angle = pos / 10000 ** ((2 * Math.floor(i / 2)) / DIM);
      x[pos * DIM + i] = v[i]! + (i % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
    }
  });
  return nb.Tensor.fromData(x, [1, tokens.length, DIM], 'float32');
}

/** The Attention page. */
export function attentionPage(): Page {
  return {
    id: 'attention',
    title: 'Attention',
    mount(root) {
      const input = h('input', { id: 'sentence', type: 'text', size: '60', value: 'The cat sat on the mat because it was tired.' });
      const heads = h('select', { id: 'heads' }, ...[1, 2, 4, 8].map((n) => h('option', n === 4 ? { value: String(n), selected: '' } : { value: String(n) }, String(n))));
      const grid = h('div', { id: 'attention-maps', class: 'grid' });
      root.append(
        h('p', {}, 'Type a sentence (any language). Each heatmap is one head of nn.MultiheadAttention(32, heads, { batchFirst: true }): row i is how word i spreads its attention over the sentence. ',
          h('em', {}, 'The weights are seeded random, not trained: the heads show the mechanism, not learned meaning.')),
        h('div', {}, input, ' heads ', heads), grid,
      );
      const draw = () => {
        const tokens = tokenize(input.value).slice(0, 24);
        grid.replaceChildren();
        if (tokens.length === 0) return;
        const numHeads = Number(heads.value);
        nb.manualSeed(7);
        const mha = new nb.nn.MultiheadAttention(DIM, numHeads, { batchFirst: true });
        const x = embed(tokens);
        const [, weights] = nb.noGrad(() => mha.call(x, x, x, { averageAttnWeights: false })) as [nb.Tensor, nb.Tensor];
        const w = weights.dataSync();
        const L = tokens.length;
        for (let head = 0; head < numHeads; head++) {
          const matrix = Array.from({ length: L }, (_, i) => Array.from({ length: L }, (_, j) => w[(head * L + i) * L + j]!));
          const cell = h('div', { class: 'chart head' });
          cell.innerHTML = heatmapSvg({ matrix, rowLabels: tokens, colLabels: tokens, title: `head ${head + 1}`, showValues: false, cellWidth: 24, cellHeight: 24, xLabel: 'key', yLabel: 'query' });
          grid.append(cell);
        }
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(draw, 120); });
      heads.addEventListener('change', draw);
      draw();
    },
  };
}
