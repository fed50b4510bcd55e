/**
 * Hugging Face model directories for every BERT class: `config.json` + `model.safetensors` (+ the
 * tokenizer's files), read and written as transformers' from_pretrained / save_pretrained do.
 *
 * This file works on bytes and is browser-safe (`fromFiles`, `toFiles`); reading and writing
 * directories and downloading from the Hub go through a file system that the Node entry installs
 * (pretrained-node.ts), so that a browser bundle never pulls in `node:fs`.
 *
 * Loading follows transformers' rules: a checkpoint of another head loads its shared `bert.*` weights
 * and leaves the rest initialised, reported in `loadReport`; a bare BertModel's keys (no `bert.`
 * prefix) load into a head and a head's into BertModel; the tied decoder copies
 * (`cls.predictions.decoder.weight/bias`) are neither written nor required. What cannot be right is
 * refused: a missing encoder weight, a tensor of the wrong shape, a tokenizer larger than the vocabulary.
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { Module } from '../../nn/module.js';
import { serialize, deserialize } from '../../io/serialize.js';
import { BertTokenizer } from '../../text/wordpiece.js';
import { BertConfig, type BertConfigOptions } from './config.js';
import { checkOptions, type OptionSpec } from '../../util/options.js';

/** A model directory's files by name: text files as strings, model.safetensors as bytes. */
export type BertFiles = Record<string, string | Uint8Array>;

/** What loading a checkpoint did with its keys (transformers' output_loading_info): missing, unexpected and mismatched keys. */
export interface LoadReport {
  /** The model's keys the checkpoint did not have: newly initialised (a new head, a pooler). */
  missingKeys: string[];
  /** The checkpoint's keys the model has no place for (another head's layers): left out. */
  unexpectedKeys: string[];
  /** With ignoreMismatchedSizes: keys whose shapes differed, newly initialised. */
  mismatchedKeys: { key: string; checkpointShape: number[]; modelShape: number[] }[];
}

/** Options of fromPretrained / fromFiles (transformers' from_pretrained arguments: config overrides, strictness, ignore_mismatched_sizes). */
export interface FromPretrainedOptions {
  /** Config fields to change after reading config.json (e.g. { numLabels: 3 } for a new classifier). */
  config?: Partial<BertConfigOptions>;
  /** Refuse missing and unexpected keys too, not only the encoder's (default false, as transformers). */
  strict?: boolean;
  /** Re-initialise head weights whose shapes differ instead of refusing them (transformers' ignore_mismatched_sizes). */
  ignoreMismatchedSizes?: boolean;
}

/** Where fromPretrained finds a Hugging Face Hub model: endpoint, revision, cache, offline use, re-download and access token. */
export interface HubOptions {
  /** Default $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  /** Branch, tag or commit (default "main"). */
  revision?: string;
  /** Default $NABLA_CACHE or ~/.cache/nabla/hub. */
  cacheDir?: string;
  /** Use only what is already in the cache. */
  localFilesOnly?: boolean;
  /** Download again even if the cache has the files. */
  forceDownload?: boolean;
  /** Sent as a bearer token (gated or private models); default $HF_TOKEN. */
  token?: string;
}

/** Options of savePretrained / toFiles. */
export interface SavePretrainedOptions {
  /** Also write the tokenizer's files (vocab.txt, tokenizer.json, tokenizer_config.json). */
  tokenizer?: BertTokenizer | null;
}

/** How directories and Hub names become files (Node's file system; installed by pretrained-node.ts). */
const FROM_PRETRAINED: OptionSpec<FromPretrainedOptions> = { config: 'object', strict: 'boolean', ignoreMismatchedSizes: 'boolean' };
/** What the Hub helpers accept. */
export const HUB_OPTIONS: OptionSpec<HubOptions> = { endpoint: 'string', revision: 'string', cacheDir: 'string', localFilesOnly: 'boolean', forceDownload: 'boolean', token: 'string' };
/** transformers' keyword names, for the unknown-option error's did-you-mean. */
const HF_NAMES = { cache_dir: 'cacheDir', local_files_only: 'localFilesOnly', force_download: 'forceDownload', ignore_mismatched_sizes: 'ignoreMismatchedSizes', use_auth_token: 'token' };

export interface PretrainedFileSystem {
  readFiles(dirOrName: string, options: HubOptions, where: string): Promise<BertFiles>;
  writeFiles(dir: string, files: BertFiles, where: string): void;
}

let fileSystem: PretrainedFileSystem | null = null;

/** Installs (null removes) the file system behind fromPretrained and savePretrained; nabla's Node entry installs Node's, a browser has none. */
export function setPretrainedFileSystem(fs: PretrainedFileSystem | null): void {
  fileSystem = fs;
}

function requireFileSystem(where: string): PretrainedFileSystem {
  if (!fileSystem) {
    throw new Error(`${where}: reading and writing directories needs Node's file system: import BERT from nabla's Node entry (models/bert/node.js); in a browser use fromFiles() / toFiles()`);
  }
  return fileSystem;
}

// ---------- tokenizer files ----------

const TOKENIZER_FILES = ['vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

/** A BertTokenizer from a directory's tokenizer files, or null when it has none. */
export function tokenizerFromFiles(files: BertFiles): BertTokenizer | null {
  const text: Record<string, string> = {};
  for (const name of TOKENIZER_FILES) {
    const f = files[name];
    if (f !== undefined) text[name] = typeof f === 'string' ? f : new TextDecoder().decode(f);
  }
  if (text['vocab.txt'] === undefined && text['tokenizer.json'] === undefined) return null;
  return BertTokenizer.fromFiles(text);
}

// ---------- state dicts ----------

/** Keys that name the same Parameter as an earlier key (the tied decoder): copy -> source. */
function tiedCopies(model: Module): Map<string, string> {
  const first = new Map<Tensor, string>();
  const copies = new Map<string, string>();
  for (const [key, t] of Object.entries(model.stateDict({ keepVars: true }))) {
    const source = first.get(t);
    if (source) copies.set(key, source);
    else first.set(t, key);
  }
  return copies;
}

/** transformers' old checkpoints name LayerNorm's parameters gamma and beta. */
function modernName(key: string): string {
  return key.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

/** Buffers transformers keeps out of the state dict today but older checkpoints carry. */
const IGNORED = /(^|\.)embeddings\.(position_ids|token_type_ids)$/;

/** The base of every BERT model (transformers' BertPreTrainedModel): the config, and Hugging Face model directories read and written (fromPretrained, savePretrained, fromFiles, toFiles). */
export class BertPreTrainedModel extends Module {
  readonly config: BertConfig;
  /** The prefix of the encoder's keys in the task heads. */
  static readonly baseModelPrefix = 'bert';
  /** What fromPretrained / fromFiles did with the checkpoint's keys (null for a model built from a config). */
  loadReport: LoadReport | null = null;
  /** The tokenizer found beside the weights by fromPretrained / fromFiles, if any. */
  tokenizer: BertTokenizer | null = null;

  constructor(config: BertConfig) {
    super();
    config.validate();
    this.config = config;
  }

  /** Re-links tied parameters (the masked-LM decoder and the word embeddings) after loading. */
  tieWeights(): void {}

  /**
   * A model from a directory's files: { 'config.json': text, 'model.safetensors': bytes, and
   * optionally 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json' }. Browser-safe.
   */
  static fromFiles<T extends BertPreTrainedModel>(this: new (config: BertConfig) => T, files: BertFiles, options: FromPretrainedOptions = {}): T {
    const where = `${this.name}.fromFiles`;
    checkOptions(where, options, FROM_PRETRAINED, HF_NAMES);
    const configText = files['config.json'];
    if (configText === undefined) throw new Error(`${where}: config.json is missing`);
    let config = BertConfig.fromJSON(typeof configText === 'string' ? configText : new TextDecoder().decode(configText));
    if (options.config) config = config.with(options.config);
    const weights = files['model.safetensors'];
    if (weights === undefined) {
      if (files['pytorch_model.bin'] !== undefined) throw new Error(`${where}: ${convertMessage('the directory')}`);
      throw new Error(`${where}: model.safetensors is missing`);
    }
    if (typeof weights === 'string') throw new Error(`${where}: model.safetensors must be bytes (Uint8Array), got a string`);
    const tokenizer = tokenizerFromFiles(files);
    if (tokenizer && tokenizer.vocab.size > config.vocabSize) {
      throw new Error(`${where}: the tokenizer has ${tokenizer.vocab.size} tokens but the model's vocabSize is ${config.vocabSize}; ids past ${config.vocabSize - 1} would have no embedding`);
    }
    const model = new this(config);
    model.loadReport = loadCheckpoint(model, deserialize(weights).tensors, options, where);
    model.tokenizer = tokenizer;
    return model;
  }

  /**
   * A model from a directory written by savePretrained (or transformers' save_pretrained), or from a
   * Hub name like "google/bert_uncased_L-2_H-128_A-2", downloaded once into the cache. Node only.
   */
  static async fromPretrained<T extends BertPreTrainedModel>(this: new (config: BertConfig) => T, dirOrName: string, options: FromPretrainedOptions & HubOptions = {}): Promise<T> {
    const where = `${this.name}.fromPretrained`;
    checkOptions(where, options, { ...FROM_PRETRAINED, ...HUB_OPTIONS }, HF_NAMES);
    const { config, strict, ignoreMismatchedSizes, ...hub } = options;
    const files = await requireFileSystem(where).readFiles(dirOrName, hub, where);
    const loading: FromPretrainedOptions = { ...(config ? { config } : {}), ...(strict !== undefined ? { strict } : {}), ...(ignoreMismatchedSizes !== undefined ? { ignoreMismatchedSizes } : {}) };
    return (this as unknown as typeof BertPreTrainedModel).fromFiles.call(this, files, loading) as T;
  }

  /** The directory's files: config.json (architectures = this class), model.safetensors (tied copies left out, as transformers writes it), the tokenizer's. */
  toFiles(options: SavePretrainedOptions = {}): BertFiles {
    checkOptions(`${this.constructor.name}.savePretrained`, options, { tokenizer: 'object|null' });
    const config = this.config.with({ architectures: [this.constructor.name] });
    // transformers_version names the library that wrote the file, which is no longer transformers
    const { transformers_version: _written, ...extra } = this.config.extra;
    config.extra = extra;
    const copies = tiedCopies(this);
    const state = Object.fromEntries(Object.entries(this.stateDict()).filter(([k]) => !copies.has(k)));
    const tokenizer = options.tokenizer ?? null;
    if (tokenizer && tokenizer.vocab.size > this.config.vocabSize) {
      throw new Error(`${this.constructor.name}.savePretrained: the tokenizer has ${tokenizer.vocab.size} tokens but the model's vocabSize is ${this.config.vocabSize}`);
    }
    return {
      'config.json': config.toJSONString(),
      'model.safetensors': serialize(state, { format: 'pt' }),
      ...(tokenizer ? tokenizer.toFiles() : {}),
    };
  }

  /** Writes config.json, model.safetensors and the tokenizer's files into `dir` (created if needed), each atomically. Node only. */
  savePretrained(dir: string, options: SavePretrainedOptions = {}): void {
    const where = `${this.constructor.name}.savePretrained`;
    requireFileSystem(where).writeFiles(dir, this.toFiles(options), where);
  }
}

/** The refusal for a directory with PyTorch's pickle only. */
export function convertMessage(what: string): string {
  return `${what} has pytorch_model.bin but no model.safetensors; nabla reads safetensors only (a pickle can run code). Convert it in Python: `
    + 'transformers.AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True), or without transformers: '
    + 'safetensors.torch.save_file({k: v.contiguous() for k, v in torch.load("pytorch_model.bin").items()}, "model.safetensors", {"format": "pt"})';
}

/** Copies a checkpoint's tensors into `model` by transformers' loading rules; returns what was missing and left over. */
export function loadCheckpoint(model: BertPreTrainedModel, checkpoint: Record<string, Tensor>, options: FromPretrainedOptions, where: string): LoadReport {
  const prefix = `${BertPreTrainedModel.baseModelPrefix}.`;
  const own = model.stateDict();
  const ownKeys = Object.keys(own);
  const copies = tiedCopies(model);
  let entries = Object.entries(checkpoint).map(([k, t]): [string, Tensor] => [modernName(k), t]).filter(([k]) => !IGNORED.test(k));
  const expectsPrefix = ownKeys.some((k) => k.startsWith(prefix));
  const hasPrefix = entries.some(([k]) => k.startsWith(prefix));
  if (expectsPrefix && !hasPrefix) entries = entries.map(([k, t]) => [prefix + k, t]);
  else if (!expectsPrefix && hasPrefix) entries = entries.map(([k, t]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, t]);
  const found = new Map(entries);
  for (const [copy, source] of copies) {
    // a checkpoint written with both copies, or only the decoder's: the shared Parameter takes one value
    if (!found.has(source) && found.has(copy)) found.set(source, found.get(copy)!);
    found.delete(copy);
  }
  const hasPooler = ownKeys.some((k) => k.includes('pooler.'));
  const unexpectedKeys = [...found.keys()].filter((k) => !(k in own) && !(k.includes('pooler.') && !hasPooler));
  const missingKeys = ownKeys.filter((k) => !copies.has(k) && !found.has(k));
  const isEncoder = (k: string): boolean => (expectsPrefix ? k.startsWith(prefix) : true) && !k.includes('pooler.');
  const required = missingKeys.filter(isEncoder);
  if (required.length) {
    throw new Error(`${where}: the checkpoint has no ${required[0]} (shape ${formatShape(own[required[0]!]!.shape)} in this model)${required.length > 1 ? ` nor ${required.length - 1} more encoder weight(s)` : ''}; it is not a checkpoint of this BERT`);
  }
  const mismatchedKeys: LoadReport['mismatchedKeys'] = [];
  const state: Record<string, Tensor> = {};
  for (const key of ownKeys) {
    const t = found.get(key);
    if (!t || copies.has(key)) continue;
    const target = own[key]!;
    if (formatShape(t.shape) !== formatShape(target.shape)) {
      if (options.ignoreMismatchedSizes && !isEncoder(key)) {
        mismatchedKeys.push({ key, checkpointShape: [...t.shape], modelShape: [...target.shape] });
        continue;
      }
      throw new Error(`${where}: ${key} has shape ${formatShape(t.shape)} in the checkpoint but ${formatShape(target.shape)} in this model (config ${describeConfig(model.config)})${isEncoder(key) ? '' : '; pass ignoreMismatchedSizes: true to start this head afresh'}`);
    }
    if (t.dtype !== 'float32') throw new Error(`${where}: ${key} has dtype ${t.dtype} in the checkpoint, expected a float tensor`);
    state[key] = t;
  }
  if (options.strict && (missingKeys.length || unexpectedKeys.length)) {
    throw new Error(`${where}: strict loading refused: missing ${JSON.stringify(missingKeys)}, unexpected ${JSON.stringify(unexpectedKeys)}`);
  }
  model.loadStateDict(state, { strict: false });
  model.tieWeights();
  return { missingKeys, unexpectedKeys, mismatchedKeys };
}

function describeConfig(c: BertConfig): string {
  return `vocabSize ${c.vocabSize}, hiddenSize ${c.hiddenSize}, intermediateSize ${c.intermediateSize}, maxPositionEmbeddings ${c.maxPositionEmbeddings}, typeVocabSize ${c.typeVocabSize}, numLabels ${c.numLabels}`;
}
