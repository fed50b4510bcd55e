// BERT directories move between nabla and PyTorch (tools/bert_interop.py over tools/bert_reference.py,
// transformers' modeling_bert.py ported). The committed test/fixtures/bert/hf-pretraining directory,
// written by `bert_interop.py export BertForPreTraining`, covers PyTorch -> nabla without Python;
// the round trips through Python run where Debian's python3-torch is installed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import {
  BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering,
  BertConfig, type BertPreTrainedModel,
} from '../../src/models/bert/node.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const FIXTURE = fileURLToPath(new URL('../fixtures/bert/hf-pretraining', import.meta.url));
const HEADS = { BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering } as const;

/** Runs a model on the file's inputs; outputs under transformers' names. */
function outputsOf(model: BertPreTrainedModel, io: Record<string, nb.Tensor>): Record<string, nb.Tensor> {
  const inputs = { attentionMask: io.attention_mask, tokenTypeIds: io.token_type_ids };
  const out = nb.noGrad(() => (model.eval() as BertModel).forward(io.input_ids!, inputs)) as unknown as Record<string, nb.Tensor | null>;
  const names: Record<string, string> = {
    lastHiddenState: 'last_hidden_state', poolerOutput: 'pooler_output', predictionLogits: 'prediction_logits',
    seqRelationshipLogits: 'seq_relationship_logits', logits: 'logits', startLogits: 'start_logits', endLogits: 'end_logits',
  };
  return Object.fromEntries(Object.entries(names).filter(([k]) => out[k] instanceof nb.Tensor).map(([k, v]) => [v, out[k] as nb.Tensor]));
}

function compareWithReference(model: BertPreTrainedModel, dir: string): void {
  const io = nb.load(join(dir, 'reference_io.safetensors'));
  const ours = outputsOf(model, io);
  const expected = Object.keys(io).filter((k) => k.startsWith('out.'));
  assert.ok(expected.length > 0);
  for (const key of expected) {
    const mine = ours[key.slice(4)];
    assert.ok(mine, `nabla gave no ${key.slice(4)}`);
    assert.deepEqual(mine.shape, io[key]!.shape);
    const diff = mine.sub(io[key]!).abs().max().item();
    assert.ok(diff < 1e-4, `${key.slice(4)} differs from PyTorch's by ${diff}`);
  }
}

describe('BERT between nabla and PyTorch', () => {
  it('loads a directory written as transformers writes it (committed fixture) with the same outputs, vocab and config fields', async () => {
    const model = await BertForPreTraining.fromPretrained(FIXTURE);
    assert.deepEqual(model.loadReport, { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] });
    compareWithReference(model, FIXTURE);
    assert.deepEqual(model.tokenizer!.tokenize('the big cats'), ['the', 'big', 'cat', '##s']);
    assert.equal(model.config.extra.use_cache, true);
    const saved = mkdtempSync(join(tmpdir(), 'nabla-bert-interop-'));
    model.savePretrained(saved);
    const json = JSON.parse(readFileSync(join(saved, 'config.json'), 'utf8')) as Record<string, unknown>;
    const original = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(json, original, 'config.json written back unchanged');
    // the same checkpoint as a starting point for fine-tuning
    const cls = await BertForSequenceClassification.fromPretrained(FIXTURE);
    assert.deepEqual(cls.loadReport!.missingKeys, ['classifier.weight', 'classifier.bias']);
  });

  it('every class (two with relative positions): nabla\'s directories load strictly into PyTorch with the same outputs, and PyTorch\'s into nabla', { skip: !hasTorch && 'python3-torch not installed' }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'nabla-bert-interop-'));
    const inputIds = nb.tensor([[2, 5, 7, 9, 11, 3], [2, 25, 26, 3, 0, 0]], { dtype: 'int32' });
    const io: Record<string, nb.Tensor> = {
      input_ids: inputIds, attention_mask: inputIds.ne(0).int(), token_type_ids: nb.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]], { dtype: 'int32' }),
    };
    const dirs: string[] = [];
    nb.manualSeed(11);
    for (const [name, Cls] of Object.entries(HEADS)) {
      const config = new BertConfig({
        vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 20, maxPositionEmbeddings: 24,
        numLabels: name === 'BertForQuestionAnswering' ? 2 : 3, initializerRange: 0.3,
        // two classes carry relative positions: their distance_embedding keys and config field must load strictly too
        positionEmbeddingType: name === 'BertForMaskedLM' ? 'relative_key' : name === 'BertForTokenClassification' ? 'relative_key_query' : 'absolute',
      });
      const model = new (Cls as unknown as typeof BertModel)(config);
      const dir = join(root, name);
      model.savePretrained(dir);
      const own = { ...io };
      for (const [k, v] of Object.entries(outputsOf(model, io))) own[`out.${k}`] = v;
      nb.save(own, join(dir, 'nabla_io.safetensors'));
      dirs.push(dir);
    }
    const check = spawnSync(PYTHON, ['tools/bert_interop.py', 'check', ...dirs], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}\n${check.stderr}`);
    for (const name of Object.keys(HEADS)) assert.match(check.stdout, new RegExp(`"class": "${name}"`));

    const back = mkdtempSync(join(tmpdir(), 'nabla-bert-interop-'));
    const exported = spawnSync(PYTHON, ['tools/bert_interop.py', 'export-all', back, '3'], { encoding: 'utf8' });
    assert.equal(exported.status, 0, exported.stderr);
    for (const [name, Cls] of Object.entries(HEADS)) {
      const loaded = await (Cls as unknown as typeof BertModel).fromPretrained(join(back, name), { strict: true });
      assert.ok(loaded instanceof Cls);
      compareWithReference(loaded, join(back, name));
    }
  });
});
