/**
 * GFLOP/s of matmul and conv2d (forward and both backward passes) on the course CNN's shapes, for
 * each available backend. Run: npm run bench -- ops
 */
import * as nb from '../src/node.js';
import type { BenchRow } from './report.js';
import { timeIt } from './report.js';

interface Case { name: string; flops: number; run: () => void }

function matmulCases(): Case[] {
  const shapes: [string, number, number, number][] = [
    ['fc1 forward [64x3136]x[3136x512]', 64, 3136, 512],
    ['fc1 dX [64x512]x[512x3136]', 64, 512, 3136],
    ['conv2 im2col [12544x288]x[288x64]', 12544, 288, 64],
  ];
  const cases = shapes.map(([name, m, k, n]) => {
    const a = nb.randn([m, k]), b = nb.randn([k, n]);
    return { name: `matmul ${name}`, flops: 2 * m * k * n, run: () => { nb.matmul(a, b); } };
  });
  const a = nb.randn([64, 3136]), g = nb.randn([64, 512]);
  cases.push({ name: 'matmul fc1 dW [3136x64]x[64x512] (Aᵀ·B)', flops: 2 * 3136 * 64 * 512, run: () => { nb.matmul(a.t(), g); } });
  return cases;
}

function convCases(): Case[] {
  const specs: [string, number[], number[]][] = [
    ['conv1 1->32 3x3 pad 1 on [64,1,28,28]', [64, 1, 28, 28], [32, 1, 3, 3]],
    ['conv2 32->64 3x3 pad 1 on [64,32,14,14]', [64, 32, 14, 14], [64, 32, 3, 3]],
  ];
  const cases: Case[] = [];
  for (const [name, xs, ws] of specs) {
    const [n, c, h, w] = xs, [oc, , kh, kw] = ws;
    const flops = 2 * n * oc * h * w * c * kh * kw;
    const x = nb.randn(xs, { requiresGrad: true }), weight = nb.randn(ws, { requiresGrad: true });
    cases.push({ name: `conv2d forward ${name}`, flops, run: () => { nb.noGrad(() => nb.conv2d(x, weight, null, { padding: 1 })); } });
    const y = nb.conv2d(x, weight, null, { padding: 1 });
    const gy = nb.randnLike(y);
    cases.push({
      name: `conv2d backward (dX + dW) ${name}`, flops: 2 * flops,
      run: () => { x.grad = null; weight.grad = null; y.backward(gy, { retainGraph: true }); },
    });
  }
  return cases;
}

export async function benchOps(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of nb.listBackends()) {
    try { nb.setBackend(backend); } catch { continue; }
    for (const c of [...matmulCases(), ...convCases()]) {
      const seconds = timeIt(c.run, { minSeconds: 1, warmup: 1 });
      rows.push({ group: 'ops', name: c.name, system: `nabla ${backend}`, value: c.flops / seconds / 1e9, unit: 'GFLOP/s' });
    }
  }
  return rows;
}
