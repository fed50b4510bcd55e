/**
 * `nabla train translate`: train a Transformer translation model on any `source<TAB>target` file
 * (e.g. from `nabla data sword` or `nabla data mo`), then report BLEU on a held-out test split.
 *
 * - The split is fixed: src/text's splitPairs with a constant seed (not --seed), so the same pairs
 *   file always gives the same test pairs; they are written beside the model (*.test.tsv).
 * - BPE vocabularies are trained on the training split only.
 * - Adam (β 0.9/0.98) with a linear warm-up then inverse-square-root decay (LambdaLR, per batch),
 *   label-smoothed cross-entropy that ignores [PAD], gradient clipping, length-bucketed batches.
 * - Each epoch: validation loss, the weights file (everything `nabla translate` needs) and a
 *   resumable checkpoint, both written atomically.
 * - At the end: corpus BLEU (sacreBLEU-compatible: zh or char tokenization for Chinese, Japanese and
 *   Korean targets, 13a otherwise and always) of greedy and beam-search translations of the test
 *   split, next to the BLEU of copying the source (what "no translation" scores).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as nb from '../../node.js';
import { readPairsTsv, splitPairs, writePairsTsv, BpeTokenizer, type TextPair } from '../../text/node.js';
import {
  batchLoss, bucketBatches, makeBatch, Translator, trainTokenizers, type EncodedPair, type Seq2SeqConfig,
} from '../../models/translator.js';
import { ProgressBar } from '../../plot/progress.js';
import type { StateDict } from '../../nn/module.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { loadResumeCheckpoint, restoreSettings, settingsToStore } from '../resume.js';
import { checkFiniteLoss } from '../training.js';
import { bleuFlags, describeBleuTokenizer, resolveBleuTokenizer, scoreWith } from './translate-bleu.js';

/** The split's seed: constant, so a pairs file always has the same test split whatever --seed is. */
export const SPLIT_SEED = 15;
/** Where `train translate` writes and `translate` reads by default. */
export const DEFAULT_TRANSLATOR_PATH = 'runs/translate/model.safetensors';
const CHECKPOINT_FORMAT = 'nabla-translate-checkpoint-v1';
/** The settings a resumed run may change; the others shape the saved state (model, vocabularies, data, schedule). */
const FREE_ON_RESUME = ['epochs', 'out', 'beam', 'lengthPenalty', 'json', 'resume'] as const;

const flags = {
  pairs: { type: 'string', value: 'FILE.tsv', help: 'parallel text, one `source<TAB>target` pair per line (required)' },
  vocabSize: { type: 'int', default: 4000, min: 264, max: 100000, help: 'BPE vocabulary size of each language (of the shared one with --shared-vocab)' },
  sharedVocab: { type: 'boolean', help: 'one BPE vocabulary for both languages' },
  dModel: { type: 'int', default: 128, min: 1, max: 4096, help: 'model width (embedding size)' },
  heads: { type: 'int', default: 4, min: 1, max: 64, help: 'attention heads' },
  layers: { type: 'int', default: 2, min: 1, max: 24, help: 'encoder layers and decoder layers' },
  ff: { type: 'int', default: 256, min: 1, max: 16384, help: 'feed-forward width' },
  dropout: { type: 'number', default: 0.1, min: 0, below: 1, help: 'dropout' },
  norm: { type: 'string', default: 'pre', choices: ['pre', 'post'], help: 'LayerNorm before each block (pre: trains faster at high rates) or after it (post: the paper\'s layout, nn.Transformer\'s default)' },
  epochs: { type: 'int', default: 1, min: 1, max: 10000, help: 'passes over the training pairs' },
  batchSize: { type: 'int', default: 32, min: 1, max: 4096, help: 'pairs per batch' },
  maxLen: { type: 'int', default: 64, min: 1, max: 4096, help: 'longest sentence in subword tokens; longer pairs are left out' },
  lr: { type: 'number', default: 5e-3, above: 0, max: 10, help: 'peak Adam learning rate' },
  warmup: { type: 'int', default: 30, min: 0, help: 'batches of linear warm-up, then the rate decays as 1/sqrt(step)' },
  labelSmoothing: { type: 'number', default: 0.1, min: 0, below: 1, help: 'label smoothing of the cross-entropy' },
  clip: { type: 'number', default: 1, min: 0, help: 'clip the gradient norm to this (0: no clipping)' },
  limit: { type: 'int', default: 12000, value: 'N', min: 0, help: 'train on N pairs drawn (with --seed) from the training split (0: all of it)' },
  testSize: { type: 'int', default: 200, value: 'N', min: 0, help: 'pairs held out for the test split (at most 10% of the file)' },
  validSize: { type: 'int', default: 200, value: 'N', min: 0, help: 'pairs held out for validation (at most 10% of the file)' },
  beam: { type: 'int', default: 4, min: 1, max: 64, help: 'beam size for the test BLEU' },
  lengthPenalty: { type: 'number', default: 1, min: 0, max: 10, help: "GNMT length penalty α of beam search (0: none)" },
  noRepeatNgramSize: { type: 'int', default: 0, min: 0, max: 100, value: 'N', help: 'test translations never repeat an n-gram of N tokens (0: allowed)' },
  ...bleuFlags,
  seed: { type: 'int', default: 0, min: 0, max: 4294967295, help: 'seed of the initial weights, the --limit sample and the batch order' },
  out: { type: 'string', default: DEFAULT_TRANSLATOR_PATH, value: 'FILE', help: 'weights file (model + tokenizers + config; a folder gets model.safetensors inside it, a name without extension gets .safetensors); *.checkpoint.safetensors and *.test.tsv go beside it' },
  resume: { type: 'string', value: 'FILE', help: 'continue from a checkpoint written by an earlier run (its settings come back; --epochs, --out, --beam and --length-penalty may be given anew)' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const usage = 'nabla train translate --pairs FILE.tsv [--vocab-size 4000] [--d-model 128] [--heads 4] [--layers 2] [--ff 256] [--dropout 0.1] [--norm pre|post] [--epochs 1] [--batch-size 32] [--max-len 64] [--lr 5e-3] [--warmup 30] [--label-smoothing 0.1] [--limit 12000] [--seed 0] [--out FILE] [--resume FILE] [--json]';
const summary = 'Train a Transformer encoder-decoder to translate the source column of a TSV into the target column; report test BLEU (greedy and beam) next to the copy-the-source baseline.';

/** Paths written beside the weights file. */
export function sidePaths(out: string): { checkpoint: string; test: string } {
  const base = out.replace(/\.safetensors$/, '');
  return { checkpoint: `${base}.checkpoint.safetensors`, test: `${base}.test.tsv` };
}

/** Linear warm-up to 1 over `warmup` steps, then warmup^0.5 · step^-0.5 ("Attention Is All You Need", rescaled to peak at 1). */
export function warmupInverseSqrt(warmup: number): (step: number) => number {
  const w = Math.max(1, warmup);
  return (step) => Math.min((step + 1) / w, Math.sqrt(w / (step + 1)));
}

function readPairs(path: string): TextPair[] {
  if (!existsSync(path)) throw new UsageError(`--pairs: no such file '${path}' (make one with \`nabla data sword --source kjv --target sparv --out ${path}\`, or bring a source<TAB>target file)`);
  const pairs = readPairsTsv(path); // malformed lines: an error with the file name and line number
  if (pairs.length === 0) throw new UsageError(`--pairs: '${path}' holds no pairs`);
  const empty = pairs.findIndex((p) => !p.source.trim() || !p.target.trim());
  if (empty >= 0) throw new UsageError(`--pairs: pair ${empty + 1} of '${path}' has an empty side`);
  return pairs;
}

function fingerprint(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}

export interface TrainSummary {
  testBleuGreedy: number;
  testBleuBeam: number;
  copyBaselineBleu: number;
  /** The BLEU tokenizer of the scores above; the 13a scores come next to them. */
  bleuTokenize: string;
  testBleuGreedy13a: number;
  testBleuBeam13a: number;
  seconds: number;
  trainSeconds: number;
  epochs: number;
  trainPairs: number;
  validPairs: number;
  testPairs: number;
  skippedTooLong: number;
  tokensPerSecond: number;
  validLoss: number;
  history: { epoch: number; trainLoss: number; validLoss: number; validPerplexity: number; seconds: number }[];
  config: Seq2SeqConfig;
  parameters: number;
  weights: string;
  checkpoint: string;
  testFile: string;
  samples: { source: string; reference: string; hypothesis: string; greedy: string }[];
}

/** Mean per-token loss (with the criterion's label smoothing) over encoded pairs, without dropout. */
export function evaluateLoss(translator: Translator, pairs: readonly EncodedPair[], criterion: nb.nn.CrossEntropyLoss, batchSize: number): number {
  const model = translator.model;
  const was = model.training;
  model.eval();
  try {
    return nb.noGrad(() => {
      let total = 0, tokens = 0;
      const order = pairs.map((_, i) => i).sort((a, b) => pairs[a]!.src.length - pairs[b]!.src.length);
      for (let s = 0; s < order.length; s += batchSize) {
        const batch = makeBatch(order.slice(s, s + batchSize).map((i) => pairs[i]!), model.config);
        total += batchLoss(model, batch, criterion).item() * batch.tokens;
        tokens += batch.tokens;
      }
      return tokens ? total / tokens : NaN;
    });
  } finally {
    model.train(was);
  }
}

export const command = defineCommand({
  name: 'train translate',
  summary: 'train a Transformer translator on a pairs TSV and report test BLEU',
  description: summary,
  usage,
  flags,
  async run(f, { log, lockOutput }) {
    const started = performance.now();

    // ---- settings (a resumed run keeps the model and data settings it started with) ----
    const resumed = f.resume
      ? loadResumeCheckpoint(f.resume, { command: 'train translate', format: CHECKPOINT_FORMAT, state: ['model', 'optimizer', 'scheduler', 'shuffle', 'history'] })
      : null;
    const fixed = Object.keys(flags).filter((k) => !(FREE_ON_RESUME as readonly string[]).includes(k)) as (keyof typeof flags)[];
    const a = resumed ? restoreSettings(f, resumed.args, flags, fixed) : f;
    if (resumed && resumed.epoch >= a.epochs) throw new UsageError(`--resume: the checkpoint is at epoch ${resumed.epoch} of --epochs ${a.epochs}: nothing left to train (give a larger --epochs)`);
    if (!a.pairs) throw new UsageError('--pairs FILE.tsv is required (make one with `nabla data sword --source kjv --target sparv --out pairs.tsv`)');
    if (a.dModel % a.heads !== 0) throw new UsageError(`--d-model ${a.dModel} must be divisible by --heads ${a.heads}`);
    const output = resolveOutput(a.out, { extension: '.safetensors', fileName: 'model.safetensors' });
    if (output.note) log(output.note);
    const out = output.path;
    lockOutput(out);

    // ---- data: fixed split, tokenizers on the training split ----
    const all = readPairs(a.pairs);
    const hash = fingerprint(a.pairs);
    if (resumed && resumed.pairsHash !== hash) throw new UsageError(`--resume: ${a.pairs} changed since the checkpoint was written (its test split would differ); start a new run`);
    const n = all.length;
    const frac = (k: number) => Math.min(k, Math.floor(n * 0.1)) / n;
    const split = splitPairs(all, { test: frac(a.testSize), valid: frac(a.validSize), seed: SPLIT_SEED });
    if (split.train.length === 0) throw new UsageError(`--pairs: ${n} pairs leave none for training`);
    log(`pairs: ${n} in ${a.pairs}; split (seed ${SPLIT_SEED}): train ${split.train.length}, valid ${split.valid.length}, test ${split.test.length}`);

    let tokT0 = performance.now();
    const tokenizers = resumed
      ? (() => {
          const src = BpeTokenizer.fromJSON(resumed.srcTokenizer as string);
          return { src, tgt: resumed.tgtTokenizer ? BpeTokenizer.fromJSON(resumed.tgtTokenizer as string) : src };
        })()
      : trainTokenizers(split.train, { vocabSize: a.vocabSize, shared: a.sharedVocab });
    log(`BPE vocabularies: source ${tokenizers.src.vocabSize}, target ${tokenizers.tgt.vocabSize}${a.sharedVocab ? ' (shared)' : ''} (${((performance.now() - tokT0) / 1000).toFixed(1)} s)`);

    nb.manualSeed(a.seed);
    const translator = Translator.create(tokenizers.src, tokenizers.tgt, {
      dModel: a.dModel, nhead: a.heads, numEncoderLayers: a.layers, numDecoderLayers: a.layers, dimFeedforward: a.ff, dropout: a.dropout, maxLen: a.maxLen, normFirst: a.norm === 'pre',
    });
    const model = translator.model;
    const config = { ...translator.config };
    const fits = (p: EncodedPair) => p.src.length - 1 <= a.maxLen && p.tgt.length <= a.maxLen;
    tokT0 = performance.now();
    const encodeAll = (ps: TextPair[]) => {
      const kept: { pair: TextPair; enc: EncodedPair }[] = [];
      let skipped = 0;
      for (const pair of ps) {
        const enc = translator.encodePair(pair);
        if (fits(enc)) kept.push({ pair, enc });
        else skipped++;
      }
      return { kept, skipped };
    };
    const dataGen = new nb.Generator(a.seed);
    let trainSet = encodeAll(split.train);
    if (a.limit > 0 && trainSet.kept.length > a.limit) {
      const idx = trainSet.kept.map((_, i) => i);
      for (let i = idx.length - 1; i > 0; i--) {
        const j = dataGen.randint(0, i + 1);
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      trainSet = { kept: idx.slice(0, a.limit).sort((x, y) => x - y).map((i) => trainSet.kept[i]!), skipped: trainSet.skipped };
    }
    const validSet = encodeAll(split.valid);
    const testSet = encodeAll(split.test);
    const train = trainSet.kept.map((x) => x.enc);
    const valid = validSet.kept.map((x) => x.enc);
    const test = testSet.kept.map((x) => x.pair);
    const skippedTooLong = trainSet.skipped + validSet.skipped + testSet.skipped;
    if (train.length === 0) throw new UsageError(`every training pair is longer than --max-len ${a.maxLen} subword tokens`);
    const trainTokens = train.reduce((s, p) => s + p.tgt.length + 1, 0);
    log(`encoded in ${((performance.now() - tokT0) / 1000).toFixed(1)} s: training on ${train.length} pairs (${trainTokens} target tokens)${a.limit > 0 ? ` drawn from ${split.train.length}` : ''}; valid ${valid.length}, test ${test.length}; ${skippedTooLong} pairs over --max-len ${a.maxLen} left out`);

    const { checkpoint: ckptPath, test: testPath } = sidePaths(out);
    log(`weights: ${out}, checkpoint: ${ckptPath} (after each epoch); test pairs: ${testPath}`);
    writePairsTsv(test, testPath);

    const parameters = model.parameters().reduce((s, p) => s + p.numel(), 0);
    log(`model: Seq2SeqTransformer d_model ${config.dModel}, ${config.nhead} heads, ${config.numEncoderLayers}+${config.numDecoderLayers} ${config.normFirst ? 'pre' : 'post'}-norm layers, ff ${config.dimFeedforward}, ${parameters} parameters (backend ${nb.getBackend().name})`);

    const criterion = new nb.nn.CrossEntropyLoss({ ignoreIndex: config.padId, labelSmoothing: a.labelSmoothing });
    const optimizer = new nb.optim.Adam(model.parameters(), { lr: a.lr, betas: [0.9, 0.98], eps: 1e-9 });
    const scheduler = new nb.optim.lrScheduler.LambdaLR(optimizer, { lrLambda: warmupInverseSqrt(a.warmup) });
    const shuffle = new nb.Generator(a.seed + 1);
    let startEpoch = 0;
    let history: TrainSummary['history'] = [];
    if (resumed) {
      model.loadStateDict(resumed.model as StateDict);
      optimizer.loadStateDict(resumed.optimizer as Parameters<typeof optimizer.loadStateDict>[0]);
      scheduler.loadStateDict(resumed.scheduler as Parameters<typeof scheduler.loadStateDict>[0]);
      shuffle.setState(resumed.shuffle as number[]);
      startEpoch = resumed.epoch;
      history = resumed.history as TrainSummary['history'];
      log(`resuming from ${f.resume} after epoch ${startEpoch}`);
    }

    const saveAll = (epoch: number) => {
      const { tensors, metadata } = translator.toSafetensors({
        epoch: String(epoch),
        pairs: a.pairs,
        pairsHash: hash,
        split: JSON.stringify({ seed: SPLIT_SEED, test: split.test.length, valid: split.valid.length, train: split.train.length, testFile: testPath }),
        history: JSON.stringify(history),
      });
      // The checkpoint first: a crash between the two writes leaves the weights behind it, never ahead.
      nb.saveCheckpoint(ckptPath, {
        format: CHECKPOINT_FORMAT,
        epoch, model: model.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), shuffle: shuffle.getState(),
        history, pairsHash: hash,
        srcTokenizer: tokenizers.src.toJSONString(), tgtTokenizer: tokenizers.src === tokenizers.tgt ? null : tokenizers.tgt.toJSONString(),
        args: { ...settingsToStore(a, flags, ['resume', 'json']), out },
      });
      nb.save(tensors, out, metadata);
    };
    if (resumed) {
      saveAll(startEpoch);
      log(`the checkpoint is authoritative: ${out} rewritten from it (epoch ${startEpoch})`);
    }

    // ---- training ----
    let trainSeconds = 0, tokensSeen = 0;
    for (let epoch = startEpoch; epoch < a.epochs; epoch++) {
      model.train();
      const batches = bucketBatches(train, a.batchSize, shuffle);
      const bar = new ProgressBar({ total: trainTokens, label: `Epoch ${epoch + 1}/${a.epochs}`, unit: 'tok' });
      const t0 = performance.now();
      let lossSum = 0, tokSum = 0, done = 0;
      for (const [bi, idx] of batches.entries()) {
        const batch = makeBatch(idx.map((i) => train[i]!), config);
        const loss = batchLoss(model, batch, criterion);
        const value = loss.item();
        if (!Number.isFinite(value)) bar.finish();
        checkFiniteLoss(value, `epoch ${epoch + 1}, batch ${bi + 1}`, 'Try a lower --lr or a longer --warmup.');
        optimizer.zeroGrad();
        loss.backward();
        if (a.clip > 0) nb.nn.utils.clipGradNorm(model.parameters(), a.clip);
        optimizer.step();
        scheduler.step();
        lossSum += value * batch.tokens;
        tokSum += batch.tokens;
        done += batch.tokens;
        bar.update(done, { loss: lossSum / tokSum, lr: optimizer.paramGroups[0]!.lr });
      }
      bar.finish({ loss: lossSum / tokSum });
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      tokensSeen += tokSum;
      const validLoss = valid.length ? evaluateLoss(translator, valid, criterion, 64) : NaN;
      history.push({ epoch: epoch + 1, trainLoss: lossSum / tokSum, validLoss, validPerplexity: Math.exp(validLoss), seconds });
      log(`Epoch ${epoch + 1}/${a.epochs}: train loss ${(lossSum / tokSum).toFixed(4)}, valid loss ${validLoss.toFixed(4)} (perplexity ${Math.exp(validLoss).toFixed(2)}; label smoothing ${a.labelSmoothing} included), ${seconds.toFixed(0)} s, ${(tokSum / seconds).toFixed(0)} target tokens/s`);
      saveAll(epoch + 1);
      log(`saved ${out} and ${ckptPath}`);
    }

    // ---- test BLEU: greedy, beam, and the copy baseline ----
    const refs = test.map((p) => p.target);
    const sources = test.map((p) => p.source);
    let t0 = performance.now();
    const noRepeatNgramSize = a.noRepeatNgramSize;
    const greedy = translator.translateBatch(sources, { beam: 1, noRepeatNgramSize });
    const greedySeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const beam = a.beam > 1 ? translator.translateBatch(sources, { beam: a.beam, lengthPenalty: a.lengthPenalty, noRepeatNgramSize }) : greedy;
    const beamSeconds = (performance.now() - t0) / 1000;
    const bleuTokenize = resolveBleuTokenizer(f.bleuTokenize, refs, f.targetLang);
    const greedyScores = scoreWith(bleuTokenize, greedy.map((t) => t.translation), refs);
    const beamScores = scoreWith(bleuTokenize, beam.map((t) => t.translation), refs);
    const [testBleuGreedy, testBleuBeam, testBleuGreedy13a, testBleuBeam13a] = [greedyScores.bleu, beamScores.bleu, greedyScores.bleu13a, beamScores.bleu13a];
    const copyBaselineBleu = scoreWith(bleuTokenize, sources, refs).bleu;
    const also13a = (x: number) => (bleuTokenize === '13a' ? '' : `   (13a ${x.toFixed(2)})`);
    const pick = test.length <= 5 ? test.map((_, i) => i) : Array.from({ length: 5 }, (_, k) => Math.floor((k * test.length) / 5));
    const samples = pick.map((i) => ({ source: sources[i]!, reference: refs[i]!, hypothesis: beam[i]!.translation, greedy: greedy[i]!.translation }));
    log(`\nTest BLEU on ${test.length} held-out pairs (${testPath}; ${describeBleuTokenizer(bleuTokenize)}):`);
    log(`  greedy               ${testBleuGreedy.toFixed(2)}   (${greedySeconds.toFixed(1)} s)${also13a(testBleuGreedy13a)}`);
    log(`  beam ${String(a.beam).padEnd(2)} (α ${a.lengthPenalty})    ${testBleuBeam.toFixed(2)}   (${beamSeconds.toFixed(1)} s)${also13a(testBleuBeam13a)}`);
    log(`  copy the source      ${copyBaselineBleu.toFixed(2)}   (baseline)`);
    for (const s of samples) log(`\n  source     ${s.source}\n  reference  ${s.reference}\n  beam       ${s.hypothesis}\n  greedy     ${s.greedy}`);
    const seconds = (performance.now() - started) / 1000;
    const last = history[history.length - 1];
    if (f.json) {
      const summaryJson: TrainSummary = {
        testBleuGreedy, testBleuBeam, copyBaselineBleu, bleuTokenize, testBleuGreedy13a, testBleuBeam13a, seconds, trainSeconds, epochs: a.epochs,
        trainPairs: train.length, validPairs: valid.length, testPairs: test.length, skippedTooLong,
        tokensPerSecond: trainSeconds > 0 ? tokensSeen / trainSeconds : 0, validLoss: last?.validLoss ?? NaN, history, config, parameters,
        weights: out, checkpoint: ckptPath, testFile: testPath, samples,
      };
      console.log(JSON.stringify(summaryJson));
    }
    return 0;
  },
});
