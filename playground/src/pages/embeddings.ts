// Embeddings: Word2Vec (skip-gram, negative sampling) trained in the worker on a small corpus (the first
// chapters of Moby-Dick by default, editable), then nearest neighbours and a PCA map to explore.
import * as nb from 'nabla';
import { escapeXml } from '../svg-text.js';
import { h, jobThreads, type Page } from '../dom.js';
import { Trainer } from '../trainer.js';

const MAP_WORDS = 150, MAP_W = 760, MAP_H = 520;

/** The Embeddings page. */
export function embeddingsPage(): Page {
  const trainer = new Trainer();
  return {
    id: 'embeddings',
    title: 'Embeddings',
    async mount(root) {
      const corpus = h('textarea', { id: 'corpus', rows: '6', cols: '90', spellcheck: 'false' });
      const epochs = h('input', { id: 'w2v-epochs', type: 'number', min: '1', max: '50', value: '3' });
      const train = h('button', { id: 'train-w2v' }, 'Train Word2Vec');
      const stop = h('button', { id: 'stop-w2v', disabled: '' }, 'Stop');
      const progress = h('progress', { id: 'w2v-progress', max: '1', value: '0' });
      const status = h('p', { id: 'w2v-status', class: 'status' }, 'Loading the corpus…');
      const query = h('input', { id: 'query', type: 'text', placeholder: 'a word, e.g. whale', disabled: '' });
      const neighbours = h('ol', { id: 'neighbours' });
      const map = h('div', { id: 'word-map', class: 'chart' });
      root.append(
        h('p', {}, 'Skip-gram with negative sampling, 50 dimensions, window 5, words seen at least 3 times. Edit the text to train on your own.'),
        corpus, h('div', {}, 'epochs ', epochs, ' ', train, ' ', stop, ' ', progress), status,
        h('div', { class: 'row' }, h('div', {}, h('label', {}, 'Nearest neighbours of ', query), neighbours), map),
      );
      const response = await fetch(new URL('corpus.txt', location.href));
      corpus.value = response.ok ? await response.text() : '';
      status.textContent = `${corpus.value.split(/\s+/).length} words. Press Train.`;

      let kv: nb.embeddings.KeyedVectors | null = null;
      let coords: Float32Array | null = null;
      const showNeighbours = (word: string) => {
        neighbours.replaceChildren();
        if (!kv) return;
        if (!kv.has(word)) { neighbours.append(h('li', {}, `“${word}” is not in the vocabulary`)); return; }
        for (const n of kv.mostSimilar([word], [], { k: 10 })) neighbours.append(h('li', {}, `${n.word} (${n.similarity.toFixed(3)})`));
        drawMap(word);
      };
      const drawMap = (selected?: string) => {
        if (!kv || !coords) return;
        const n = Math.min(MAP_WORDS, kv.words.length);
        const xs = Array.from({ length: n }, (_, i) => coords![i * 2]!), ys = Array.from({ length: n }, (_, i) => coords![i * 2 + 1]!);
        const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
        const near = new Set(selected && kv.has(selected) ? kv.mostSimilar([selected], [], { k: 10 }).map((m) => m.word) : []);
        const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${MAP_W}" height="${MAP_H}" viewBox="0 0 ${MAP_W} ${MAP_H}"><rect width="100%" height="100%" fill="white" stroke="#ccc"/>`];
        for (let i = 0; i < n; i++) {
          const w = kv.words[i]!;
          const x = 30 + ((xs[i]! - x0) / (x1 - x0 || 1)) * (MAP_W - 110), y = 20 + (1 - (ys[i]! - y0) / (y1 - y0 || 1)) * (MAP_H - 40);
          const colour = w === selected ? '#d62728' : near.has(w) ? '#ff7f0e' : '#1f77b4';
          parts.push(`<g class="word" data-word="${escapeXml(w)}" style="cursor:pointer"><circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${colour}"/><text x="${(x + 5).toFixed(1)}" y="${(y + 4).toFixed(1)}" font-size="12" font-family="sans-serif" fill="${colour}">${escapeXml(w)}</text></g>`);
        }
        parts.push('</svg>');
        map.innerHTML = parts.join('');
      };
      map.addEventListener('click', (e) => {
        const g = (e.target as Element).closest('g.word');
        if (g) { query.value = g.getAttribute('data-word')!; showNeighbours(query.value); }
      });
      query.addEventListener('input', () => showNeighbours(query.value.trim().toLowerCase()));

      train.addEventListener('click', () => {
        train.disabled = true; stop.disabled = false;
        status.textContent = 'Building the vocabulary…';
        const n = Math.max(1, Math.min(50, Math.round(Number(epochs.value)) || 1));
        trainer.run({ type: 'word2vec', text: corpus.value, dim: 50, epochs: n, window: 5, minCount: 3, threads: jobThreads() }, (r) => {
          if (r.type === 'progress' && r.job === 'word2vec') {
            progress.value = (r.epoch - 1 + r.fraction) / r.epochs;
            status.textContent = `epoch ${r.epoch}/${r.epochs}  loss ${r.loss.toFixed(3)}  ${Math.round(r.wordsPerSecond)} words/s`;
          } else if (r.type === 'done' && r.job === 'word2vec') {
            kv = new nb.embeddings.KeyedVectors(r.words, r.vectors, r.dim, r.counts);
            const n = Math.min(MAP_WORDS, r.words.length);
            coords = nb.embeddings.pca(r.vectors.subarray(0, n * r.dim), n, r.dim, 2).coords;
            status.textContent = `Trained: ${r.words.length} words. Type a word or click one on the map (the ${n} most frequent, PCA).`;
            status.dataset.done = 'true';
            progress.value = 1;
            query.disabled = false;
            train.disabled = false; stop.disabled = true;
            drawMap();
          } else if (r.type === 'error') {
            status.textContent = `Error: ${r.message}`;
            train.disabled = false; stop.disabled = true;
          }
        });
      });
      stop.addEventListener('click', () => {
        trainer.stop(true);
        status.textContent = 'Stopped.';
        train.disabled = false; stop.disabled = true;
      });
    },
    unmount() {
      trainer.stop(true);
    },
  };
}
