/**
 * `nabla sample`: continue a prompt with a character-level language model trained by
 * `nabla train charlm` (its checkpoint carries the vocabulary and the model's config).
 */
import { existsSync } from 'node:fs';
import * as nb from '../../node.js';
import { CharLSTM, CharVocab, sampleText, type CharLSTMConfig } from '../../models/char-lm.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { CHECKPOINT_FORMAT, DEFAULT_CHARLM_PATH } from './train-charlm.js';

const flags = {
  weights: { type: 'string', value: 'FILE', default: DEFAULT_CHARLM_PATH, help: 'checkpoint written by `nabla train charlm`' },
  prompt: { type: 'string', default: 'Call me', value: 'TEXT', help: 'text to continue' },
  length: { type: 'int', default: 200, min: 0, max: 1000000, help: 'characters to generate' },
  temperature: { type: 'number', default: 0.8, min: 0, max: 100, help: 'softmax temperature: lower is more conservative, 0 always takes the likeliest character' },
  seed: { type: 'int', default: 0, min: 0, max: 4294967295, help: 'seed of the sampling' },
  json: { type: 'boolean', help: 'print one JSON line {prompt, text, ...} instead of the text' },
} satisfies FlagSpecs;

const usage = 'nabla sample [--weights FILE] [--prompt "Call me"] [--length 200] [--temperature 0.8] [--seed N] [--json]';
const summary = 'generate text with a character-level language model from `nabla train charlm`';

/** The model and vocabulary stored in a charlm checkpoint. */
export function loadCharLM(path: string): { model: CharLSTM; vocab: CharVocab; metadata: Record<string, string> } {
  if (!existsSync(path)) throw new UsageError(`--weights: no such file '${path}' (train one with \`nabla train charlm --out ${path}\`)`);
  const { tensors, metadata } = nb.loadWithMetadata(path);
  if (metadata.format !== CHECKPOINT_FORMAT || !metadata.vocab || !metadata.config) {
    throw new UsageError(`--weights: '${path}' is not a checkpoint of \`nabla train charlm\` (its metadata has format ${JSON.stringify(metadata.format ?? null)}, expected "${CHECKPOINT_FORMAT}" with vocab and config)`);
  }
  const vocab = new CharVocab(JSON.parse(metadata.vocab) as string[]);
  const config = JSON.parse(metadata.config) as CharLSTMConfig;
  const model = new CharLSTM(config);
  model.loadStateDict(tensors);
  model.eval();
  return { model, vocab, metadata };
}

export const command = defineCommand({
  name: 'sample',
  summary,
  usage,
  flags,
  run: (f) => {
    if (f.prompt.length === 0) throw new UsageError('--prompt must have at least one character');
    const { model, vocab } = loadCharLM(f.weights);
    const unknown = [...new Set(Array.from(f.prompt))].filter((c) => !vocab.has(c));
    if (unknown.length) {
      throw new UsageError(`--prompt has characters the model never saw: ${unknown.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    const text = sampleText(model, vocab, f.prompt, { length: f.length, temperature: f.temperature, generator: new nb.Generator(f.seed) });
    if (f.json) console.log(JSON.stringify({ prompt: f.prompt, length: f.length, temperature: f.temperature, seed: f.seed, text }));
    else console.log(text);
    return 0;
  },
});
