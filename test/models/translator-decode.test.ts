// Greedy and beam-search outputs of a small seeded model, against those the decoder gave before
// incremental decoding moved into nn.TransformerDecoder.step (tools/gen_translator_decode_fixture.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeIds } from '../../src/models/translator.js';
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
    const runs = { greedy: { beam: 1 }, beam4: { beam: 4, lengthPenalty: 0.6 }, beam3NoPenalty: { beam: 3, lengthPenalty: 0 } } as const;
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
