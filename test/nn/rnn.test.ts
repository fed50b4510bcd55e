/**
 * PyTorch parity of nn.RNN / LSTM / GRU and the cells (fixtures from tools/gen_rnn_fixtures.py):
 * outputs, final states and the gradients of every parameter, the input and the initial states,
 * for uni/bidirectional, 1-2 layers, batchFirst both ways, with and without initial states,
 * padded and packed (unsorted lengths); plus a finite-difference check of the fused op.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { loadWithMetadata } from '../../src/io/node-io.js';
import { mul, add } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { recurrentLayer, type RecurrentMode, type RecurrentWeights } from '../../src/ops/rnn.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, type RNNBase, type RNNCellBase } from '../../src/nn/rnn.js';
import { PackedSequence, packPaddedSequence, padPackedSequence } from '../../src/nn/rnn-utils.js';
import { assertClose as assertCloseTol, PARITY } from '../helpers/compare.js';
import { gradcheck } from '../helpers/gradcheck.js';

const assertClose = (a: Tensor, e: Tensor, label: string): void => assertCloseTol(a, e, PARITY, label);

const here = dirname(fileURLToPath(import.meta.url));

interface Case {
  name: string;
  config: Record<string, unknown>;
  get(kind: string, key: string): Tensor;
  has(kind: string, key: string): boolean;
  keys(kind: string): string[];
}

function loadCases(file: string): Case[] {
  const { tensors, metadata } = loadWithMetadata(join(here, '..', 'fixtures', 'rnn', file));
  return Object.keys(metadata).sort().map((name) => {
    const own: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) if (k.startsWith(`${name}:`)) own[k.slice(name.length + 1)] = t;
    return {
      name,
      config: JSON.parse(metadata[name]!) as Record<string, unknown>,
      get(kind, key) {
        const t = own[`${kind}:${key}`];
        if (!t) throw new Error(`${file} ${name}: no ${kind}:${key}`);
        return t;
      },
      has: (kind, key) => `${kind}:${key}` in own,
      keys: (kind) => Object.keys(own).filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1)),
    };
  });
}

/** A leaf copy that requires grad. */
const leaf = (t: Tensor): Tensor => t.cloneContiguous().requiresGrad_();

function buildLayer(c: Record<string, unknown>): RNNBase {
  const common = {
    numLayers: c.numLayers as number, bias: c.bias as boolean, batchFirst: c.batchFirst as boolean,
    bidirectional: c.bidirectional as boolean,
  };
  const I = c.inputSize as number, H = c.hiddenSize as number;
  if (c.mode === 'RNN') return new RNN(I, H, { ...common, nonlinearity: c.nonlinearity as 'tanh' | 'relu' });
  if (c.mode === 'LSTM') return new LSTM(I, H, { ...common, projSize: c.projSize as number });
  return new GRU(I, H, common);
}

function checkLayerCase(file: string, k: Case): void {
  const c = k.config;
  const what = `${file} ${k.name}`;
  const m = buildLayer(c);
  const params: Record<string, Tensor> = {};
  for (const key of k.keys('param')) params[key] = k.get('param', key);
  m.loadStateDict(params);
  const x = leaf(k.get('input', 'input'));
  const h0 = k.has('input', 'h0') ? leaf(k.get('input', 'h0')) : null;
  const c0 = k.has('input', 'c0') ? leaf(k.get('input', 'c0')) : null;
  const packed = c.packed as boolean;
  const input = packed ? packPaddedSequence(x, k.get('input', 'lengths'), { batchFirst: c.batchFirst as boolean, enforceSorted: false }) : x;
  let out: Tensor | PackedSequence, hN: Tensor, cN: Tensor | null = null;
  if (m instanceof LSTM) {
    const [o, [h, cc]] = m.forward(input as Tensor, h0 && c0 ? [h0, c0] : null);
    out = o; hN = h; cN = cc;
  } else {
    [out, hN] = (m as RNN).forward(input as Tensor, h0);
  }
  const outData = out instanceof PackedSequence ? out.data : out;
  assertClose(outData, k.get('output', 'output'), `${what} output`);
  if (out instanceof PackedSequence) {
    assert.deepEqual(Array.from(out.batchSizes.dataSync()), Array.from(k.get('output', 'batch_sizes').dataSync()), `${what} batch sizes`);
    assertClose(padPackedSequence(out, { batchFirst: c.batchFirst as boolean })[0], k.get('output', 'padded'), `${what} padded output`);
  }
  assertClose(hN, k.get('output', 'h_n'), `${what} h_n`);
  if (cN) assertClose(cN, k.get('output', 'c_n'), `${what} c_n`);
  let loss = add(sum(mul(outData, k.get('upstream', 'output'))), sum(mul(hN, k.get('upstream', 'h_n'))));
  if (cN) loss = add(loss, sum(mul(cN, k.get('upstream', 'c_n'))));
  loss.backward();
  assertClose(x.grad!, k.get('grad', 'input'), `${what} grad input`);
  if (h0) assertClose(h0.grad!, k.get('grad', 'h0'), `${what} grad h0`);
  if (c0) assertClose(c0.grad!, k.get('grad', 'c0'), `${what} grad c0`);
  const named = Object.fromEntries(m.namedParameters());
  assert.deepEqual(Object.keys(named), c.paramOrder, `${what} parameter names, in PyTorch's order`);
  for (const key of k.keys('grad_param')) assertClose(named[key]!.grad!, k.get('grad_param', key), `${what} grad ${key}`);
}

for (const file of ['rnn_tanh', 'rnn_relu', 'lstm', 'lstm_proj', 'gru']) {
  test(`${file}: PyTorch parity of outputs, states and all gradients`, () => {
    const cases = loadCases(`${file}.safetensors`);
    assert.ok(cases.length >= 32);
    for (const k of cases) checkLayerCase(file, k);
  });
}

test('cells: PyTorch parity (RNNCell tanh/relu, LSTMCell, GRUCell; bias, hx, unbatched)', () => {
  const cases = loadCases('cells.safetensors');
  assert.equal(cases.length, 32);
  for (const k of cases) {
    const c = k.config;
    const what = `cells ${k.name}`;
    const I = c.inputSize as number, H = c.hiddenSize as number, bias = c.bias as boolean;
    let m: RNNCellBase;
    if (c.mode === 'RNNCell') m = new RNNCell(I, H, { bias, nonlinearity: c.nonlinearity as 'tanh' | 'relu' });
    else if (c.mode === 'LSTMCell') m = new LSTMCell(I, H, { bias });
    else m = new GRUCell(I, H, { bias });
    const params: Record<string, Tensor> = {};
    for (const key of k.keys('param')) params[key] = k.get('param', key);
    m.loadStateDict(params);
    const x = leaf(k.get('input', 'input'));
    const h0 = k.has('input', 'h0') ? leaf(k.get('input', 'h0')) : null;
    const c0 = k.has('input', 'c0') ? leaf(k.get('input', 'c0')) : null;
    let outs: Tensor[];
    if (m instanceof LSTMCell) outs = m.forward(x, h0 && c0 ? [h0, c0] : null);
    else outs = [(m as RNNCell).forward(x, h0)];
    let loss: Tensor | null = null;
    outs.forEach((o, i) => {
      const name = ['h', 'c'][i]!;
      assertClose(o, k.get('output', name), `${what} ${name}`);
      const term = sum(mul(o, k.get('upstream', name)));
      loss = loss ? add(loss, term) : term;
    });
    loss!.backward();
    assertClose(x.grad!, k.get('grad', 'input'), `${what} grad input`);
    if (h0) assertClose(h0.grad!, k.get('grad', 'h0'), `${what} grad h0`);
    if (c0) assertClose(c0.grad!, k.get('grad', 'c0'), `${what} grad c0`);
    const named = Object.fromEntries(m.namedParameters());
    assert.deepEqual(Object.keys(named), c.paramOrder, `${what} parameter names, in PyTorch's order`);
    for (const key of k.keys('grad_param')) assertClose(named[key]!.grad!, k.get('grad_param', key), `${what} grad ${key}`);
  }
});

// ---------- finite differences of the fused op ----------

function fusedGradcheck(mode: RecurrentMode, options: { bidirectional: boolean; proj?: number; lengths?: number[]; batchFirst?: boolean }): void {
  manualSeed(11);
  const T = 4, B = 3, I = 2, H = 3, P = options.proj ?? H;
  const G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
  const D = options.bidirectional ? 2 : 1;
  const r = (shape: number[], s: number) => noGrad(() => mul(randn(shape), s)).requiresGrad_();
  const inputs: Tensor[] = [r(options.batchFirst ? [B, T, I] : [T, B, I], 1), r([D, B, P], 0.5)];
  if (mode === 'lstm') inputs.push(r([D, B, H], 0.5));
  const perDirection = options.proj ? 5 : 4;
  for (let d = 0; d < D; d++) {
    inputs.push(r([G * H, I], 0.5), r([G * H, P], 0.5), r([G * H], 0.3), r([G * H], 0.3));
    if (options.proj) inputs.push(r([P, H], 0.5));
  }
  const fn = (...args: Tensor[]): Tensor[] => {
    const [x, h0] = args;
    const c0 = mode === 'lstm' ? args[2]! : null;
    const rest = args.slice(mode === 'lstm' ? 3 : 2);
    const dirs: RecurrentWeights[] = [];
    for (let d = 0; d < D; d++) {
      const [weightIh, weightHh, biasIh, biasHh, weightHr] = rest.slice(d * perDirection, (d + 1) * perDirection);
      dirs.push({ weightIh: weightIh!, weightHh: weightHh!, biasIh, biasHh, weightHr: weightHr ?? null });
    }
    const res = recurrentLayer(mode, x!, dirs, h0!, c0, { lengths: options.lengths, batchFirst: options.batchFirst });
    return res.cN ? [res.output, res.hN, res.cN] : [res.output, res.hN];
  };
  gradcheck(fn, inputs, `${mode} ${JSON.stringify(options)}`);
}

test('fused recurrent op: finite-difference gradients (all modes, reverse, projection, lengths, batchFirst)', () => {
  fusedGradcheck('rnnTanh', { bidirectional: true });
  fusedGradcheck('rnnRelu', { bidirectional: false, lengths: [2, 4, 1] });
  fusedGradcheck('lstm', { bidirectional: true, lengths: [3, 1, 4], batchFirst: true });
  fusedGradcheck('lstm', { bidirectional: true, proj: 2 });
  fusedGradcheck('gru', { bidirectional: true, lengths: [4, 2, 3] });
});

test('padded steps never leak: outputs zero past each length, final state at its own last step', () => {
  manualSeed(3);
  const lstm = new LSTM(2, 3, { bidirectional: true });
  const x = randn([5, 2, 2]);
  // sequence 1 has length 2: same result as running it alone, cut to 2 steps
  const packed = packPaddedSequence(x, [5, 2], { enforceSorted: false });
  const [out, [hN, cN]] = lstm.forward(packed);
  const [padded] = padPackedSequence(out);
  const alone = x.narrow(1, 1, 1).narrow(0, 0, 2);
  const [outAlone, [hAlone, cAlone]] = lstm.forward(alone);
  assertClose(padded.narrow(1, 1, 1).narrow(0, 0, 2), outAlone, 'output of the short sequence');
  assert.deepEqual(Array.from(padded.narrow(1, 1, 1).narrow(0, 2, 3).dataSync()).every((v) => v === 0), true);
  assertClose(hN.narrow(1, 1, 1), hAlone, 'hN of the short sequence');
  assertClose(cN.narrow(1, 1, 1), cAlone, 'cN of the short sequence');
});

test('layers: shapes, names, repr, dropout between layers, errors', () => {
  manualSeed(0);
  const lstm = new LSTM(1, 32, { batchFirst: true });
  assert.equal(lstm.toString(), 'LSTM(1, 32, batch_first=True)');
  assert.deepEqual(Object.keys(lstm.stateDict()), ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  const bound = 1 / Math.sqrt(32);
  for (const p of lstm.parameters()) assert.ok(p.dataSync().every((v) => Math.abs(v) <= bound));
  const gru = new GRU(3, 4, { numLayers: 2, bidirectional: true });
  assert.deepEqual(Object.keys(gru.stateDict()).slice(0, 5), ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']);
  assert.deepEqual(gru.stateDict()['weight_ih_l1']!.shape, [12, 8]);
  const proj = new LSTM(3, 5, { projSize: 2, numLayers: 2 });
  assert.equal(proj.toString(), 'LSTM(3, 5, proj_size=2, num_layers=2)');
  assert.deepEqual(proj.stateDict()['weight_hr_l0']!.shape, [2, 5]);
  assert.deepEqual(proj.stateDict()['weight_ih_l1']!.shape, [20, 2]);
  const [o, [h, c]] = proj.forward(randn([6, 4, 3]));
  assert.deepEqual([o.shape, h.shape, c.shape], [[6, 4, 2], [2, 4, 2], [2, 4, 5]]);
  // dropout acts between layers in training mode only
  const rnn = new RNN(3, 4, { numLayers: 2, dropout: 0.5 });
  const x = randn([5, 2, 3]);
  rnn.eval();
  const a = rnn.forward(x)[0].dataSync(), b = rnn.forward(x)[0].dataSync();
  assert.deepEqual(a, b);
  rnn.train();
  assert.notDeepEqual(rnn.forward(x)[0].dataSync(), a);
  assert.throws(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' }), /Unknown nonlinearity/);
  assert.throws(() => new GRU(3, 4, { projSize: 2 } as object), /only supported for LSTM/);
  assert.throws(() => new LSTM(3, 4, { projSize: 4 }), /smaller than hiddenSize/);
  assert.throws(() => lstm.forward(randn([2, 5, 3])), /Expected 1, got 3/);
  assert.throws(() => lstm.forward(randn([2, 5, 1]), [randn([1, 3, 32]), randn([1, 3, 32])]), /Expected h0 size \[1, 2, 32\], got \[1, 3, 32\]/);
  assert.throws(() => lstm.forward(randn([5, 1]), [randn([1, 2, 32]), randn([1, 2, 32])]), /unbatched 2-D input, h0 should also be 2-D/);
});
