// Fill-mask: a BERT-Tiny pretrained by `nabla train bert` (masked LM on the State of the Union addresses
// and Moby-Dick) guesses the word at each [MASK] of a sentence, as Hugging Face's fill-mask pipeline
// does. The weights download and the model runs in the worker; the page shows the top-k tokens as bars.
import { h, jobThreads, type Page } from '../dom.js';
import { Trainer } from '../trainer.js';
import type { BertCard, FillMaskRow } from '../protocol.js';
import { marks } from '../timing.js';

const MODEL_DIR = 'bert-tiny/';
const EXAMPLES = [
  'Paris is the [MASK] of France.',
  'The president asked congress to [MASK] taxes.',
  'The whale [MASK] the ship.',
  'We must [MASK] our nation and the people of the [MASK].',
];

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function describe(card: BertCard): string {
  const corpus = card.corpus.split('+').map((c) => ({ sotu: 'the State of the Union addresses', 'moby-dick': 'Moby-Dick' })[c] ?? c).join(' and ');
  const weights = card.files['model.safetensors'] ?? 0;
  return `${card.name}: ${(card.parameters / 1e6).toFixed(2)} M parameters, a ${card.vocabSize}-WordPiece vocabulary, ` +
    `pretrained (masked LM + next sentence) by nabla train bert on ${corpus} for ${card.steps} updates of ${card.batchSize} sequences of up to ${card.maxSeqLength} tokens. ` +
    `On held-out documents it guesses ${percent(card.heldOut.mlmAccuracy)} of the masked tokens, where a model that reads no context gets ${percent(card.heldOut.baselineAccuracy)} (BERT leaves some masked tokens visible, and copying them is easy); ` +
    `where the input hides the word it guesses ${percent(card.heldOut.hiddenAccuracy)}, against ${percent(card.heldOut.hiddenBaselineAccuracy)} for always “${card.heldOut.baselineToken}”. ` +
    `Weights: float16 safetensors, ${megabytes(weights)}. A model this small, pretrained this briefly on 2.8M words, has learnt little from the context yet: it mostly answers with common words and punctuation.`;
}

/** The Fill-mask page. */
export function fillMaskPage(): Page {
  const trainer = new Trainer();
  return {
    id: 'fill-mask',
    title: 'Fill-mask',
    async mount(root) {
      const opened = performance.now();
      const input = h('input', { id: 'masked-text', type: 'text', size: '70', value: EXAMPLES[0]!, spellcheck: 'false' });
      const topK = h('select', { id: 'top-k' }, ...[5, 10, 15].map((k) => h('option', k === 10 ? { value: String(k), selected: '' } : { value: String(k) }, String(k))));
      const fill = h('button', { id: 'fill' }, 'Fill');
      const examples = h('div', { class: 'examples' }, 'Examples: ', ...EXAMPLES.map((text) => {
        const b = h('button', { class: 'example' }, text);
        b.addEventListener('click', () => { input.value = text; request(); });
        return b;
      }));
      const progress = h('progress', { id: 'bert-progress', max: '1', value: '0' });
      const status = h('p', { id: 'bert-status', class: 'status' }, 'Downloading the model…');
      const card = h('p', { id: 'bert-card', class: 'card' }, '');
      const results = h('div', { id: 'fill-results' });
      root.append(
        h('p', {}, 'Type a sentence with one or more [MASK] tokens: BERT shows its most probable tokens at each one, with their probabilities (Hugging Face\'s fill-mask pipeline).'),
        h('div', {}, input, ' top ', topK, ' ', fill), examples, h('div', {}, progress), status, results, card,
      );

      const response = await fetch(new URL(`${MODEL_DIR}card.json`, location.href));
      if (!response.ok) throw new Error(`Fill-mask: fetching ${MODEL_DIR}card.json gave HTTP ${response.status}`);
      card.textContent = describe((await response.json()) as BertCard);

      const show = (masks: FillMaskRow[][]) => {
        results.replaceChildren(...masks.map((rows, m) => h('div', { class: 'mask-result' },
          h('h3', {}, masks.length > 1 ? `[MASK] ${m + 1}` : 'At the [MASK]'),
          h('div', { class: 'bars tokens' }, ...rows.map((r) => h('div', { class: 'bar', title: r.sequence, 'data-score': String(r.score) },
            h('span', { class: 'label' }, r.tokenStr), h('span', { class: 'track' }, h('span', { class: 'fill', style: `width:${(r.score * 100).toFixed(2)}%` })), h('span', { class: 'pct' }, percent(r.score))))),
          h('p', { class: 'sequence' }, rows[0] ? `→ ${rows[0].sequence}` : ''))));
      };

      let again = false;
      const request = () => {
        if (trainer.busy) { again = true; return; }
        fill.disabled = true;
        const text = input.value;
        trainer.run({ type: 'fill-mask', modelBase: new URL(MODEL_DIR, location.href).href, text, topK: Number(topK.value), threads: jobThreads() }, (r) => {
          if (r.type === 'progress' && r.job === 'fill-mask') {
            progress.value = r.loaded / r.total;
            status.textContent = `Downloading the model: ${megabytes(r.loaded)} of ${megabytes(r.total)}`;
            return;
          }
          fill.disabled = false;
          if (r.type === 'done' && r.job === 'fill-mask') {
            progress.value = 1;
            show(r.masks);
            results.dataset.text = text; // what these results answer: the input may have changed since
            if (status.dataset.firstFill === undefined) {
              marks.firstFill ??= performance.now();
              status.dataset.firstFill = String(performance.now() - opened);
              status.textContent = `Ready: the model was downloaded and loaded in ${r.loadMs.toFixed(0)} ms, and the first prediction came ${(performance.now() - opened).toFixed(0)} ms after this page opened.`;
            } else {
              status.textContent = `Filled in ${r.inferenceMs.toFixed(0)} ms in the worker.`;
            }
          } else if (r.type === 'error') {
            results.replaceChildren();
            delete results.dataset.text;
            status.textContent = `Error: ${r.message}`;
          }
          if (again) { again = false; request(); }
        });
      };
      let timer: ReturnType<typeof setTimeout> | undefined;
      input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(request, 250); });
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') request(); });
      fill.addEventListener('click', request);
      topK.addEventListener('change', request);
      request();
    },
    unmount() {
      trainer.stop(true);
    },
  };
}
