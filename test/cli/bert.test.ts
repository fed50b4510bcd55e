// The BERT commands through their CLI code path (each Command's run()), on real text kept small:
// `train bert` on three Moby-Dick chapters (--json, the directory it writes, --resume, a NaN loss
// stopping before any checkpoint), `bert fill-mask` on the saved model, `finetune bert` for sentiment
// (with its baselines) and QA on a slice of the countries set, `bert classify` / `bert qa` on the
// results, and the errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import { UsageError } from '../../src/cli/args.js';
import type { Command } from '../../src/cli/command.js';
import { command as trainBert, STATE_FILE } from '../../src/cli/commands/train-bert.js';
import { command as finetuneBert } from '../../src/cli/commands/finetune-bert.js';
import { commands as bertCommands } from '../../src/cli/commands/bert.js';
import { corpusParts } from '../../src/embeddings/corpora.js';
import { loadSentimentSet, toSquadJson, readSquad } from '../../src/models/bert/finetune-data.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-bert-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const [fillMask, classify, qa] = ['bert fill-mask', 'bert classify', 'bert qa'].map((n) => bertCommands.find((c) => c.name === n)!);

/** Runs a command in-process with stdout and stderr captured. */
async function run(command: Command, ...argv: string[]): Promise<{ code: number; stdout: string; json: () => any }> {
  const lines: string[] = [];
  const log = console.log, error = console.error, write = process.stderr.write;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  console.error = () => {};
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await command.run(argv);
    return { code, stdout: lines.join('\n'), json: () => JSON.parse(lines.at(-1)!) };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

const corpus = join(dir, 'moby.txt');
fs.writeFileSync(corpus, corpusParts('moby-dick').slice(1, 4).join('\n\n'));
const model = join(dir, 'pretrained');
const small = ['--corpus', corpus, '--config', 'tiny', '--vocab', 'train:400', '--batch-size', '4', '--max-seq-length', '32', '--held-out', '0.34', '--held-out-size', '8', '--warmup', '0'];

test('train bert: --json summary, a Hugging Face directory with the tokenizer and the training state; --resume picks it up', async () => {
  const r = await run(trainBert, ...small, '--steps', '3', '--eval-every', '0', '--out', model, '--json');
  assert.equal(r.code, 0);
  const s = r.json();
  assert.equal(s.steps, 3);
  assert.equal(s.documents.heldOut, Math.round(0.34 * (s.documents.train + s.documents.heldOut)));
  assert.equal(s.vocabSize, 400);
  for (const k of ['mlmLoss', 'mlmAccuracy', 'baselineAccuracy', 'hiddenAccuracy', 'hiddenBaselineAccuracy', 'nspAccuracy', 'nspMajorityAccuracy']) assert.equal(typeof s.heldOut[k], 'number', k);
  assert.ok(Math.abs(s.initial.mlmLoss - Math.log(400)) < 0.5, 'the untrained model is near uniform over the 400 tokens');
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer.json', STATE_FILE]) assert.ok(fs.existsSync(join(model, f)), f);
  assert.equal(JSON.parse(fs.readFileSync(join(model, 'config.json'), 'utf8')).vocab_size, 400);

  const resumed = await run(trainBert, '--out', model, '--resume', '--json');
  assert.equal(resumed.json().steps, 3, 'the finished run has nothing left to do');
  await assert.rejects(run(trainBert, '--out', join(dir, 'nothing'), '--resume'), (e: unknown) => e instanceof UsageError && /no training_state.safetensors in/.test(e.message));
});

test('train bert --init-from: continues from a model directory (its config, tokenizer and weights), with a fresh schedule', async () => {
  const first = await run(trainBert, ...small, '--steps', '2', '--eval-every', '0', '--out', join(dir, 'first'), '--json');
  const next = await run(trainBert, ...small, '--vocab', 'train:500', '--init-from', join(dir, 'first'), '--steps', '2', '--eval-every', '0', '--out', join(dir, 'next'), '--json');
  const [a, b] = [first.json(), next.json()];
  assert.equal(b.vocabSize, 400, "the directory's tokenizer, not --vocab");
  assert.equal(b.initial.mlmLoss, a.heldOut.mlmLoss, 'the run starts from the saved weights (same held-out masks)');
  assert.equal(b.initial.nspAccuracy, a.heldOut.nspAccuracy);
  assert.notEqual(b.heldOut.mlmLoss, b.initial.mlmLoss, 'and trains on');
  const doubled = (await run(trainBert, ...small, '--dupe-factor', '2', '--steps', '1', '--eval-every', '0', '--out', join(dir, 'dupe'), '--json')).json();
  const ratio = doubled.instances.train / a.instances.train;
  assert.ok(ratio > 1.8 && ratio < 2.2, `--dupe-factor 2 cuts the documents twice: ${doubled.instances.train} vs ${a.instances.train} instances`);
  assert.equal(doubled.instances.heldOut, a.instances.heldOut, 'the held-out pairs stay the same');
  await assert.rejects(run(trainBert, ...small, '--init-from', corpus, '--steps', '1', '--out', join(dir, 'x')), (e: unknown) => e instanceof UsageError && /--init-from: .* is not a model directory/.test(e.message));
  await assert.rejects(run(trainBert, ...small, '--init-from', join(dir, 'first'), '--max-seq-length', '1024', '--steps', '1', '--out', join(dir, 'x')), (e: unknown) => e instanceof UsageError && /--max-seq-length 1024 is longer than --init-from's max_position_embeddings 512/.test(e.message));
});

test('train bert positions: the presets get relative_key (config.json and distance_embedding weights), --position-embedding-type absolute BERT\'s own; fill-mask and --resume read them', async () => {
  const distanceKeys = (out: string): string[] => Object.keys(nb.load(join(out, 'model.safetensors'))).filter((k) => k.includes('distance_embedding')).sort();
  const relative = join(dir, 'relative');
  const r = await run(trainBert, ...small, '--steps', '2', '--eval-every', '0', '--out', relative, '--json');
  assert.equal(r.json().config.position_embedding_type, 'relative_key');
  assert.equal(JSON.parse(fs.readFileSync(join(relative, 'config.json'), 'utf8')).position_embedding_type, 'relative_key');
  assert.deepEqual(distanceKeys(relative), [0, 1].map((i) => `bert.encoder.layer.${i}.attention.self.distance_embedding.weight`));
  const filled = await run(fillMask, '--model', relative, '--top-k', '2', '--json', 'the [MASK] sea.');
  assert.equal(filled.json()[0].length, 2);

  const absolute = join(dir, 'absolute');
  const a = await run(trainBert, ...small, '--position-embedding-type', 'absolute', '--steps', '2', '--eval-every', '0', '--out', absolute, '--json');
  assert.equal(a.json().config.position_embedding_type, 'absolute');
  assert.deepEqual(distanceKeys(absolute), []);
  // --resume builds the model the run started with, whichever way its position type was chosen
  for (const [out, kind] of [[relative, 'relative_key'], [absolute, 'absolute']]) {
    assert.equal((await run(trainBert, '--out', out, '--resume', '--json')).json().config.position_embedding_type, kind);
  }

  await assert.rejects(run(trainBert, ...small, '--position-embedding-type', 'rotary', '--steps', '1', '--out', join(dir, 'x')), (e: unknown) => e instanceof UsageError && /--position-embedding-type must be one of absolute, relative_key, relative_key_query, got 'rotary'/.test(e.message));
  await assert.rejects(run(trainBert, ...small, '--init-from', model, '--position-embedding-type', 'relative_key', '--steps', '1', '--out', join(dir, 'x')), (e: unknown) => e instanceof UsageError && /--position-embedding-type sets up a new model/.test(e.message));
});

test('train bert: a diverging loss stops with a clear error and writes no checkpoint', async () => {
  const out = join(dir, 'diverged');
  await assert.rejects(run(trainBert, ...small, '--steps', '6', '--lr', '1e6', '--warmup', '0', '--eval-every', '0', '--checkpoint-every', '0', '--out', out),
    /the (loss|gradient norm) became (NaN|Infinity|-Infinity) at update \d; stopping before the weights change/);
  assert.ok(!fs.existsSync(join(out, STATE_FILE)) && !fs.existsSync(join(out, 'model.safetensors')));
});

test('bert fill-mask: k candidates per [MASK] with probabilities and the filled sentence', async () => {
  const r = await run(fillMask, '--model', model, 'Call me [MASK].', '--top-k', '3', '--json');
  const [candidates] = r.json();
  assert.equal(candidates.length, 3);
  for (const c of candidates) {
    assert.ok(c.score > 0 && c.score < 1 && Number.isInteger(c.token));
    assert.ok(!c.sequence.includes('[MASK]') && c.sequence.startsWith('call me'), c.sequence);
  }
  assert.ok(candidates[0].score >= candidates[1].score && candidates[1].score >= candidates[2].score);
  await assert.rejects(run(fillMask, '--model', model, 'no mask here'), /holds no \[MASK\]/);
  await assert.rejects(run(fillMask, '--model', join(dir, 'missing'), 'a [MASK]'), /--model: no such directory/);
});

test('finetune bert --task classify: test accuracy beside AFINN and bag-of-words; bert classify on the result', async () => {
  const sentences = loadSentimentSet('amazon');
  const tsv = (items: typeof sentences) => items.map((t) => `${t.text}\t${t.label ? 'positive' : 'negative'}`).join('\n');
  fs.writeFileSync(join(dir, 'train.tsv'), tsv([...sentences.slice(0, 12), ...sentences.slice(-12)]));
  fs.writeFileSync(join(dir, 'test.tsv'), tsv(sentences.slice(100, 120)));
  const out = join(dir, 'classifier');
  const r = await run(finetuneBert, '--from', model, '--data', join(dir, 'train.tsv'), '--test', join(dir, 'test.tsv'), '--epochs', '1', '--batch-size', '8', '--out', out, '--json');
  const s = r.json();
  for (const k of ['testAccuracy', 'afinnAccuracy', 'bagOfWordsAccuracy']) assert.ok(s[k] >= 0 && s[k] <= 1, k);
  assert.equal(s.testExamples, 20);
  // --dropout overrides the directory's config (pretraining here ran with the config's 0.1), for the run and the saved model
  const saved = JSON.parse(fs.readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(saved.hidden_dropout_prob, JSON.parse(fs.readFileSync(join(model, 'config.json'), 'utf8')).hidden_dropout_prob);
  const out2 = join(dir, 'classifier-dropout');
  await run(finetuneBert, '--from', model, '--data', join(dir, 'train.tsv'), '--test', join(dir, 'test.tsv'), '--epochs', '1', '--batch-size', '8', '--dropout', '0.25', '--out', out2);
  const saved2 = JSON.parse(fs.readFileSync(join(out2, 'config.json'), 'utf8'));
  assert.equal(saved2.hidden_dropout_prob, 0.25);
  assert.equal(saved2.attention_probs_dropout_prob, 0.25);
  await assert.rejects(run(finetuneBert, '--from', model, '--dropout', '1'), /--dropout/);
  const c = (await run(classify, '--model', out, 'Great phone, works well.', '--json')).json();
  assert.ok(['negative', 'positive'].includes(c.label));
  assert.ok(Math.abs(c.scores[0].score + c.scores[1].score - 1) < 1e-5);
  await assert.rejects(run(classify, '--model', model, 'text'), /has no classifier weights/);
  await assert.rejects(run(finetuneBert, '--data', 'amazon'), /--from DIR\|random is required/);
});

test('finetune bert --task qa from random weights: exact match and F1; bert qa answers with a span of the context', async () => {
  const examples = readSquad(fs.readFileSync('data/qa/countries-train.json', 'utf8')).slice(0, 12);
  const file = join(dir, 'qa.json');
  fs.writeFileSync(file, JSON.stringify(toSquadJson(examples)));
  const out = join(dir, 'qa-model');
  const r = await run(finetuneBert, '--task', 'qa', '--from', 'random', '--config', model, '--vocab', model, '--data', file, '--test', file, '--epochs', '1', '--batch-size', '6', '--max-seq-length', '96', '--doc-stride', '16', '--out', out, '--json');
  const s = r.json();
  assert.ok(s.exactMatch >= 0 && s.exactMatch <= 100 && s.f1 >= s.exactMatch, JSON.stringify(s));
  const context = examples[0]!.context;
  const a = (await run(qa, '--model', out, '--question', examples[0]!.question, '--context', context, '--json')).json();
  assert.equal(context.slice(a.start, a.end), a.answer);
  assert.ok(a.answer.length > 0 && a.score > 0 && a.score <= 1);
  await assert.rejects(run(qa, '--model', out, '--question', 'Why?'), /--context TEXT is required/);
});

test('every BERT command has --help; bad flags are usage errors', async () => {
  for (const c of [trainBert, finetuneBert, ...bertCommands]) {
    const r = await run(c, '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: nabla /);
  }
  await assert.rejects(run(trainBert, '--vocab', 'big'), /--vocab must be bert-base-uncased or train:N/);
  await assert.rejects(run(trainBert, '--config', 'huge'), /neither a preset/);
  await assert.rejects(run(trainBert, '--corpus', join(dir, 'none.txt'), '--vocab', 'train:400'), /--corpus: .*cannot read/);
});
