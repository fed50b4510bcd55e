// The playground's worker: every long job (training; BERT's download and inference) runs here, so the
// page stays responsive. Jobs report progress after each step and yield to the event loop between steps,
// so a `stop` message is seen.
import * as nb from 'nabla';
import { LeNet5, SimpleGRU, SimpleLSTM, SimpleRNN, bert, createSineWaveData } from 'nabla/models';
import type { BertCard, JobReport, JobRequest, WireStateDict } from './protocol.js';
import { loadMnistSubset, toInputs } from './mnist.js';

let stopRequested = false;

function post(report: JobReport, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(report, transfer);
}

const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function useThreads(n: number): Promise<void> {
  nb.setNumThreads(n);
  await nb.threadsReady();
}

function wireStateDict(model: nb.nn.Module): WireStateDict {
  const out: WireStateDict = {};
  for (const [k, t] of Object.entries(model.stateDict())) out[k] = { shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
  return out;
}

async function trainDigits(job: Extract<JobRequest, { type: 'digits' }>): Promise<void> {
  const data = await loadMnistSubset(job.assetBase);
  nb.manualSeed(0);
  const model = new LeNet5();
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: job.lr });
  const testX = toInputs(data.testImages, data.testCount);
  const testY = nb.Tensor.fromData(Int32Array.from(data.testLabels), [data.testCount], 'int32');
  const accuracy = (): number => nb.noGrad(() => nb.toDtype(nb.argmax(model.call(testX), 1).eq(testY), 'float32').mean().item());
  const perEpoch = Math.ceil(data.trainCount / job.batchSize);
  const steps = job.epochs * perEpoch;
  const gen = new nb.Generator(1);
  let step = 0;
  outer: for (let epoch = 0; epoch < job.epochs; epoch++) {
    const order = Array.from(nb.randperm(data.trainCount, { generator: gen }).dataSync(), Number);
    for (let b = 0; b < perEpoch; b++) {
      if (stopRequested) break outer;
      const idx = order.slice(b * job.batchSize, (b + 1) * job.batchSize);
      const images = new Uint8Array(idx.length * 784);
      idx.forEach((i, j) => images.set(data.trainImages.subarray(i * 784, (i + 1) * 784), j * 784));
      const x = toInputs(images, idx.length);
      const y = nb.Tensor.fromData(Int32Array.from(idx, (i) => data.trainLabels[i]!), [idx.length], 'int32');
      optimizer.zeroGrad();
      const loss = nb.F.crossEntropy(model.call(x), y);
      const value = loss.item();
      if (!Number.isFinite(value)) throw new Error(`digits: the loss became ${value} at step ${step + 1}; lower the learning rate`);
      loss.backward();
      optimizer.step();
      step++;
      const report = step % 10 === 0 || step === steps;
      post({ type: 'progress', job: 'digits', step, steps, loss: value, accuracy: report ? accuracy() : undefined });
      await yieldToEvents();
    }
  }
  post({ type: 'done', job: 'digits', stopped: stopRequested, stateDict: wireStateDict(model), accuracy: accuracy() });
}

async function trainSine(job: Extract<JobRequest, { type: 'sine' }>): Promise<void> {
  nb.manualSeed(0);
  const model = job.cell === 'lstm' ? new SimpleLSTM(1, job.hiddenSize, 1) : job.cell === 'gru' ? new SimpleGRU(1, job.hiddenSize, 1) : new SimpleRNN(1, job.hiddenSize, 1);
  const { X, y } = createSineWaveData(50, 200, new nb.Generator(0));
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: job.lr });
  const losses: number[] = [];
  for (let epoch = 0; epoch < job.epochs && !stopRequested; epoch++) {
    optimizer.zeroGrad();
    const out = model.call(X);
    const loss = nb.F.mseLoss(out, y);
    const value = loss.item();
    if (!Number.isFinite(value)) throw new Error(`sine: the loss became ${value} at epoch ${epoch + 1}; lower the learning rate`);
    loss.backward();
    optimizer.step();
    losses.push(value);
    const first = (t: nb.Tensor) => Array.from(t.select(0, 0).flatten().dataSync(), Number);
    post({ type: 'progress', job: 'sine', epoch: epoch + 1, epochs: job.epochs, loss: value, fit: { input: first(X), target: first(y), prediction: first(out.detach()) } });
    await yieldToEvents();
  }
  post({ type: 'done', job: 'sine', stopped: stopRequested, losses });
}

function trainWords(job: Extract<JobRequest, { type: 'word2vec' }>): void {
  const sentences = nb.embeddings.sentencesFromText(job.text);
  const vocab = nb.embeddings.buildVocab(sentences, job.minCount);
  const corpus = nb.embeddings.encodeCorpus(sentences, vocab);
  // Word2Vec trains in one synchronous call; the page stops it by ending this worker.
  const result = nb.embeddings.trainWord2Vec(corpus, vocab, { dim: job.dim, epochs: job.epochs, window: job.window, seed: 1, tableSize: 1e6, batchSize: 512 }, {
    reportEvery: 20,
    onProgress: (p) => post({ type: 'progress', job: 'word2vec', epoch: p.epoch + 1, epochs: job.epochs, fraction: p.epochWords / p.wordsPerEpoch, loss: p.loss, wordsPerSecond: p.wordsPerSecond }),
  });
  const kv = result.vectors;
  const vectors = Float32Array.from(kv.vectors);
  post({ type: 'done', job: 'word2vec', stopped: false, words: [...kv.words], vectors, dim: job.dim, counts: [...vocab.counts] }, [vectors.buffer]);
}

/** The files of a model directory, fetched with progress reports over their total size (from card.json). */
async function fetchModelFiles(base: string): Promise<bert.BertFiles> {
  const get = async (name: string) => {
    const response = await fetch(new URL(name, base));
    if (!response.ok) throw new Error(`fill-mask: fetching ${name} gave HTTP ${response.status}`);
    return response;
  };
  const card = (await (await get('card.json')).json()) as BertCard;
  const total = Object.values(card.files).reduce((a, b) => a + b, 0);
  let loaded = 0;
  const files: bert.BertFiles = {};
  for (const name of Object.keys(card.files)) {
    const reader = (await get(name)).body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      loaded += r.value.length;
      post({ type: 'progress', job: 'fill-mask', loaded, total });
    }
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((at, c) => (bytes.set(c, at), at + c.length), 0);
    files[name] = name.endsWith('.safetensors') ? bytes : new TextDecoder().decode(bytes);
  }
  return files;
}

// The masked-LM stays loaded between requests of the BERT page.
let maskedLm: { base: string; model: Promise<bert.BertForMaskedLM> } | null = null;

async function fillMaskJob(job: Extract<JobRequest, { type: 'fill-mask' }>): Promise<void> {
  const t0 = performance.now();
  const entry = maskedLm?.base === job.modelBase
    ? maskedLm
    : (maskedLm = { base: job.modelBase, model: fetchModelFiles(job.modelBase).then((files) => bert.BertForMaskedLM.fromFiles(files)) });
  let model: bert.BertForMaskedLM;
  try {
    model = await entry.model;
  } catch (e) {
    if (maskedLm === entry) maskedLm = null; // the next request fetches again
    throw e;
  }
  const t1 = performance.now();
  const masks = bert.fillMask(model, model.tokenizer!, job.text, { topK: job.topK })
    .map((candidates) => candidates.map(({ tokenStr, score, sequence }) => ({ tokenStr, score, sequence })));
  post({ type: 'done', job: 'fill-mask', stopped: false, masks, loadMs: t1 - t0, inferenceMs: performance.now() - t1 });
}

self.onmessage = async (event: MessageEvent<JobRequest>) => {
  const job = event.data;
  if (job.type === 'stop') {
    stopRequested = true;
    return;
  }
  stopRequested = false;
  try {
    await useThreads(job.threads);
    if (job.type === 'digits') await trainDigits(job);
    else if (job.type === 'sine') await trainSine(job);
    else if (job.type === 'fill-mask') await fillMaskJob(job);
    else trainWords(job);
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};

post({ type: 'ready', threads: nb.numThreads(), crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true });
