/**
 * Memory across epochs: trains SimpleCNN for a few epochs on an MNIST subset with no manual
 * disposal and prints the resident set size after each epoch. Flat numbers mean the graph and
 * its buffers are freed after every step. Run: node --import tsx bench/memory.ts [images] [epochs]
 */
import * as nb from '../src/node.js';
import { SimpleCNN } from '../src/models/cnn.js';

const images = Number(process.argv[2] ?? 4096);
const epochs = Number(process.argv[3] ?? 3);
nb.manualSeed(0);
const { transforms } = nb.data;
const full = new nb.data.datasets.MNIST({ train: true, transform: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]) });
const trainset = new nb.data.Subset(full, Array.from({ length: images }, (_, i) => i));
const loader = new nb.data.DataLoader(trainset, { batchSize: 64, shuffle: true });
const model = new SimpleCNN();
const criterion = new nb.nn.CrossEntropyLoss();
const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
console.log(`backend ${nb.getBackend().name}, ${images} images x ${epochs} epochs`);
console.log('epoch  rss MiB  peak rss MiB  heap MiB  external+arrayBuffers MiB  seconds');
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = performance.now();
  for (const [x, y] of loader) {
    optimizer.zeroGrad();
    criterion.call(model.call(x), y).backward();
    optimizer.step();
  }
  const m = process.memoryUsage();
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(`${String(epoch).padStart(5)}  ${mib(m.rss).padStart(7)}  ${mib(peak).padStart(12)}  ${mib(m.heapUsed).padStart(8)}  ${mib(m.external + m.arrayBuffers).padStart(25)}  ${((performance.now() - t0) / 1000).toFixed(1).padStart(7)}`);
}
