// Digits: draw on a canvas, see LeNet-5's class probabilities live (weights trained by the CLI, see
// playground/README.md), or train a LeNet-5 here on an MNIST sample in the worker.
import * as nb from 'nabla';
import { LeNet5 } from 'nabla/models';
import { linePlotSvg } from 'nabla/plot';
import { h, jobThreads, showSvg, type Page } from '../dom.js';
import { toInputs } from '../mnist.js';
import { Trainer } from '../trainer.js';
import type { WireStateDict } from '../protocol.js';
import { marks } from '../timing.js';

const SIZE = 280;

/** The ink as a 28x28 MNIST-style image: its bounding box scaled to 20 px and centred by mass. */
function toMnist(canvas: HTMLCanvasElement): Float32Array | null {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const { data } = ctx.getImageData(0, 0, SIZE, SIZE);
  let x0 = SIZE, y0 = SIZE, x1 = -1, y1 = -1;
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    if (data[(y * SIZE + x) * 4]! > 20) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  if (x1 < 0) return null;
  const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = 20 / side;
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sctx = small.getContext('2d', { willReadFrequently: true })!;
  sctx.fillStyle = 'black';
  sctx.fillRect(0, 0, 28, 28);
  const w = (x1 - x0 + 1) * scale, hh = (y1 - y0 + 1) * scale;
  sctx.drawImage(canvas, x0, y0, x1 - x0 + 1, y1 - y0 + 1, (28 - w) / 2, (28 - hh) / 2, w, hh);
  const px = sctx.getImageData(0, 0, 28, 28).data;
  const img = new Float32Array(784);
  let mass = 0, cx = 0, cy = 0;
  for (let i = 0; i < 784; i++) { img[i] = px[i * 4]!; mass += img[i]!; cx += (i % 28) * img[i]!; cy += Math.floor(i / 28) * img[i]!; }
  // MNIST centres each digit by its centre of mass
  const dx = Math.round(13.5 - cx / mass), dy = Math.round(13.5 - cy / mass);
  const shifted = new Float32Array(784);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const sx = x - dx, sy = y - dy;
    if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) shifted[y * 28 + x] = img[sy * 28 + sx]!;
  }
  return shifted;
}

function fromWire(sd: WireStateDict): Record<string, nb.Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, nb.Tensor.fromData(t.data, t.shape, 'float32')]));
}

/** The Digits page. */
export function digitsPage(): Page {
  const trainer = new Trainer();
  return {
    id: 'digits',
    title: 'Digits',
    async mount(root) {
      const canvas = h('canvas', { id: 'digit-canvas', width: String(SIZE), height: String(SIZE), 'aria-label': 'draw a digit here' });
      const bars = h('div', { id: 'probs', class: 'bars' });
      const top = h('p', { id: 'top-class', class: 'big' }, '–');
      const source = h('select', { id: 'model-source' }, h('option', { value: 'shipped' }, 'LeNet-5 trained by the CLI'));
      const clear = h('button', { id: 'clear' }, 'Clear');
      const train = h('button', { id: 'train-digits' }, 'Train it here');
      const stop = h('button', { id: 'stop-digits', disabled: '' }, 'Stop');
      const status = h('p', { id: 'digits-status', class: 'status' }, 'Loading the weights…');
      const curves = h('div', { id: 'digits-curves', class: 'chart' });
      root.append(
        h('p', {}, 'Draw a digit (0-9) with the mouse or a finger. LeNet-5 reads it on every stroke.'),
        h('div', { class: 'row' }, h('div', {}, canvas, h('div', {}, clear, ' ', source)), h('div', { class: 'grow' }, top, bars)),
        h('h3', {}, 'Train a LeNet-5 here'),
        h('p', {}, 'One pass over 3000 MNIST training images in a Web Worker (batch 32, Adam, lr 0.002); accuracy on 500 test images every 10 steps.'),
        h('div', {}, train, ' ', stop), status, curves,
      );

      const models: Record<string, nb.nn.Module> = {};
      const response = await fetch(new URL('lenet.safetensors', location.href));
      if (!response.ok) throw new Error(`Digits: fetching lenet.safetensors gave HTTP ${response.status}`);
      const shipped = new LeNet5();
      shipped.loadStateDict(nb.deserialize(new Uint8Array(await response.arrayBuffer())).tensors);
      shipped.eval();
      models.shipped = shipped;

      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      const blank = () => { ctx.fillStyle = 'black'; ctx.fillRect(0, 0, SIZE, SIZE); };
      blank();
      for (let d = 0; d < 10; d++) bars.append(h('div', { class: 'bar' }, h('span', { class: 'label' }, String(d)), h('span', { class: 'fill', style: 'width:0%' }), h('span', { class: 'pct' }, '')));

      const predict = () => {
        const img = toMnist(canvas);
        const model = models[source.value]!;
        const probs = img ? nb.noGrad(() => nb.softmax(model.call(toInputs(img, 1)), 1).dataSync()) : new Float32Array(10);
        let best = 0;
        for (let d = 0; d < 10; d++) {
          if (probs[d]! > probs[best]!) best = d;
          const bar = bars.children[d] as HTMLElement;
          (bar.querySelector('.fill') as HTMLElement).style.width = `${(probs[d]! * 100).toFixed(1)}%`;
          bar.querySelector('.pct')!.textContent = img ? `${(probs[d]! * 100).toFixed(1)}%` : '';
        }
        top.textContent = img ? String(best) : '–';
        top.dataset.probability = img ? String(probs[best]) : '';
      };
      // a first prediction on the blank canvas: the time to a ready model
      nb.noGrad(() => shipped.call(nb.zeros([1, 1, 28, 28])));
      marks.firstPrediction ??= performance.now();
      status.textContent = `Ready: weights loaded and a first prediction made ${marks.firstPrediction.toFixed(0)} ms after the page opened.`;

      let drawing = false, pending = false;
      const schedule = () => {
        if (pending) return;
        pending = true;
        requestAnimationFrame(() => { pending = false; predict(); });
      };
      const at = (e: PointerEvent) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * SIZE / r.width, (e.clientY - r.top) * SIZE / r.height] as const; };
      canvas.addEventListener('pointerdown', (e) => {
        drawing = true;
        canvas.setPointerCapture(e.pointerId);
        const [x, y] = at(e);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x, y);
        ctx.strokeStyle = 'white'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.stroke();
        schedule();
      });
      canvas.addEventListener('pointermove', (e) => {
        if (!drawing) return;
        const [x, y] = at(e);
        ctx.lineTo(x, y); ctx.stroke();
        schedule();
      });
      const end = () => { drawing = false; schedule(); };
      canvas.addEventListener('pointerup', end);
      canvas.addEventListener('pointercancel', end);
      clear.addEventListener('click', () => { blank(); predict(); });
      source.addEventListener('change', predict);

      train.addEventListener('click', () => {
        const losses: number[] = [], accSteps: number[] = [], accs: number[] = [];
        train.disabled = true; stop.disabled = false;
        status.textContent = 'Loading the MNIST sample…';
        trainer.run({ type: 'digits', assetBase: location.href, epochs: 1, batchSize: 32, lr: 0.002, threads: jobThreads() }, (r) => {
          if (r.type === 'progress' && r.job === 'digits') {
            losses.push(r.loss);
            if (r.accuracy !== undefined) { accSteps.push(r.step); accs.push(r.accuracy); }
            status.textContent = `step ${r.step}/${r.steps}  loss ${r.loss.toFixed(3)}${accs.length ? `  test accuracy ${(accs.at(-1)! * 100).toFixed(1)}%` : ''}`;
            showSvg(curves, linePlotSvg({
              series: [{ label: 'training loss', values: losses, x: losses.map((_, i) => i + 1) }, { label: 'test accuracy', values: accs, x: accSteps }],
              title: 'Training LeNet-5 in the browser', xLabel: 'step', width: 640, height: 300,
            }));
          } else if (r.type === 'done' && r.job === 'digits') {
            const mine = new LeNet5();
            mine.loadStateDict(fromWire(r.stateDict));
            mine.eval();
            models.mine = mine;
            if (!source.querySelector('option[value=mine]')) source.append(h('option', { value: 'mine' }, 'LeNet-5 trained here'));
            source.value = 'mine';
            status.textContent = `${r.stopped ? 'Stopped' : 'Done'}: test accuracy ${(r.accuracy * 100).toFixed(1)}%; the canvas now reads with the model trained here.`;
            train.disabled = false; stop.disabled = true;
            predict();
          } else if (r.type === 'error') {
            status.textContent = `Error: ${r.message}`;
            train.disabled = false; stop.disabled = true;
          }
        });
      });
      stop.addEventListener('click', () => trainer.stop());
    },
    unmount() {
      trainer.stop(true);
    },
  };
}
