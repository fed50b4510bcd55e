/**
 * Options objects are checked at run time: an unknown key is an error that lists the known ones (and
 * names the camelCase spelling of a PyTorch keyword), a value of the wrong type an error naming the
 * option, what it must be and what it got. One case per public function or constructor family.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { checkOptions, FINITE_NUMBER, NON_NEGATIVE_INTEGER, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, POSITIVE_NUMBER } from '../../src/util/options.js';

const { nn, optim, data } = nb;
const bogus = { bogus: 1 } as unknown as Record<string, never>;
const params = () => [nb.zeros([2]).requiresGrad_()];

/** [name, a call with the unknown key `bogus`, a known option of that call]. */
const unknownKeyCases: [string, () => unknown, string][] = [
  ['tensor', () => nb.tensor([1], bogus), 'dtype'],
  ['zeros', () => nb.zeros([2], bogus), 'dtype'],
  ['randn', () => nb.randn([2], bogus), 'generator'],
  ['arange', () => nb.arange(0, 3, 1, bogus), 'dtype'],
  ['conv2d', () => nb.conv2d(nb.zeros([1, 1, 3, 3]), nb.zeros([1, 1, 1, 1]), null, bogus), 'stride'],
  ['conv1d', () => nb.conv1d(nb.zeros([1, 1, 3]), nb.zeros([1, 1, 1]), null, bogus), 'stride'],
  ['maxPool2d', () => nb.maxPool2d(nb.zeros([1, 1, 4, 4]), 2, bogus), 'ceilMode'],
  ['avgPool2d', () => nb.avgPool2d(nb.zeros([1, 1, 4, 4]), 2, bogus), 'countIncludePad'],
  ['maxPool1d', () => nb.maxPool1d(nb.zeros([1, 1, 4]), 2, bogus), 'dilation'],
  ['avgPool1d', () => nb.avgPool1d(nb.zeros([1, 1, 4]), 2, bogus), 'countIncludePad'],
  ['batchNorm', () => nb.batchNorm(nb.zeros([2, 3]), null, null, { training: true, ...bogus }), 'momentum'],
  ['var', () => nb.var(nb.zeros([3]), 0, bogus), 'correction'],
  ['F.scaledDotProductAttention', () => nb.F.scaledDotProductAttention(nb.zeros([1, 2, 2]), nb.zeros([1, 2, 2]), nb.zeros([1, 2, 2]), bogus), 'isCausal'],
  ['F.embedding', () => nb.F.embedding(nb.tensor(Int32Array.from([0])), nb.zeros([2, 2]), bogus), 'paddingIdx'],
  ['F.crossEntropy', () => nb.F.crossEntropy(nb.zeros([1, 2]), nb.tensor(Int32Array.from([0])), bogus), 'labelSmoothing'],
  ['F.mseLoss', () => nb.F.mseLoss(nb.zeros([1]), nb.zeros([1]), bogus), 'reduction'],
  ['Linear', () => new nn.Linear(2, 2, bogus), 'bias'],
  ['Conv2d', () => new nn.Conv2d(1, 1, 3, bogus), 'paddingMode'],
  ['Conv1d', () => new nn.Conv1d(1, 1, 3, bogus), 'paddingMode'],
  ['MaxPool2d', () => new nn.MaxPool2d(2, bogus), 'returnIndices'],
  ['AvgPool2d', () => new nn.AvgPool2d(2, bogus), 'divisorOverride'],
  ['MaxPool1d', () => new nn.MaxPool1d(2, bogus), 'returnIndices'],
  ['AvgPool1d', () => new nn.AvgPool1d(2, bogus), 'countIncludePad'],
  ['BatchNorm2d', () => new nn.BatchNorm2d(3, bogus), 'trackRunningStats'],
  ['LayerNorm', () => new nn.LayerNorm(3, bogus), 'elementwiseAffine'],
  ['Embedding', () => new nn.Embedding(3, 2, bogus), 'scaleGradByFreq'],
  ['Embedding.fromPretrained', () => nn.Embedding.fromPretrained(nb.zeros([3, 2]), bogus), 'freeze'],
  ['GELU', () => new nn.GELU(bogus), 'approximate'],
  ['RNN', () => new nn.RNN(2, 3, bogus), 'nonlinearity'],
  ['LSTM', () => new nn.LSTM(2, 3, bogus), 'projSize'],
  ['GRU', () => new nn.GRU(2, 3, bogus), 'batchFirst'],
  ['LSTMCell', () => new nn.LSTMCell(2, 3, bogus), 'bias'],
  ['MultiheadAttention', () => new nn.MultiheadAttention(4, 2, bogus), 'batchFirst'],
  ['TransformerEncoderLayer', () => new nn.TransformerEncoderLayer(4, 2, bogus), 'dimFeedforward'],
  ['Transformer', () => new nn.Transformer(bogus), 'numEncoderLayers'],
  ['CrossEntropyLoss', () => new nn.CrossEntropyLoss(bogus), 'ignoreIndex'],
  ['NLLLoss', () => new nn.NLLLoss(bogus), 'ignoreIndex'],
  ['MSELoss', () => new nn.MSELoss(bogus), 'reduction'],
  ['BCEWithLogitsLoss', () => new nn.BCEWithLogitsLoss(bogus), 'posWeight'],
  ['init.kaimingUniform_', () => nn.init.kaimingUniform_(nb.zeros([2, 2]), bogus), 'nonlinearity'],
  ['SGD', () => new optim.SGD(params(), { lr: 0.1, ...bogus }), 'momentum'],
  ['Adam', () => new optim.Adam(params(), bogus), 'betas'],
  ['AdamW', () => new optim.AdamW(params(), bogus), 'weightDecay'],
  ['RMSprop', () => new optim.RMSprop(params(), bogus), 'centered'],
  ['Adagrad', () => new optim.Adagrad(params(), bogus), 'lrDecay'],
  ['SparseAdam', () => new optim.SparseAdam(params(), bogus), 'betas'],
  ['StepLR', () => new optim.StepLR(new optim.SGD(params(), { lr: 0.1 }), { stepSize: 2, ...bogus }), 'gamma'],
  ['CosineAnnealingLR', () => new optim.CosineAnnealingLR(new optim.SGD(params(), { lr: 0.1 }), { tMax: 2, ...bogus }), 'etaMin'],
  ['DataLoader', () => new data.DataLoader([1, 2, 3], bogus), 'batchSize'],
  ['MnistDataset.fromIdx', () => data.datasets.MnistDataset.fromIdx(new Uint8Array(0), new Uint8Array(0), bogus), 'transform'],
  ['padSequence', () => nn.utils.rnn.padSequence([nb.zeros([2])], bogus), 'paddingValue'],
  ['Module.stateDict', () => new nn.Linear(2, 2).stateDict(bogus), 'keepVars'],
  ['Module.loadStateDict', () => new nn.Linear(2, 2).loadStateDict({}, bogus), 'strict'],
  ['MultiheadAttention.forward', () => { const q = nb.zeros([1, 2, 4]); return new nn.MultiheadAttention(4, 2, { batchFirst: true }).call(q, q, q, bogus); }, 'keyPaddingMask'],
  ['backward', () => nb.ones([1]).requiresGrad_().mul(2).backward(undefined, bogus), 'retainGraph'],
  ['clipGradNorm', () => nn.utils.clipGradNorm(params(), 1, 2, bogus), 'errorIfNonfinite'],
  ['text.Vocab.fromCounts', () => nb.text.Vocab.fromCounts([['a', 1]], bogus), 'minFreq'],
  ['text.sentenceBleu', () => nb.text.sentenceBleu('a b', ['a b'], bogus), 'smoothMethod'],
  ['text.normalize', () => nb.text.normalize('A', bogus), 'lowercase'],
  ['text.splitPairs', () => nb.text.splitPairs([], bogus), 'valid'],
  ['embeddings.trainWord2Vec', () => nb.embeddings.resolveWord2VecOptions(bogus), 'negative'],
  ['embeddings.trainGloVe', () => nb.embeddings.resolveGloVeOptions(bogus), 'xMax'],
  ['init.uniform_', () => nn.init.uniform_(nb.zeros([2, 2]), 0, 1, bogus), 'generator'],
  ['init.normal_', () => nn.init.normal_(nb.zeros([2, 2]), 0, 1, bogus), 'generator'],
  ['init.truncNormal_', () => nn.init.truncNormal_(nb.zeros([2, 2]), 0, 1, -2, 2, bogus), 'generator'],
  ['init.xavierUniform_', () => nn.init.xavierUniform_(nb.zeros([2, 2]), 1, bogus), 'generator'],
  ['init.xavierNormal_', () => nn.init.xavierNormal_(nb.zeros([2, 2]), 1, bogus), 'generator'],
  ['TransformerDecoder.createCache', () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { batchFirst: true }), 1).createCache(nb.zeros([1, 2, 4]), bogus), 'memoryKeyPaddingMask'],
  ['TransformerDecoder.step', () => {
    const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(4, 2, { batchFirst: true }), 1);
    return decoder.step(nb.zeros([1, 1, 4]), nb.zeros([1, 2, 4]), decoder.createCache(), bogus);
  }, 'memoryKeyPaddingMask'],
  ['TransformerDecoderLayer.cacheMemory', () => new nn.TransformerDecoderLayer(4, 2, { batchFirst: true }).cacheMemory(nb.zeros([1, 2, 4]), new nn.KeyValueCache(), bogus), 'memoryKeyPaddingMask'],
  ['weightDecayGroups', () => optim.weightDecayGroups(new nn.Linear(2, 2).namedParameters(), bogus), 'noDecay'],
  ['text.bertNormalize', () => nb.text.bertNormalize('A', bogus), 'handleChineseChars'],
  ['text.computeBleu', () => nb.text.computeBleu([1], [1], 1, 1, bogus), 'smoothMethod'],
  ['text.bertNormalizerSpec', () => nb.text.bertNormalizerSpec(bogus), 'stripAccents'],
  ['text.WordPieceModel', () => new nb.text.WordPieceModel(new nb.text.Vocab(['[UNK]']), bogus), 'maxInputCharsPerWord'],
  ['text.WordPieceTokenizer.fromVocab', () => nb.text.WordPieceTokenizer.fromVocab(new nb.text.Vocab(['[UNK]']), bogus), 'continuingSubwordPrefix'],
  ['text.WordPieceTokenizer.fromVocabText', () => nb.text.WordPieceTokenizer.fromVocabText('[UNK]', bogus), 'specials'],
  ['text.WordPieceTokenizer.train', () => nb.text.WordPieceTokenizer.train(['a b'], { vocabSize: 10, ...bogus }), 'limitAlphabet'],
  ['text.BertTokenizer', () => new nb.text.BertTokenizer(nb.text.WordPieceTokenizer.fromVocabText('[UNK]'), bogus), 'truncation'],
  ['text.BertTokenizer.fromVocabText', () => nb.text.BertTokenizer.fromVocabText('[UNK]', bogus), 'lowercase'],
  ['text.BertTokenizer.fromMarkedVocab', () => nb.text.BertTokenizer.fromMarkedVocab(['[UNK]'], bogus), 'padding'],
  ['text.BertTokenizer.train', () => nb.text.BertTokenizer.train(['a b'], { vocabSize: 10, ...bogus }), 'maxLength'],
  ['text.BertTokenizer.fromFiles', () => nb.text.BertTokenizer.fromFiles({ 'vocab.txt': '[UNK]' }, bogus), 'maxLength'],
  ['text.BertTokenizer.encode', () => nb.text.BertTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\n[SEP]\na').encode('a', null, bogus), 'returnOffsetsMapping'],
  ['text.BertTokenizer.encodeBatch', () => nb.text.BertTokenizer.fromVocabText('[PAD]\n[UNK]\n[CLS]\n[SEP]\na').encodeBatch(['a'], bogus), 'returnOffsetsMapping'],
  ['embeddings.Word2Vec', () => new nb.embeddings.Word2Vec(3, 2, bogus), 'generator'],
  ['embeddings.KeyedVectors.mostSimilar', () => new nb.embeddings.KeyedVectors(['a', 'b'], new Float32Array(4), 2).mostSimilar(['a'], [], bogus), 'restrict'],
  ['embeddings.wordMap', () => nb.embeddings.wordMap([], bogus), 'subtitle'],
];

describe('options are checked at run time', () => {
  for (const [name, call, known] of unknownKeyCases) {
    it(`${name}: an unknown option is an error listing the known ones`, () => {
      assert.throws(call, (e: Error) => {
        assert.match(e.message, /unknown option 'bogus'/, e.message);
        assert.ok(e.message.includes(known), `the message does not list '${known}': ${e.message}`);
        return true;
      });
    });
  }

  it("a PyTorch keyword in snake_case names nabla's spelling", () => {
    assert.throws(() => new nn.Conv2d(1, 1, 3, { padding_mode: 'reflect' } as never), /unknown option 'padding_mode' \(did you mean 'paddingMode'\?/);
    assert.throws(() => new optim.SGD(params(), { lr: 0.1, weight_decay: 1e-4 } as never), /did you mean 'weightDecay'/);
    assert.throws(() => nb.text.BertTokenizer.fromVocabText('[UNK]', { do_lower_case: false } as never), /unknown option 'do_lower_case' \(did you mean 'lowercase'\?/);
    assert.throws(() => nb.text.BertTokenizer.fromVocabText('[UNK]', { max_length: 8 } as never), /unknown option 'max_length' \(did you mean 'maxLength'\? nabla spells/);
  });

  it('a value of the wrong type names the option, the expected type and the value', () => {
    assert.throws(() => new nn.Linear(2, 2, { bias: 'no' } as never), /Linear: option bias must be a boolean, got the string "no"/);
    assert.throws(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'mirror' } as never), /paddingMode must be one of "zeros", "reflect", "replicate", "circular", got the string "mirror"/);
    assert.throws(() => new data.DataLoader([1, 2], { batchSize: '8' } as never), /batchSize must be/);
    assert.throws(() => new nn.CrossEntropyLoss({ reduction: 'average' } as never), /reduction must be one of "mean", "sum", "none"/);
    assert.throws(() => nb.tensor([1], { requiresGrad: 1 } as never), /requiresGrad must be a boolean/);
    assert.throws(() => nb.text.BertTokenizer.fromVocabText('[UNK]', { truncation: 'longest' } as never), /BertTokenizer.fromVocabText: option truncation must be one of "longest_first", "only_first", "only_second", false, got the string "longest"/);
    assert.throws(() => nb.text.computeBleu([1], [1], 1, 1, { maxNgramOrder: 0 }), /computeBleu: option maxNgramOrder must be a positive integer, got number 0/);
    assert.throws(() => nb.text.bertNormalize('A', { stripAccents: 'yes' } as never), /bertNormalize: option stripAccents must be a boolean or null/);
    assert.throws(() => optim.weightDecayGroups([], { noDecay: 'bias' } as never), /weightDecayGroups: option noDecay must be an array of name parts, got the string "bias"/);
    assert.throws(() => nn.init.uniform_(nb.zeros([2]), 0, 1, { generator: 7 } as never), /uniform_: option generator must be an object, got number 7/);
  });

  it('an options argument that is not an object is refused', () => {
    assert.throws(() => new nn.Linear(2, 2, false as never), /Linear: expected an options object \{ bias \}, got boolean false/);
  });

  it('undefined values count as absent', () => {
    assert.doesNotThrow(() => new nn.Linear(2, 2, { bias: undefined }));
  });

  it('the optimisers take PyTorch\'s positional lr, and refuse learningRate', () => {
    for (const Opt of [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]) {
      const opt = new (Opt as new (p: nb.Tensor[], o: number) => nb.optim.Optimizer)(params(), 0.01);
      assert.equal(opt.paramGroups[0].lr, 0.01, Opt.name);
      assert.throws(() => new (Opt as new (p: nb.Tensor[], o: object) => unknown)(params(), { learningRate: 0.5 }), /unknown option 'learningRate'.*lr/);
    }
  });

  it('a near miss and another library\'s name get a did-you-mean; a far miss does not', () => {
    const spec = { window: 'integer', lr: 'number', k: 'integer' } as const;
    assert.throws(() => checkOptions('f', { widnow: 5 }, spec), /f: unknown option 'widnow' \(did you mean 'window'\?\); known options: window, lr, k/);
    assert.throws(() => checkOptions('f', { lt: 0.1 }, spec), /unknown option 'lt' \(did you mean 'lr'\?\)/);
    assert.throws(() => checkOptions('f', { topn: 3 }, spec, { topn: 'k' }), /unknown option 'topn' \(did you mean 'k'\?\)/);
    assert.throws(() => checkOptions('f', { size: 3 }, spec, { size: 'dim' }), /unknown option 'size'; known options/, 'an alias of an option this function lacks is no hint');
    assert.throws(() => checkOptions('f', { momentum: 0.9 }, spec), /unknown option 'momentum'; known options/);
  });

  it('the range tests refuse NaN, infinities, zero or negatives, and fractions where integers are due', () => {
    const spec = { n: POSITIVE_INTEGER, m: NON_NEGATIVE_INTEGER, x: POSITIVE_NUMBER, y: NON_NEGATIVE_NUMBER, z: FINITE_NUMBER };
    assert.doesNotThrow(() => checkOptions('f', { n: 1, m: 0, x: 1e-9, y: 0, z: -3 }, spec));
    for (const [key, value, expected] of [
      ['n', 0, 'a positive integer'], ['n', 1.5, 'a positive integer'], ['m', -1, 'an integer >= 0'], ['x', 0, 'a finite number > 0'],
      ['x', NaN, 'a finite number > 0'], ['y', -0.5, 'a finite number >= 0'], ['y', Infinity, 'a finite number >= 0'], ['z', NaN, 'a finite number'], ['n', '3', 'a positive integer'],
    ] as const) {
      assert.throws(() => checkOptions('f', { [key]: value }, spec), (e: Error) => e.message.startsWith(`f: option ${key} must be ${expected}, got `), `${key}: ${String(value)}`);
    }
  });

  it('checkOptions itself: kinds, lists of values, tests and integers', () => {
    const spec = { k: 'integer|integers|null', mode: ['a', 'b'], f: { test: (v: unknown) => v === 7, expected: 'seven' } } as const;
    assert.doesNotThrow(() => checkOptions('f', { k: [1, 2], mode: 'b', f: 7 }, spec));
    assert.doesNotThrow(() => checkOptions('f', { k: null }, spec));
    assert.throws(() => checkOptions('f', { k: 1.5 }, spec), /f: option k must be an integer or an array of integers or null, got number 1.5/);
    assert.throws(() => checkOptions('f', { f: 8 }, spec), /option f must be seven/);
    assert.throws(() => checkOptions('f', { mode: 'c' }, spec), /must be one of "a", "b"/);
  });
});
