/**
 * `nabla train bert`: pretrain a BERT (masked-LM + next-sentence prediction) on a corpus, as
 * google-research/bert does on a small scale, and report held-out MLM accuracy next to a
 * context-free baseline (copy the token where BERT leaves it visible, else the most frequent token),
 * the accuracy where the input hides the token, and NSP accuracy.
 *
 * - Documents are split once with a constant seed: a share is held out (masked once, with a constant
 *   seed, so every evaluation sees the same masks); the vocabulary (`--vocab train:N`) is trained on
 *   the rest only.
 * - Training instances are made once (create_pretraining_data's rules); each epoch shuffles and
 *   masks them afresh.
 * - The output directory is a Hugging Face model directory (config.json, model.safetensors, the
 *   tokenizer's files) that `nabla bert fill-mask` and `nabla finetune bert --from` read, plus
 *   training_state.safetensors (weights, optimizer, schedule, step, generator) for `--resume`; both are
 *   written atomically, at every --checkpoint-every updates and at the end, never after a NaN loss.
 * - `--export-batches DIR` writes what tools/bert_pretrain_twin.py needs to repeat the run in PyTorch:
 *   the initial weights, every masked batch in order and nabla's losses.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../../node.js';
import { BertForPreTraining } from '../../models/bert/node.js';
import { BERT_POSITION_EMBEDDING_TYPES, type BertConfigOptions, type BertPositionEmbeddingType } from '../../models/bert/config.js';
import { BertPretrainer, maskedEpochs, type PretrainState, type PretrainSummary } from '../../models/bert/pretrain.js';
import { mostFrequentToken, type PretrainingEvaluation } from '../../models/bert/pretraining-loss.js';
import { createPretrainingInstances, type PretrainingBatch } from '../../models/bert/pretraining-data.js';
import { pretrainingDocuments } from '../../models/bert/corpora.js';
import { BertTokenizer } from '../../text/wordpiece.js';
import type { TensorRecord } from '../../io/serialize.js';
import { UsageError, type FlagSpecs, type ParsedFlags } from '../args.js';
import { defineCommand } from '../command.js';
import { configFromFlag, dropoutConfig, isPreset, tokenizerFromFlag } from './bert-common.js';

/** The document split's seed: constant, so a corpus always has the same held-out documents. */
export const SPLIT_SEED = 15;
/** The held-out masks' seed. */
const HELD_OUT_MASK_SEED = 16;
export const STATE_FILE = 'training_state.safetensors';
const STATE_FORMAT = 'nabla-bert-pretraining-v1';

const flags = {
  corpus: { type: 'string', default: 'sotu', value: 'sotu|moby-dick|nlp-corpus|FILE[+...]', help: "documents to pretrain on: the State of the Union addresses (one document per speech), Moby-Dick (one per chapter), npm nlp-corpus's informal English (reviews, posts, messages; runs of 10 shuffled sentences, without the sentiment sets' sentences; npm install nlp-corpus), a text file with documents separated by blank lines, or several joined by + (sotu+moby-dick: both npm corpora)" },
  config: { type: 'string', default: 'tiny', value: 'tiny|mini|small|FILE', help: 'model size (Turc et al.: tiny L2/H128, mini L4/H256, small L4/H512) or a config.json; vocab size follows --vocab' },
  positionEmbeddingType: { type: 'string', choices: BERT_POSITION_EMBEDDING_TYPES, help: "how the model knows word order (config.json's position_embedding_type). Default: relative_key for the presets (one learned vector per distance inside each attention layer: on a corpus this size a small model uses its neighbouring words within a few hundred updates, where learned absolute positions, BERT's original choice, leave it predicting the most frequent word for many thousands); a --config file's own setting" },
  initFrom: { type: 'string', value: 'DIR', help: "continue pretraining a model directory's weights (from `nabla train bert` or Hugging Face) with its config and tokenizer, and a fresh optimizer and schedule; --config and --vocab are then not used" },
  vocab: { type: 'string', default: 'train:8000', value: 'bert-base-uncased|train:N', help: "bert-base-uncased's 30522 WordPieces, or a new WordPiece vocabulary of N tokens trained on the training documents" },
  steps: { type: 'int', default: 1000, min: 1, max: 1e9, value: 'N', help: 'optimizer updates' },
  batchSize: { type: 'int', default: 32, min: 1, max: 65536, help: 'sequences per micro-batch' },
  accumulate: { type: 'int', default: 1, min: 1, max: 65536, value: 'N', help: 'micro-batches per update (gradient accumulation): an update sees batch-size x N sequences' },
  maxSeqLength: { type: 'int', default: 128, min: 8, max: 100000, help: 'longest sequence in tokens, [CLS] and [SEP]s included' },
  // AdamW moves each weight by about lr per update, so only a huge lr diverges: the cap refuses typos (1e30), not experiments.
  lr: { type: 'number', default: 5e-4, above: 0, max: 1e6, help: 'peak AdamW learning rate' },
  warmup: { type: 'int', default: 100, min: 0, max: 1e9, value: 'N', help: 'updates of linear warm-up, then linear decay to 0 at --steps' },
  weightDecay: { type: 'number', default: 0.01, min: 0, max: 10, help: "AdamW's decay (none on biases and LayerNorm weights)" },
  dropout: { type: 'number', value: 'P', min: 0, below: 1, help: "dropout of the hidden states and attention probabilities (default: the config's, 0.1)" },
  dupeFactor: { type: 'int', default: 1, min: 1, max: 1000, value: 'N', help: "cut the training documents into sentence pairs N times, each with other random pairings and lengths (create_pretraining_data.py's dupe_factor, 10 there): more distinct next-sentence pairs, N times the instances" },
  wholeWordMask: { type: 'boolean', help: "mask all of a word's WordPieces together" },
  heldOut: { type: 'number', default: 0.05, min: 0, below: 0.5, value: 'FRACTION', help: 'share of the documents held out for evaluation' },
  heldOutSize: { type: 'int', default: 256, min: 1, max: 1e7, value: 'N', help: 'evaluate on at most N held-out sequences' },
  evalEvery: { type: 'int', default: 200, min: 0, max: 1e9, value: 'N', help: 'evaluate on the held-out sequences every N updates (and at the end)' },
  checkpointEvery: { type: 'int', default: 500, min: 0, max: 1e9, value: 'N', help: 'write the model directory and the training state every N updates (and at the end)' },
  seed: { type: 'int', default: 0, help: 'seed of the initial weights, the instances, the masks and dropout' },
  out: { type: 'string', default: 'runs/bert', value: 'DIR', help: `model directory to write (config.json, model.safetensors, tokenizer files, ${STATE_FILE})` },
  resume: { type: 'boolean', help: `continue the run whose ${STATE_FILE} is in --out (with the settings it started with)` },
  exportBatches: { type: 'string', value: 'DIR', help: 'also write the initial weights, every masked batch and the losses there, for tools/bert_pretrain_twin.py' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const usage = 'nabla train bert [--corpus sotu|moby-dick|nlp-corpus|FILE[+...]] [--config tiny|mini|small|FILE] [--position-embedding-type relative_key|absolute] [--vocab bert-base-uncased|train:N | --init-from DIR] [--steps 1000] [--batch-size 32] [--accumulate 1] [--max-seq-length 128] [--dupe-factor 1] [--lr 5e-4] [--warmup 100] [--out DIR] [--resume] [--export-batches DIR] [--json]';
const summary = 'Pretrain BERT (masked-LM + next-sentence prediction) on a corpus; report held-out MLM accuracy beside a context-free baseline (copy the visible token, else the most frequent one), the accuracy where the input hides the token, and NSP accuracy.';

type Flags = ParsedFlags<typeof flags>;

export interface TrainBertSummary {
  steps: number;
  seconds: number;
  tokensPerSecond: number;
  heldOut: PretrainingEvaluation | null;
  /** held-out figures before training (the randomly initialised model) */
  initial: PretrainingEvaluation | null;
  history: PretrainSummary['history'];
  documents: { train: number; heldOut: number };
  instances: { train: number; heldOut: number };
  vocabSize: number;
  parameters: number;
  config: Record<string, unknown>;
  out: string;
}

/** Documents held out for evaluation: a fixed share chosen with SPLIT_SEED. */
export function splitDocumentsForEval<T>(documents: readonly T[], fraction: number): { train: T[]; heldOut: T[] } {
  const order = documents.map((_, i) => i);
  const g = new nb.Generator(SPLIT_SEED);
  for (let i = order.length - 1; i > 0; i--) {
    const j = g.randint(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const n = fraction > 0 ? Math.max(1, Math.round(fraction * documents.length)) : 0;
  const held = new Set(order.slice(0, n));
  return { train: documents.filter((_, i) => !held.has(i)), heldOut: documents.filter((_, i) => held.has(i)) };
}

/** --init-from: a model directory's BertForPreTraining (a missing head is initialised, as transformers does) and its tokenizer. */
async function pretrainedStart(dir: string, overrides: Partial<BertConfigOptions>): Promise<{ model: BertForPreTraining; tokenizer: BertTokenizer }> {
  if (!existsSync(join(dir, 'config.json'))) throw new UsageError(`--init-from: '${dir}' is not a model directory (no config.json)`);
  const model = await BertForPreTraining.fromPretrained(dir, { config: overrides });
  if (!model.tokenizer) throw new UsageError(`--init-from: '${dir}' has no tokenizer files (vocab.txt or tokenizer.json)`);
  return { model, tokenizer: model.tokenizer };
}

function validate(a: Flags): void {
  if (a.initFrom && a.positionEmbeddingType) throw new UsageError('--position-embedding-type sets up a new model; --init-from continues a model directory with its own config');
  if (a.vocab !== 'bert-base-uncased' && !/^train:\d+$/.test(a.vocab)) throw new UsageError(`--vocab must be bert-base-uncased or train:N (e.g. train:8000), got '${a.vocab}'`);
}

export const command = defineCommand({
  name: 'train bert',
  summary: 'pretrain BERT (masked LM + next sentence) and report held-out MLM and NSP accuracy',
  description: summary,
  usage,
  flags,
  async run(f, { log }) {
    const started = performance.now();

    // ---- settings: a resumed run keeps the ones it started with ----
    const statePath = join(f.out, STATE_FILE);
    let resumed: Record<string, unknown> | null = null;
    if (f.resume) {
      if (!existsSync(statePath)) throw new UsageError(`--resume: no ${STATE_FILE} in '${f.out}' (start a run with --out ${f.out} first)`);
      resumed = nb.loadCheckpoint(statePath);
      if (resumed.format !== STATE_FORMAT) throw new UsageError(`--resume: '${statePath}' is not a checkpoint of \`nabla train bert\``);
      if (f.exportBatches) throw new UsageError('--export-batches records a whole run; it cannot be combined with --resume');
    }
    const a: Flags = resumed ? { ...f, ...(resumed.args as Partial<Flags>), json: f.json, resume: true, out: f.out, exportBatches: undefined as unknown as string } : f;
    // a checkpoint written before --position-embedding-type existed comes from an absolute-position model
    if (resumed && !a.initFrom && a.positionEmbeddingType === undefined) a.positionEmbeddingType = 'absolute';
    validate(a);
    const base = configFromFlag(a.config);
    // resolved once, so the checkpoint's args rebuild the same model on --resume
    if (!a.initFrom) a.positionEmbeddingType ??= isPreset(a.config) ? 'relative_key' : base.positionEmbeddingType;

    // ---- data ----
    let t0 = performance.now();
    let documents: string[][];
    try {
      documents = pretrainingDocuments(a.corpus);
    } catch (e) {
      throw new UsageError(`--corpus: ${(e as Error).message}`);
    }
    const split = splitDocumentsForEval(documents, a.heldOut);
    if (split.train.length === 0) throw new UsageError(`--corpus: ${documents.length} document(s) leave none for training after holding out ${a.heldOut}`);
    log(`corpus ${a.corpus}: ${documents.length} documents, ${documents.reduce((n, d) => n + d.length, 0)} sentences; ${split.heldOut.length} documents held out (seed ${SPLIT_SEED})`);

    // --init-from: the directory's weights, config and tokenizer (resume restores the weights from its own state)
    const dropout = dropoutConfig(a.dropout);
    const initial = a.initFrom ? await pretrainedStart(a.initFrom, dropout) : null;
    const tokenizer = resumed
      ? BertTokenizer.fromFiles(resumed.tokenizer as Record<string, string>)
      : initial ? initial.tokenizer : tokenizerFromFlag(a.vocab, () => split.train.flat());
    log(`vocabulary: ${tokenizer.vocabSize} WordPieces (${initial ? a.initFrom : a.vocab}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    t0 = performance.now();
    const instances = createPretrainingInstances(split.train, tokenizer, { maxSeqLength: a.maxSeqLength, dupeFactor: a.dupeFactor ?? 1, generator: new nb.Generator(a.seed) });
    const heldOutInstances = split.heldOut.length
      ? createPretrainingInstances(split.heldOut, tokenizer, { maxSeqLength: a.maxSeqLength, generator: new nb.Generator(HELD_OUT_MASK_SEED) }).slice(0, a.heldOutSize)
      : [];
    const masking = { maxPredictionsPerSeq: Math.max(1, Math.round(0.15 * a.maxSeqLength)), wholeWordMask: a.wholeWordMask };
    const heldOut = heldOutInstances.length
      ? [...maskedEpochs(heldOutInstances, tokenizer, { ...masking, batchSize: 64, seed: HELD_OUT_MASK_SEED }).epochBatches(0)]
      : [];
    const baselineToken = mostFrequentToken(instances.map((i) => i.tokens), [tokenizer.clsId, tokenizer.sepId, tokenizer.padId]);
    const trainTokens = instances.reduce((n, i) => n + i.tokens.length, 0);
    log(`instances: ${instances.length} for training (${trainTokens} tokens, an epoch is ${Math.floor(instances.length / (a.batchSize * a.accumulate))} updates), ${heldOutInstances.length} held out; made in ${((performance.now() - t0) / 1000).toFixed(1)} s; most frequent token '${tokenizer.convertIdsToTokens([baselineToken])[0]}'`);
    if (instances.length < a.batchSize * a.accumulate) throw new UsageError(`--corpus gives ${instances.length} training sequences, fewer than one update's --batch-size x --accumulate = ${a.batchSize * a.accumulate}`);

    // ---- model ----
    nb.manualSeed(a.seed);
    let model: BertForPreTraining;
    if (initial) {
      model = initial.model;
      if (a.maxSeqLength > model.config.maxPositionEmbeddings) {
        throw new UsageError(`--max-seq-length ${a.maxSeqLength} is longer than --init-from's max_position_embeddings ${model.config.maxPositionEmbeddings}`);
      }
    } else {
      model = new BertForPreTraining(base.with({
        vocabSize: tokenizer.vocabSize,
        maxPositionEmbeddings: Math.max(base.maxPositionEmbeddings, a.maxSeqLength),
        positionEmbeddingType: a.positionEmbeddingType as BertPositionEmbeddingType,
        ...dropout,
      }));
    }
    const config = model.config;
    const parameters = model.parameters().reduce((n, p) => n + p.numel(), 0);
    log(`model: BertForPreTraining L${config.numHiddenLayers}/H${config.hiddenSize}/A${config.numAttentionHeads}/I${config.intermediateSize}, vocab ${config.vocabSize}, ${config.positionEmbeddingType} positions, ${parameters} parameters (backend ${nb.getBackend().name}, ${nb.numThreads()} threads)`);

    // ---- optional record for the PyTorch twin ----
    const exportDir = a.exportBatches;
    const recorded: TensorRecord = {};
    const twinLosses: { step: number; loss: number; mlmLoss: number; nspLoss: number }[] = [];
    let microBatches = 0;
    if (exportDir) {
      mkdirSync(exportDir, { recursive: true });
      model.savePretrained(join(exportDir, 'initial'), { tokenizer });
    }
    const record = (step: number, batches: readonly PretrainingBatch[], losses: { loss: number; mlmLoss: number; nspLoss: number }) => {
      for (const b of batches) {
        const k = microBatches++;
        Object.assign(recorded, {
          [`${k}.input_ids`]: b.inputIds, [`${k}.token_type_ids`]: b.tokenTypeIds, [`${k}.attention_mask`]: b.attentionMask,
          [`${k}.labels`]: b.labels, [`${k}.next_sentence_label`]: b.nextSentenceLabel,
        });
      }
      twinLosses.push({ step, ...losses });
    };

    const save = (state: PretrainState) => {
      model.savePretrained(a.out, { tokenizer });
      nb.saveCheckpoint(statePath, {
        format: STATE_FORMAT, ...state, tokenizer: tokenizer.toFiles(),
        args: { ...a, resume: undefined, json: undefined, exportBatches: undefined },
      });
    };
    const pretrainer = new BertPretrainer(model, maskedEpochs(instances, tokenizer, { ...masking, batchSize: a.batchSize, seed: a.seed }), {
      lr: a.lr, totalSteps: a.steps, warmupSteps: a.warmup, weightDecay: a.weightDecay, gradientAccumulation: a.accumulate,
      heldOut, baselineToken, evalEvery: a.evalEvery, checkpointEvery: a.checkpointEvery, onCheckpoint: save, log,
      onUpdate: exportDir ? record : undefined,
    });
    let before: PretrainingEvaluation | null = null;
    if (resumed) {
      pretrainer.loadStateDict(resumed as unknown as PretrainState);
      log(`resuming from ${statePath} at update ${pretrainer.step}/${a.steps}`);
    } else {
      before = pretrainer.evaluate();
      if (before) log(`before training: held-out MLM loss ${before.mlmLoss.toFixed(4)}, MLM acc ${before.mlmAccuracy.toFixed(4)} (at hidden tokens ${before.hiddenAccuracy.toFixed(4)}), NSP acc ${before.nspAccuracy.toFixed(4)}`);
    }
    const result = pretrainer.run();

    if (exportDir) {
      nb.save(recorded, join(exportDir, 'batches.safetensors'));
      writeFileSync(join(exportDir, 'nabla.json'), JSON.stringify({
        microBatches, accumulate: a.accumulate, steps: a.steps, lr: a.lr, warmup: a.warmup, weightDecay: a.weightDecay, maxGradNorm: 1, eps: 1e-8,
        losses: twinLosses,
      }));
      log(`wrote the initial weights, ${microBatches} masked batches and nabla's losses to ${exportDir} (run: /usr/bin/python3 tools/bert_pretrain_twin.py ${exportDir})`);
    }

    const final = result.final ?? null;
    log(`\n${a.steps} updates in ${result.seconds.toFixed(0)} s (${result.tokensPerSecond.toFixed(0)} tokens/s); saved ${a.out}`);
    if (final) {
      log(`held-out (${final.pairs} sequences, ${final.maskedTokens} masked tokens):`);
      log(`  MLM loss ${final.mlmLoss.toFixed(4)} (perplexity ${Math.exp(final.mlmLoss).toFixed(1)})`);
      const guess = tokenizer.convertIdsToTokens([final.baselineToken])[0];
      log(`  MLM accuracy ${final.mlmAccuracy.toFixed(4)}   context-free baseline (copy the token where the input shows it, else '${guess}') ${final.baselineAccuracy.toFixed(4)}`);
      log(`  where the input hides the token ([MASK] or random): ${final.hiddenAccuracy.toFixed(4)}   always '${guess}' ${final.hiddenBaselineAccuracy.toFixed(4)}`);
      log(`  NSP accuracy ${final.nspAccuracy.toFixed(4)}   always the majority label ${final.nspMajorityAccuracy.toFixed(4)}`);
    }
    if (f.json) {
      const out: TrainBertSummary = {
        steps: pretrainer.step, seconds: (performance.now() - started) / 1000, tokensPerSecond: result.tokensPerSecond,
        heldOut: final, initial: before, history: result.history,
        documents: { train: split.train.length, heldOut: split.heldOut.length },
        instances: { train: instances.length, heldOut: heldOutInstances.length },
        vocabSize: tokenizer.vocabSize, parameters, config: config.toJSON(), out: a.out,
      };
      console.log(JSON.stringify(out));
    }
    return 0;
  },
});
