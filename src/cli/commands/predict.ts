/** `nabla predict`: class probabilities for one digit image (PNG, 28x28, white digit on black like MNIST). */
import { readFileSync } from 'node:fs';
import * as nb from '../../node.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { decodePng, readPngSize } from '../../plot/png.js';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES } from '../../data/datasets/mnist-base.js';
import { createModel, defaultWeightsPath, MODEL_NAMES } from './cnn-common.js';
import type { Tensor } from '../../tensor/tensor.js';

const flags = {
  weights: { type: 'string', help: 'weights written by `nabla train cnn` (default: where it writes them, runs/cnn-<model>.safetensors)', value: 'FILE' },
  model: { type: 'string', help: 'architecture (default: the one recorded in the weights file)', choices: MODEL_NAMES },
  invert: { type: 'boolean', help: 'the image is a dark digit on a light background (MNIST is light on dark)' },
  json: { type: 'boolean', help: 'print the probabilities as JSON' },
} satisfies FlagSpecs;

const usage = 'nabla predict [--weights FILE] [--invert] [--json] IMAGE.png';

/** Greyscale [1, 1, 28, 28] input, normalised like training (ToTensor + Normalize(0.5, 0.5)). */
export function imageToInput(bytes: Uint8Array, name: string, invert: boolean): Tensor {
  // The size comes from the header, so a huge image is refused before it is inflated.
  const { width, height } = readPngSize(bytes, name);
  if (width !== 28 || height !== 28) {
    throw new Error(`predict: ${name} is ${width}x${height}; the model takes 28x28 images like MNIST (resize it first)`);
  }
  const image = decodePng(bytes, name);
  const pixels = new Float32Array(28 * 28);
  const c = image.channels;
  for (let i = 0; i < pixels.length; i++) {
    const px = image.data.subarray(i * c, i * c + c);
    // luminance, composited over the background (black for MNIST-style images, white with --invert)
    const luminance = (c >= 3 ? 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2] : px[0]) / 255;
    const alpha = c === 2 ? px[1] / 255 : c === 4 ? px[3] / 255 : 1;
    const composited = luminance * alpha + (invert ? 1 - alpha : 0);
    pixels[i] = ((invert ? 1 - composited : composited) - 0.5) / 0.5;
  }
  return nb.tensor(pixels, { shape: [1, 1, 28, 28] });
}

export const command = defineCommand({
  name: 'predict',
  summary: 'class probabilities of a 28x28 digit image (PNG)',
  description: 'Classify one 28x28 PNG digit with trained CNN weights.',
  usage,
  positionals: 'IMAGE.png',
  flags,
  run(args) {
    if (args._.length !== 1) throw new UsageError('give exactly one image file');
    const weights = args.weights ?? defaultWeightsPath(args.model ?? 'simple');
    const { tensors, metadata } = nb.loadWithMetadata(weights);
    const model = createModel(args.model ?? metadata.model ?? 'simple');
    model.loadStateDict(tensors);
    model.eval();
    const input = imageToInput(readFileSync(args._[0]), args._[0], args.invert);
    const probabilities = nb.noGrad(() => nb.softmax(model.forward(input) as Tensor, 1)).dataSync();
    const classes = metadata.dataset === 'fashion-mnist' ? FASHION_MNIST_CLASSES : MNIST_CLASSES;
    const ranked = Array.from(probabilities, (p, i) => ({ class: i, label: classes[i] ?? String(i), probability: p })).sort((a, b) => b.probability - a.probability);
    if (args.json) console.log(JSON.stringify({ prediction: ranked[0].class, probabilities: Array.from(probabilities) }));
    else {
      console.log(`prediction: ${ranked[0].label} (${(100 * ranked[0].probability).toFixed(1)}%)`);
      for (const r of ranked) console.log(`  ${r.label.padEnd(12)} ${(100 * r.probability).toFixed(2).padStart(6)}%`);
    }
    return 0;
  },
});
