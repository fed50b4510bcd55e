// Ships a BERT pretrained by `nabla train bert` to the playground's BERT page: the masked-LM weights
// as float16 safetensors (half the bytes; nabla reads them back as float32), config.json, the
// tokenizer's vocab.txt and tokenizer_config.json, and card.json, the model's description shown on
// the page (size, corpus, held-out MLM accuracy of the training run, read from its training state).
// Run: npx tsx playground/tools/ship-bert.ts RUN_DIR [OUT_DIR]   (OUT_DIR default playground/static/bert-tiny)
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import { bert } from '../../src/models/node.js';
import { writeFileAtomic } from '../../src/util/files.js';

const here = dirname(fileURLToPath(import.meta.url));
const [runDir, outDir = join(here, '../static/bert-tiny')] = process.argv.slice(2);
if (!runDir) {
  console.error('usage: npx tsx playground/tools/ship-bert.ts RUN_DIR [OUT_DIR]');
  process.exit(2);
}
const STATE_FILE = 'training_state.safetensors';
const read = (name: string) => readFileSync(join(runDir, name));
const files: bert.BertFiles = { 'config.json': read('config.json').toString('utf8'), 'model.safetensors': new Uint8Array(read('model.safetensors')) };
for (const name of ['vocab.txt', 'tokenizer_config.json', 'tokenizer.json', 'special_tokens_map.json']) {
  if (readdirSync(runDir).includes(name)) files[name] = read(name).toString('utf8');
}
const model = bert.BertForMaskedLM.fromFiles(files);
const tokenizer = model.tokenizer;
if (!tokenizer) throw new Error(`ship-bert: ${runDir} has no tokenizer files (vocab.txt)`);
const report = model.loadReport!;
if (report.missingKeys.length) throw new Error(`ship-bert: the checkpoint lacks ${report.missingKeys.join(', ')}`);

// The page reads vocab.txt + tokenizer_config.json only (tokenizer.json is 3x larger): they must tokenize alike.
const slim = bert.tokenizerFromFiles({ 'vocab.txt': files['vocab.txt']!, 'tokenizer_config.json': files['tokenizer_config.json']! })!;
for (const text of ['Paris is the [MASK] of France.', 'The president asked Congress to [MASK] taxes.', 'Call me Ishmael. Some years ago—never mind how long precisely…']) {
  if (JSON.stringify(slim.encode(text).inputIds) !== JSON.stringify(tokenizer.encode(text).inputIds)) throw new Error(`ship-bert: vocab.txt tokenizes ${JSON.stringify(text)} differently from tokenizer.json`);
}

// The training run's settings and its last held-out evaluation.
const state = nb.loadCheckpoint(join(runDir, STATE_FILE)) as { step: number; args: Record<string, unknown>; history: bert.PretrainRecord[] };
// A run mid-checkpoint may have written one file and not yet the other: the weights must be the state's.
const key = 'bert.embeddings.word_embeddings.weight';
const stateWeights = (state as unknown as { model: Record<string, nb.Tensor> }).model[key]?.dataSync();
const fileWeights = model.stateDict()[key]!.dataSync();
if (!stateWeights || stateWeights.some((v, i) => v !== fileWeights[i])) throw new Error(`ship-bert: model.safetensors and ${STATE_FILE} are from different updates (a checkpoint being written?); run again`);
const evaluated = state.history.filter((r) => r.heldOut);
const last = evaluated.at(-1);
if (!last?.heldOut) throw new Error(`ship-bert: ${STATE_FILE} holds no held-out evaluation yet`);
if (last.heldOut.hiddenAccuracy === undefined) throw new Error(`ship-bert: ${STATE_FILE}'s evaluation predates the hidden-token accuracy; evaluate the run again (train bert --init-from DIR --steps 1 --lr 1e-30)`);
const config = model.config;
const card = {
  name: `BERT-Tiny (L${config.numHiddenLayers}/H${config.hiddenSize}/A${config.numAttentionHeads}${config.positionEmbeddingType === 'absolute' ? '' : `, ${config.positionEmbeddingType} positions`})`,
  parameters: model.parameters().reduce((n, p) => n + p.numel(), 0),
  vocabSize: config.vocabSize,
  corpus: String(state.args.corpus),
  steps: state.step,
  plannedSteps: Number(state.args.steps),
  batchSize: Number(state.args.batchSize),
  maxSeqLength: Number(state.args.maxSeqLength),
  heldOut: {
    step: last.step,
    mlmAccuracy: last.heldOut.mlmAccuracy,
    mlmLoss: last.heldOut.mlmLoss,
    baselineAccuracy: last.heldOut.baselineAccuracy,
    hiddenAccuracy: last.heldOut.hiddenAccuracy,
    hiddenBaselineAccuracy: last.heldOut.hiddenBaselineAccuracy,
    baselineToken: tokenizer.convertIdsToTokens([last.heldOut.baselineToken])[0],
    maskedTokens: last.heldOut.maskedTokens,
  },
};

// toFiles leaves out the tied decoder copy (transformers' save_pretrained does too): 1M parameters fewer.
const saved = nb.deserialize(model.toFiles()['model.safetensors'] as Uint8Array);
const weights = nb.serialize(saved.tensors, saved.metadata, { floatDtype: 'float16' });
mkdirSync(outDir, { recursive: true });
const out: Record<string, string | Uint8Array> = {
  'config.json': `${JSON.stringify({ ...JSON.parse(files['config.json'] as string), architectures: ['BertForMaskedLM'] }, null, 2)}\n`,
  'model.safetensors': weights,
  'vocab.txt': files['vocab.txt']!,
  'tokenizer_config.json': files['tokenizer_config.json']!,
};
const sizes = Object.fromEntries(Object.entries(out).map(([name, data]) => [name, typeof data === 'string' ? new TextEncoder().encode(data).length : data.length]));
out['card.json'] = `${JSON.stringify({ ...card, files: sizes }, null, 2)}\n`;
for (const [name, data] of Object.entries(out)) writeFileAtomic(join(outDir, name), typeof data === 'string' ? new TextEncoder().encode(data) : data);

// The float16 model should predict as the float32 one: its top 5 at the mask of a few sentences, side by side.
const half = bert.BertForMaskedLM.fromFiles({ ...out, 'model.safetensors': weights });
for (const text of ['Paris is the [MASK] of France.', 'The president asked congress to [MASK] taxes.', 'The whale [MASK] the ship.']) {
  const a = bert.fillMask(model, tokenizer, text, { topK: 5 })[0]!, b = bert.fillMask(half, tokenizer, text, { topK: 5 })[0]!;
  const sameTokens = a.every((c, i) => c.token === b[i]!.token);
  const maxDiff = Math.max(...a.map((c, i) => Math.abs(c.score - b[i]!.score)));
  console.log(`${text}  float32 top 5: ${a.map((c) => `${c.tokenStr} ${c.score.toFixed(3)}`).join(', ')}; float16: ${sameTokens ? `the same tokens, probabilities within ${maxDiff.toExponential(1)}` : b.map((c) => `${c.tokenStr} ${c.score.toFixed(3)}`).join(', ')}`);
}
console.log(`${card.name}, ${card.parameters} parameters, step ${card.steps}/${card.plannedSteps}, held-out MLM accuracy ${card.heldOut.mlmAccuracy.toFixed(4)} (baseline '${card.heldOut.baselineToken}' ${card.heldOut.baselineAccuracy.toFixed(4)})`);
console.log(`wrote ${resolve(outDir)}: model.safetensors ${(weights.length / 1024).toFixed(0)} KiB (float16), from ${(files['model.safetensors'] as Uint8Array).length >> 10} KiB`);
