// Greedy and beam-search outputs of a small seeded model, against those the decoder gave before
// incremental decoding moved into nn.TransformerDecoder.step (tools/gen_translator_decode_fixture.ts). Beam
// search then stopped a sentence at beamSize finished hypotheses: `earlyStopping: true` today.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { beamSearch, decodeIds, gnmtLengthPenalty, type DecodeStepper } from '../../src/models/translator.js';
import { decodeModel, decodeSources } from '../../tools/gen_translator_decode_fixture.js';

interface Expected { tokens: number[]; logProb: number; truncated: boolean }
const fixture = JSON.parse(readFileSync('test/fixtures/models/translator_decode.json', 'utf8')) as
  { sources: number[][] } & Record<'postNorm' | 'preNorm', Record<'greedy' | 'beam4' | 'beam3NoPenalty', Expected[]>>;

test('the fixture was made from the same sources', () => {
  assert.deepEqual(decodeSources(), fixture.sources);
});

for (const normFirst of [false, true]) {
  test(`decoding gives the recorded outputs (${normFirst ? 'pre-norm' : 'post-norm'}): greedy, beam 4 with α 0.6, beam 3 with α 0`, () => {
    const model = decodeModel(normFirst);
    const expected = fixture[normFirst ? 'preNorm' : 'postNorm'];
    const runs = { greedy: { beam: 1 }, beam4: { beam: 4, lengthPenalty: 0.6, earlyStopping: true }, beam3NoPenalty: { beam: 3, lengthPenalty: 0, earlyStopping: true } } as const;
    for (const [name, options] of Object.entries(runs) as [keyof typeof runs, (typeof runs)[keyof typeof runs]][]) {
      const hyps = decodeIds(model, fixture.sources, options);
      hyps.forEach((h, i) => {
        const e = expected[name][i]!;
        assert.deepEqual(h.tokens, e.tokens, `${name} sentence ${i}`);
        assert.equal(h.truncated, e.truncated, `${name} sentence ${i}`);
        assert.ok(Math.abs(h.logProb - e.logProb) < 1e-3, `${name} sentence ${i}: logProb ${h.logProb} vs ${e.logProb}`);
      });
    }
  });
}

test('without early stopping, beam search keeps every hypothesis early stopping finds and ranks at least as high', () => {
  for (const normFirst of [false, true]) {
    const model = decodeModel(normFirst);
    for (const lengthPenalty of [0.6, 1]) {
      const early = decodeIds(model, fixture.sources, { beam: 4, lengthPenalty, earlyStopping: true });
      const full = decodeIds(model, fixture.sources, { beam: 4, lengthPenalty });
      full.forEach((h, i) => assert.ok(h.score >= early[i]!.score - 1e-6, `sentence ${i}: ${h.score} < ${early[i]!.score}`));
    }
  }
});

/** Next-token probabilities by the whole output so far: ending at once is likeliest, but "4 4" ends far better per token. */
class PrefixStepper implements DecodeStepper {
  readonly vocabSize = 6;
  rows = 1;
  #history: number[][] = [[]];
  select(rows: Int32Array): void {
    this.#history = Array.from(rows, (r) => [...this.#history[r]!]);
    this.rows = rows.length;
  }
  step(tokens: Int32Array): Float32Array {
    const table: Record<string, Record<number, number>> = { '': { 3: 0.5, 4: 0.49, 5: 0.01 }, '4': { 4: 0.99, 3: 0.01 }, '4,4': { 3: 0.99, 4: 0.01 } };
    const out = new Float32Array(this.rows * 6).fill(-Infinity);
    Array.from(tokens).forEach((t, r) => {
      if (t !== 2) this.#history[r]!.push(t);
      for (const [v, p] of Object.entries(table[this.#history[r]!.join()] ?? { 3: 1 })) out[r * 6 + Number(v)] = Math.log(p);
    });
    return out;
  }
}

test('early stopping keeps the first finished hypothesis; searching on finds the longer one the length penalty ranks first', () => {
  const opts = { bosId: 2, eosId: 3, maxLength: 6, beamSize: 1, lengthPenalty: 1 };
  const [early] = beamSearch(new PrefixStepper(), 1, { ...opts, earlyStopping: true });
  const [full] = beamSearch(new PrefixStepper(), 1, opts);
  assert.deepEqual(early!.tokens, []);
  assert.deepEqual(full!.tokens, [4, 4]);
  assert.ok(Math.abs(full!.score - Math.log(0.49 * 0.99 * 0.99) / gnmtLengthPenalty(3, 1)) < 1e-6);
  assert.ok(full!.score > early!.score);
});

test('noRepeatNgramSize keeps every n-gram of an output unique, in greedy and beam search', () => {
  const model = decodeModel(true); // its greedy outputs repeat tokens until the length limit
  const repeats = (tokens: number[], n: number) => {
    const seen = new Set(tokens.slice(0, tokens.length - n + 1).map((_, i) => tokens.slice(i, i + n).join()));
    return Math.max(0, tokens.length - n + 1) - seen.size;
  };
  const plain = decodeIds(model, fixture.sources, { beam: 1 });
  assert.ok(plain.some((h) => repeats(h.tokens, 2) > 0), 'the model should repeat bigrams without the option');
  for (const beam of [1, 4]) {
    for (const h of decodeIds(model, fixture.sources, { beam, noRepeatNgramSize: 2 })) assert.equal(repeats(h.tokens, 2), 0, `beam ${beam}: ${h.tokens}`);
  }
  assert.throws(() => decodeIds(model, fixture.sources, { noRepeatNgramSize: -1 }), /decode: option noRepeatNgramSize must be an integer >= 0, got number -1/);
});

test('decoding options are checked, with Hugging Face generate()\'s names as did-you-means', () => {
  const model = decodeModel(false);
  assert.throws(() => decodeIds(model, fixture.sources, { num_beams: 4 } as object), /decode: unknown option 'num_beams' \(did you mean 'beam'\?\); known options: beam, lengthPenalty/);
  assert.throws(() => decodeIds(model, fixture.sources, { beam: 0 }), /decode: option beam must be a positive integer, got number 0/);
});
