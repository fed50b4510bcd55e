// Options of the course models (and of save's serialize, which they write with) are checked at run time, with PyTorch / transformers spellings as did-you-means.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BertTokenizer } from '../../src/text/wordpiece.js';
describe('options of the course models', () => {
  it('are checked, with PyTorch / transformers spellings as did-you-means', async () => {
    const { VGG, SimpleLSTM, trainTokenizers, CharLSTM, CharVocab, sampleText } = await import('../../src/models/index.js');
    const { qaFeatures } = await import('../../src/models/bert/finetune-data.js');
    assert.throws(() => new VGG([8, 'M'], { num_classes: 3 } as object), /VGG: unknown option 'num_classes' \(did you mean 'numClasses'\?/);
    assert.throws(() => new SimpleLSTM(1, 4, 1, { steps: 'all' as 'last' }), /SimpleLSTM: option steps must be one of "every", "last", got the string "all"/);
    assert.throws(() => trainTokenizers([{ source: 'a', target: 'b' }], { vocabSize: 300, min_frequency: 1 } as object as { vocabSize: number }), /trainTokenizers: unknown option 'min_frequency' \(did you mean 'minFrequency'\?/);
    const vocab = CharVocab.fromText('abc');
    assert.throws(() => sampleText(new CharLSTM({ vocabSize: vocab.size, embedDim: 4, hiddenSize: 4, numLayers: 1, dropout: 0 }), vocab, 'a', { length: 3, temp: 0.5 } as object as { length: number }), /sampleText: unknown option 'temp'/);
    const tok = BertTokenizer.fromVocabText(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a'].join('\n'));
    assert.throws(() => qaFeatures([], tok, { doc_stride: 8 } as object), /qaFeatures: unknown option 'doc_stride' \(did you mean 'docStride'\?/);
    const { postprocessQa } = await import('../../src/models/bert/finetune-data.js');
    assert.throws(() => postprocessQa([], [], [], [], { n_best_size: 5 } as object), /postprocessQa: unknown option 'n_best_size' \(did you mean 'nBest'\?/);
    assert.throws(() => new CharLSTM({ vocabSize: 3, embedDim: 4, hiddenSize: 0, numLayers: 1, dropout: 0 }), /CharLSTM: option hiddenSize must be a positive integer, got number 0/);
    const { Translator } = await import('../../src/models/translator.js');
    const tokenizers = trainTokenizers([{ source: 'a b c', target: 'x y z' }], { vocabSize: 300 });
    assert.throws(() => Translator.create(tokenizers.src, tokenizers.tgt, { dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dim_feedforward: 16, dropout: 0, maxLen: 8 } as never),
      /Translator.create: unknown option 'dim_feedforward' \(did you mean 'dimFeedforward'\?/);
    const { bagOfWordsBaseline } = await import('../../src/models/bert/baselines.js');
    assert.throws(() => bagOfWordsBaseline([], [], { min_count: 2 } as object), /bagOfWordsBaseline: unknown option 'min_count' \(did you mean 'minCount'\?/);
    const { serialize } = await import('../../src/io/serialize.js');
    assert.throws(() => serialize({}, undefined, { dtype: 'float16' } as object), /save: unknown option 'dtype' \(did you mean 'floatDtype'\?/);
    const { hubCachePath } = await import('../../src/models/bert/pretrained-node.js');
    assert.throws(() => hubCachePath('org/name', { cache_dir: '/tmp' } as object), /hubCachePath: unknown option 'cache_dir' \(did you mean 'cacheDir'\?/);
  });
});
