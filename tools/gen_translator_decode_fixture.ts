// Greedy and beam-search outputs of a small seeded translation model, written to
// test/fixtures/models/translator_decode.json. Made with the decoder as it was before incremental
// decoding moved into nn.TransformerDecoder.step, so test/models/translator-decode.test.ts can check
// that decoding still gives the same outputs.
//
//   npx tsx tools/gen_translator_decode_fixture.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../src/node.js';
import { decodeIds, Seq2SeqTransformer, type Seq2SeqConfig } from '../src/models/translator.js';

export const DECODE_CONFIG: Seq2SeqConfig = {
  srcVocabSize: 24, tgtVocabSize: 24, dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2,
  dimFeedforward: 64, dropout: 0, maxLen: 14, padId: 0, bosId: 2, eosId: 3,
};

/** The seeded model; its generator is sharpened and the [EOS] bias shifted so outputs are well separated and end at varied lengths. */
export function decodeModel(normFirst: boolean): Seq2SeqTransformer {
  nb.manualSeed(normFirst ? 12 : 11);
  const model = new Seq2SeqTransformer({ ...DECODE_CONFIG, normFirst }).eval();
  nb.noGrad(() => {
    model.generator.weight.mul_(normFirst ? 4 : 2);
    model.generator.bias!.select(0, DECODE_CONFIG.eosId).add_(normFirst ? -1 : 1);
  });
  return model;
}

/** Source sentences: ids 4..23, ending in [EOS]. */
export function decodeSources(): number[][] {
  const g = new nb.Generator(5);
  return Array.from({ length: 10 }, () => [...Array.from({ length: g.randint(1, 10) }, () => 4 + g.randint(0, 20)), 3]);
}

if (process.argv[1]?.endsWith('gen_translator_decode_fixture.ts')) {
  const sources = decodeSources();
  const out: Record<string, unknown> = { sources };
  for (const normFirst of [false, true]) {
    const model = decodeModel(normFirst);
    const run = (opts: Parameters<typeof decodeIds>[2]) => decodeIds(model, sources, opts).map((h) => ({ tokens: h.tokens, logProb: h.logProb, truncated: h.truncated }));
    out[normFirst ? 'preNorm' : 'postNorm'] = { greedy: run({ beam: 1 }), beam4: run({ beam: 4, lengthPenalty: 0.6 }), beam3NoPenalty: run({ beam: 3, lengthPenalty: 0 }) };
  }
  const path = join('test', 'fixtures', 'models', 'translator_decode.json');
  writeFileSync(path, JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote ${path}`);
}
