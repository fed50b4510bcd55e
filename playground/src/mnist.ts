// The MNIST sample the Digits page trains on (playground/tools/make-mnist-subset.mjs writes it), and
// the course's preprocessing: ToTensor then Normalize((0.5,), (0.5,)).
import * as nb from 'nabla';

/** The sample's splits: labels and 28x28 byte images. */
export interface MnistSubset {
  trainCount: number;
  testCount: number;
  trainLabels: Uint8Array;
  trainImages: Uint8Array;
  testLabels: Uint8Array;
  testImages: Uint8Array;
}

/** Fetches and unpacks mnist-subset.bin.gz from `base` (a folder URL ending in /). */
export async function loadMnistSubset(base: string): Promise<MnistSubset> {
  const response = await fetch(new URL('mnist-subset.bin.gz', base));
  if (!response.ok || !response.body) throw new Error(`MNIST sample: fetching ${response.url} gave HTTP ${response.status}`);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'NBMN') throw new Error(`MNIST sample: expected the NBMN header, got ${JSON.stringify(magic)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const trainCount = view.getUint32(4, true), testCount = view.getUint32(8, true);
  const expected = 12 + (trainCount + testCount) * 785;
  if (bytes.length !== expected) throw new Error(`MNIST sample: ${bytes.length} bytes, the header promises ${expected}`);
  let at = 12;
  const take = (n: number) => bytes.subarray(at, (at += n));
  const trainLabels = take(trainCount), trainImages = take(trainCount * 784);
  const testLabels = take(testCount), testImages = take(testCount * 784);
  return { trainCount, testCount, trainLabels, trainImages, testLabels, testImages };
}

/** [n, 1, 28, 28] inputs from n byte images, normalised as the course does (pixels to [-1, 1]). */
export function toInputs(images: Uint8Array | Float32Array, n: number, scale = 255): nb.Tensor {
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = (images[i]! / scale - 0.5) / 0.5;
  return nb.Tensor.fromData(x, [n, 1, 28, 28], 'float32');
}
