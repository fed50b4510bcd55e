// Hugging Face model directories: savePretrained / fromPretrained round trips for every head, loading
// another head's checkpoint (transformers' missing/unexpected keys), refusals, the tokenizer files, the
// byte forms, and downloading from a Hub endpoint (a local node:http server, never the internet).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import { BertTokenizer } from '../../src/text/wordpiece.js';
import {
  BertConfig, BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification,
  BertForQuestionAnswering, hubCachePath, setPretrainedFileSystem,
} from '../../src/models/bert/node.js';
import { readPretrainedFiles, writeModelDirectory } from '../../src/models/bert/pretrained-node.js';

const config = (overrides: Partial<ConstructorParameters<typeof BertConfig>[0]> = {}) => new BertConfig({
  vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 24, maxPositionEmbeddings: 32,
  hiddenDropoutProb: 0, attentionProbsDropoutProb: 0, ...overrides,
});
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', '##s', 'a', 'big', 'red'];
const tokenizer = () => BertTokenizer.fromVocabText(`${VOCAB.join('\n')}\n`, { maxLength: 16 });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'nabla-bert-'));
const ids = () => nb.tensor([[2, 5, 6, 7, 3, 8, 9, 3], [2, 10, 11, 3, 13, 14, 3, 0]], { dtype: 'int32' });
const mask = () => nb.tensor([[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 0]], { dtype: 'int32' });
const maxDiff = (a: nb.Tensor, b: nb.Tensor): number => a.sub(b).abs().max().item();

function readSafetensorsKeys(path: string): { keys: string[]; metadata: Record<string, string> } {
  const { tensors, metadata } = nb.loadWithMetadata(path);
  return { keys: Object.keys(tensors).sort(), metadata };
}

describe('savePretrained / fromPretrained', () => {
  const heads = [
    [BertModel, (m: BertModel) => m.forward(ids(), { attentionMask: mask() }).lastHiddenState],
    [BertForPreTraining, (m: BertForPreTraining) => m.forward(ids(), { attentionMask: mask() }).predictionLogits],
    [BertForMaskedLM, (m: BertForMaskedLM) => m.forward(ids(), { attentionMask: mask() }).logits],
    [BertForSequenceClassification, (m: BertForSequenceClassification) => m.forward(ids(), { attentionMask: mask() }).logits],
    [BertForTokenClassification, (m: BertForTokenClassification) => m.forward(ids(), { attentionMask: mask() }).logits],
    [BertForQuestionAnswering, (m: BertForQuestionAnswering) => m.forward(ids(), { attentionMask: mask() }).startLogits],
  ] as const;
  for (const [Cls, run] of heads) {
    it(`${Cls.name}: the same outputs after a round trip, config.json and model.safetensors as transformers writes them`, async () => {
      const dir = tmp();
      const model = new Cls(config());
      model.eval().savePretrained(dir);
      assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
      const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(json.architectures, [Cls.name]);
      assert.equal(json.model_type, 'bert');
      assert.equal(json.vocab_size, 40);
      assert.equal(json.hidden_act, 'gelu');
      const { keys, metadata } = readSafetensorsKeys(join(dir, 'model.safetensors'));
      assert.deepEqual(metadata, { format: 'pt' });
      // transformers drops the tied decoder copies from the file and keeps everything else
      const expected = Object.keys(model.stateDict()).filter((k) => !k.startsWith('cls.predictions.decoder.')).sort();
      assert.deepEqual(keys, expected);
      const loaded = await (Cls as typeof BertModel).fromPretrained(dir) as unknown as InstanceType<typeof Cls>;
      assert.ok(loaded instanceof Cls);
      assert.deepEqual(loaded.loadReport, { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
      loaded.eval();
      const a = nb.noGrad(() => (run as (m: unknown) => nb.Tensor)(model));
      const b = nb.noGrad(() => (run as (m: unknown) => nb.Tensor)(loaded));
      assert.equal(maxDiff(a, b), 0);
      if (loaded instanceof BertForPreTraining || loaded instanceof BertForMaskedLM) {
        assert.equal(loaded.cls.predictions.decoder.weight, loaded.bert.embeddings.word_embeddings.weight, 'decoder tied after loading');
      }
    });
  }

  it('loads a BertForPreTraining directory into BertForSequenceClassification, reporting the new and the unused keys', async () => {
    const dir = tmp();
    const pre = new BertForPreTraining(config());
    pre.savePretrained(dir);
    const cls = await BertForSequenceClassification.fromPretrained(dir, { config: { numLabels: 3 } });
    assert.deepEqual(cls.loadReport!.missingKeys, ['classifier.weight', 'classifier.bias']);
    assert.deepEqual(cls.loadReport!.unexpectedKeys.sort(), Object.keys(pre.stateDict()).filter((k) => k.startsWith('cls.') && !k.startsWith('cls.predictions.decoder.')).sort());
    assert.equal(maxDiff(cls.bert.encoder.stateDict()['layer.1.output.dense.weight']!, pre.bert.encoder.stateDict()['layer.1.output.dense.weight']!), 0);
    assert.deepEqual(cls.classifier.weight.shape, [3, 16]);
    assert.equal(cls.config.numLabels, 3);
  });

  it('loads a bare BertModel directory (keys without "bert.") into a head, and a head\'s into BertModel', async () => {
    const dir = tmp();
    const base = new BertModel(config());
    base.savePretrained(dir);
    assert.ok(readSafetensorsKeys(join(dir, 'model.safetensors')).keys.includes('embeddings.word_embeddings.weight'));
    const qa = await BertForQuestionAnswering.fromPretrained(dir);
    assert.deepEqual(qa.loadReport!.missingKeys, ['qa_outputs.weight', 'qa_outputs.bias']);
    assert.deepEqual(qa.loadReport!.unexpectedKeys, []); // the pooler is ignored by heads without one, as in transformers
    assert.equal(maxDiff(qa.bert.embeddings.word_embeddings.weight, base.embeddings.word_embeddings.weight), 0);
    const dir2 = tmp();
    new BertForMaskedLM(config()).savePretrained(dir2);
    const again = await BertModel.fromPretrained(dir2);
    assert.deepEqual(again.loadReport!.missingKeys, ['pooler.dense.weight', 'pooler.dense.bias']);
    assert.ok(again.loadReport!.unexpectedKeys.every((k) => k.startsWith('cls.predictions.')));
  });

  it('accepts transformers\' older checkpoints: both tied copies, LayerNorm gamma/beta, position_ids', () => {
    const model = new BertForPreTraining(config());
    const state: Record<string, nb.Tensor> = {};
    for (const [k, t] of Object.entries(model.stateDict())) state[k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')] = t;
    state['bert.embeddings.position_ids'] = nb.arange(32, undefined, 1, { dtype: 'int32' }).unsqueeze(0);
    const files = { 'config.json': model.config.toJSONString(), 'model.safetensors': nb.serialize(state) };
    const loaded = BertForMaskedLM.fromFiles(files);
    assert.deepEqual(loaded.loadReport!.missingKeys, []);
    assert.deepEqual(loaded.loadReport!.unexpectedKeys.sort(), ['cls.seq_relationship.bias', 'cls.seq_relationship.weight']);
    assert.equal(maxDiff(loaded.cls.predictions.transform.LayerNorm.weight!, model.cls.predictions.transform.LayerNorm.weight!), 0);
    assert.equal(maxDiff(loaded.bert.embeddings.word_embeddings.weight, model.bert.embeddings.word_embeddings.weight), 0);
  });

  it('refuses a missing encoder weight, a misshaped tensor and a vocabulary mismatch, naming the key and both shapes', () => {
    const model = new BertForSequenceClassification(config());
    const state = model.stateDict();
    const json = model.config.toJSONString();
    const without = Object.fromEntries(Object.entries(state).filter(([k]) => k !== 'bert.encoder.layer.1.attention.self.key.weight'));
    assert.throws(() => BertForSequenceClassification.fromFiles({ 'config.json': json, 'model.safetensors': nb.serialize(without) }),
      /BertForSequenceClassification\.fromFiles: the checkpoint has no bert\.encoder\.layer\.1\.attention\.self\.key\.weight \(shape \[16, 16\]/);
    const misshaped = { ...state, 'bert.pooler.dense.weight': nb.zeros([16, 8]) };
    assert.throws(() => BertForSequenceClassification.fromFiles({ 'config.json': json, 'model.safetensors': nb.serialize(misshaped) }),
      /bert\.pooler\.dense\.weight has shape \[16, 8\] in the checkpoint but \[16, 16\] in this model/);
    // a config whose vocabulary differs from the checkpoint's embeddings
    assert.throws(() => BertForSequenceClassification.fromFiles({ 'config.json': model.config.with({ vocabSize: 50 }).toJSONString(), 'model.safetensors': nb.serialize(state) }),
      /bert\.embeddings\.word_embeddings\.weight has shape \[40, 16\] in the checkpoint but \[50, 16\] in this model \(config vocabSize 50/);
    // a classifier of another size: refused, or started afresh when asked
    assert.throws(() => BertForSequenceClassification.fromFiles({ 'config.json': json, 'model.safetensors': nb.serialize(state) }, { config: { numLabels: 5 } }),
      /classifier\.weight has shape \[2, 16\] in the checkpoint but \[5, 16\].*ignoreMismatchedSizes/);
    const fresh = BertForSequenceClassification.fromFiles({ 'config.json': json, 'model.safetensors': nb.serialize(state) }, { config: { numLabels: 5 }, ignoreMismatchedSizes: true });
    assert.deepEqual(fresh.loadReport!.mismatchedKeys.map((m) => [m.key, m.checkpointShape, m.modelShape]), [['classifier.weight', [2, 16], [5, 16]], ['classifier.bias', [2], [5]]]);
    // a tokenizer with more tokens than the model has embeddings
    const small = new BertForMaskedLM(config({ vocabSize: 10 }));
    assert.throws(() => small.toFiles({ tokenizer: tokenizer() }), /the tokenizer has 16 tokens but the model's vocabSize is 10/);
    const files = { ...small.toFiles(), 'vocab.txt': `${VOCAB.join('\n')}\n` };
    assert.throws(() => BertForMaskedLM.fromFiles(files), /the tokenizer has 16 tokens but the model's vocabSize is 10/);
    assert.throws(() => BertForMaskedLM.fromFiles({ 'config.json': json, 'model.safetensors': nb.serialize(state) }, { strict: true }), /strict loading refused: missing \["cls\.predictions\.bias"/);
  });

  it('refuses a directory with only pytorch_model.bin, saying how to convert it', async () => {
    const dir = tmp();
    new BertModel(config()).savePretrained(dir);
    renameSync(join(dir, 'model.safetensors'), join(dir, 'pytorch_model.bin'));
    await assert.rejects(BertModel.fromPretrained(dir), /BertModel\.fromPretrained: .* has pytorch_model\.bin but no model\.safetensors.*save_pretrained\(dir, safe_serialization=True\)/);
    await assert.rejects(BertModel.fromPretrained(join(dir, 'nothing-here')), /no directory .*nothing-here/);
  });

  it('writes and reads the tokenizer beside the weights', async () => {
    const dir = tmp();
    const model = new BertForMaskedLM(config());
    model.savePretrained(dir, { tokenizer: tokenizer() });
    for (const f of ['vocab.txt', 'tokenizer.json', 'tokenizer_config.json']) assert.ok(existsSync(join(dir, f)), f);
    assert.equal(readFileSync(join(dir, 'vocab.txt'), 'utf8').split('\n')[6], 'cat');
    const loaded = await BertForMaskedLM.fromPretrained(dir);
    assert.ok(loaded.tokenizer);
    assert.deepEqual(loaded.tokenizer.encode('the cats sat', null, { maxLength: 8 }).inputIds, tokenizer().encode('the cats sat', null, { maxLength: 8 }).inputIds);
    // only vocab.txt (as older directories have it)
    rmSync(join(dir, 'tokenizer.json'));
    const fromVocab = await BertForMaskedLM.fromPretrained(dir);
    assert.deepEqual(fromVocab.tokenizer!.tokenize('the big red dogs'), ['the', 'big', 'red', 'dog', '##s']);
  });

  it('without the Node file system installed, says how to get it', async () => {
    setPretrainedFileSystem(null);
    try {
      assert.throws(() => new BertModel(config()).savePretrained(tmp()), /BertModel\.savePretrained: reading and writing directories needs Node's file system.*toFiles/);
      await assert.rejects(BertModel.fromPretrained('x'), /needs Node's file system/);
    } finally {
      setPretrainedFileSystem({ readFiles: readPretrainedFiles, writeFiles: writeModelDirectory });
    }
  });
});

it('keeps the file system out of the browser build: models/bert/index.ts bundles for the browser without node:fs', async () => {
  const { build } = await import('esbuild');
  const entry = fileURLToPath(new URL('../../src/models/bert/index.ts', import.meta.url));
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  assert.ok(!/node:fs|node:http/.test(bundle.outputFiles[0]!.text));
});

describe('fromPretrained with a Hub name', () => {
  let server: Server;
  let endpoint: string;
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const served = tmp();
  const model = new BertForSequenceClassification(config());

  before(async () => {
    model.eval().savePretrained(join(served, 'course', 'tiny-bert'), { tokenizer: tokenizer() });
    server = createServer((req, res) => {
      requests.push(req.url!);
      authorizations.push(req.headers.authorization);
      const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url!);
      const path = m && m[2] === 'main' ? join(served, m[1]!, m[3]!) : '';
      if (path && existsSync(path) && statSync(path).isFile()) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(readFileSync(path));
      } else {
        res.writeHead(404);
        res.end('Entry not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads config, weights and tokenizer files into the cache, then loads from the cache without the server', async () => {
    const cacheDir = tmp();
    const loaded = await BertForSequenceClassification.fromPretrained('course/tiny-bert', { endpoint, cacheDir, token: 'hf_course' });
    assert.ok(authorizations.length > 0 && authorizations.every((a) => a === 'Bearer hf_course'));
    assert.ok(requests.includes('/course/tiny-bert/resolve/main/model.safetensors'));
    const cached = hubCachePath('course/tiny-bert', { cacheDir });
    assert.equal(cached, join(cacheDir, 'models--course--tiny-bert', 'snapshots', 'main'));
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json']) assert.ok(existsSync(join(cached, f)), f);
    assert.ok(!readdirSync(cached).some((f) => f.includes('.tmp-')), 'no temp files left');
    const out = (m: BertForSequenceClassification) => nb.noGrad(() => m.forward(ids(), { attentionMask: mask() }).logits);
    assert.equal(maxDiff(out(loaded.eval()), out(model)), 0);
    assert.ok(loaded.tokenizer);
    const before = requests.length;
    const offline = await BertForSequenceClassification.fromPretrained('course/tiny-bert', { endpoint: 'http://127.0.0.1:9', cacheDir });
    assert.equal(requests.length, before, 'the cache was reused without a request');
    assert.equal(maxDiff(out(offline.eval()), out(model)), 0);
  });

  it('takes the endpoint from HF_ENDPOINT and the cache from NABLA_CACHE; refuses unknown models and pickles', async () => {
    const cacheDir = tmp();
    const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, NABLA_CACHE: process.env.NABLA_CACHE };
    process.env.HF_ENDPOINT = endpoint;
    process.env.NABLA_CACHE = cacheDir;
    try {
      const loaded = await BertModel.fromPretrained('course/tiny-bert');
      assert.deepEqual(loaded.loadReport!.unexpectedKeys.sort(), ['classifier.bias', 'classifier.weight']);
      assert.ok(existsSync(join(cacheDir, 'models--course--tiny-bert', 'snapshots', 'main', 'model.safetensors')));
      await assert.rejects(BertModel.fromPretrained('course/missing'), /course\/missing\/resolve\/main\/config\.json was not found/);
      const pickled = join(served, 'course', 'pickled');
      writeModelDirectory(pickled, { 'config.json': model.config.toJSONString(), 'pytorch_model.bin': new Uint8Array([1, 2, 3]) });
      await assert.rejects(BertModel.fromPretrained('course/pickled'), /has pytorch_model\.bin but no model\.safetensors/);
      await assert.rejects(BertModel.fromPretrained('course/other', { localFilesOnly: true }), /not in the cache .* localFilesOnly/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});

it('refuses a tokenizer larger than the vocabulary before writing anything, leaving the earlier directory intact', () => {
  const dir = tmp();
  const model = new BertModel(config());
  model.savePretrained(dir);
  const before = readFileSync(join(dir, 'model.safetensors'));
  // a tokenizer too large for the model is refused before anything is written
  assert.throws(() => model.savePretrained(dir, { tokenizer: BertTokenizer.fromVocabText([...VOCAB, ...Array.from({ length: 40 }, (_, i) => `t${i}`)].join('\n')) }), /vocabSize/);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), before);
});
