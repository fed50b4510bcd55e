// Runs in Chromium, bundled by memory.test.ts: bench/memory.ts's question in a browser. Trains a small
// CNN for several epochs with no manual disposal; after each epoch it asks the test to read this
// page's memory (POST /epoch) and waits for the answer, so the reading sees the loop at rest.
// `?retain=1` keeps every step's first activation alive: the leak the test must catch.
import * as nb from '../../src/index.js';
import { wasmKernels } from '../../src/backend/wasm/instance.js';

const EPOCHS = 8, STEPS = 15;

async function main(): Promise<void> {
  const report: Record<string, unknown> = { backend: nb.getBackend().name };
  const retain = new URLSearchParams(location.search).get('retain') === '1';
  const kept: nb.Tensor[] = [];
  try {
    nb.setNumThreads(2);
    report.threads = await nb.threadsReady();
    nb.manualSeed(0);
    const conv1 = new nb.nn.Conv2d(1, 16, 3, { padding: 1 });
    const rest = new nb.nn.Sequential(
      new nb.nn.ReLU(), new nb.nn.MaxPool2d(2),
      new nb.nn.Conv2d(16, 32, 3, { padding: 1 }), new nb.nn.ReLU(), new nb.nn.MaxPool2d(2),
      new nb.nn.Flatten(), new nb.nn.Linear(32 * 7 * 7, 10),
    );
    const optimizer = new nb.optim.SGD([...conv1.parameters(), ...rest.parameters()], { lr: 0.01, momentum: 0.9 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      let loss = 0;
      for (let step = 0; step < STEPS; step++) {
        const x = nb.randn([64, 1, 28, 28]), y = nb.randint(0, 10, [64]);
        optimizer.zeroGrad();
        const h = conv1.call(x);
        if (retain) kept.push(h);
        const l = nb.F.crossEntropy(rest.call(h), y);
        l.backward();
        optimizer.step();
        loss += l.item() / STEPS;
      }
      losses.push(loss);
      const wasmBytes = report.backend === 'wasm' ? wasmKernels().memory.buffer.byteLength : 0;
      await fetch('/epoch', { method: 'POST', body: JSON.stringify({ epoch, wasmBytes }) });
    }
    report.losses = losses;
    report.retained = kept.length;
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
  }
  await fetch('/result', { method: 'POST', body: JSON.stringify(report) });
}

void main();
