// A small training script as a course page would have it (bundled by bundle.test.ts): a 2-4-1 MLP
// learns XOR; the losses are posted to /result when the page runs it.
import * as nb from '../../src/index.js';
import { wasmFeatures } from '../../src/backend/wasm/instance.js';

nb.manualSeed(0);
const model = new nb.nn.Sequential(new nb.nn.Linear(2, 4), new nb.nn.Tanh(), new nb.nn.Linear(4, 1));
const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.5 });
const x = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y = nb.tensor([[0], [1], [1], [0]]);
const losses: number[] = [];
for (let step = 0; step < 200; step++) {
  optimizer.zeroGrad();
  const loss = nb.F.mseLoss(model.call(x), y);
  loss.backward();
  optimizer.step();
  losses.push(loss.item());
}
void fetch('/result', { method: 'POST', body: JSON.stringify({ backend: nb.getBackend().name, features: wasmFeatures(), losses }) });
