/**
 * MNIST-style datasets held in memory (browser-safe): 8-bit images [N, rows, cols] and integer labels.
 * `MnistDataset.fromIdx(imageBytes, labelBytes)` builds one from IDX files' bytes (e.g. fetched in a
 * browser); the Node entry's `MNIST` and `FashionMNIST` read (and download) the files themselves.
 *
 * Items are `[image, label]`: without a transform the image is an int32 tensor [rows, cols] holding 0..255
 * (torchvision gives a PIL image; nabla has no uint8 dtype) and the label a number. With
 * `ToTensor()` the image is float32 [1, rows, cols] in [0, 1].
 *
 * getBatch gathers a whole batch at once: with no transform, or ToTensor followed by single-value Normalizes
 * (the usual MNIST recipe), the images of a batch go through a 256-entry lookup table made by running the
 * transform on every possible pixel value, so the result equals transforming each item; any other transform
 * is applied item by item.
 */
import { checkOptions } from '../../util/options.js';
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { parseIdx } from '../idx.js';
import { defaultCollate, type Collated } from '../collate.js';
import { Dataset, checkBatchIndices, checkIndex } from '../dataset.js';
import { pixelPlan, type PixelPlan } from '../pixel-plan.js';

/** torchvision's MNIST.classes. */
export const MNIST_CLASSES: readonly string[] = Object.freeze([
  '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine',
]);

/** torchvision's FashionMNIST.classes. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** The raw arrays behind an MNIST-style dataset. */
export interface MnistSource {
  /** Pixels 0..255, row-major [count, rows, cols]. */
  images: Uint8Array;
  /** One class index per image. */
  labels: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** Options shared by the MNIST-style datasets: transforms of the image and of the label. */
export interface MnistDatasetOptions<X = Tensor, Y = number> {
  /** Applied to each image (an int32 [rows, cols] tensor of 0..255), e.g. `Compose([ToTensor(), Normalize([0.5], [0.5])])`. */
  transform?: (image: Tensor) => X;
  /** Applied to each label (a number). */
  targetTransform?: (label: number) => Y;
  /** Class names (default: MNIST's digits). */
  classes?: readonly string[];
  /** Whether this is a training split (shown when printed; default true). */
  train?: boolean;
  /** Name shown when printed and in errors (default 'MNIST'). */
  name?: string;
}

/** Options of an MNIST-style dataset read from IDX files. */
export interface MnistFromIdxOptions<X = Tensor, Y = number> extends MnistDatasetOptions<X, Y> {
  /** Names of the two files, for error messages. */
  imagesName?: string;
  labelsName?: string;
}

/** Checks parsed IDX arrays have MNIST's layout: ubyte images [N, rows, cols] and ubyte labels [N]. */
export function mnistSourceFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, imagesName = 'images file', labelsName = 'labels file'): MnistSource {
  const images = parseIdx(imageBytes, imagesName);
  const labels = parseIdx(labelBytes, labelsName);
  if (!(images.data instanceof Uint8Array) || images.dims.length !== 3) {
    throw new Error(`IDX: ${imagesName} should hold unsigned bytes of shape [N, rows, cols], got [${images.dims.join(', ')}]`);
  }
  if (!(labels.data instanceof Uint8Array) || labels.dims.length !== 1) {
    throw new Error(`IDX: ${labelsName} should hold unsigned bytes of shape [N], got [${labels.dims.join(', ')}]`);
  }
  if (labels.dims[0] !== images.dims[0]) {
    throw new Error(`IDX: ${imagesName} holds ${images.dims[0]} images but ${labelsName} holds ${labels.dims[0]} labels`);
  }
  return { images: images.data, labels: labels.data, rows: images.dims[1], cols: images.dims[2] };
}

/** An MNIST-style dataset of [image, label] items held in memory (28x28 uint8 images, integer labels). */
export class MnistDataset<X = Tensor, Y = number> extends Dataset<[X, Y]> {
  /** Applied to each image; may be replaced at any time. */
  transform: ((image: Tensor) => X) | undefined;
  /** Applied to each label; may be replaced at any time. */
  targetTransform: ((label: number) => Y) | undefined;
  readonly classes: readonly string[];
  readonly train: boolean;
  readonly name: string;
  private pixels: Uint8Array;
  private labelData: Int32Array;
  private imageRows: number;
  private imageCols: number;
  private dataCache: Tensor | null = null;
  private targetsCache: Tensor | null = null;
  private planCache: { transform: unknown; plan: PixelPlan | null } | null = null;

  constructor(source: MnistSource, options: MnistDatasetOptions<X, Y> = {}) {
    super();
    checkOptions('MnistDataset', options, { transform: 'function', targetTransform: 'function', classes: 'any', train: 'boolean', name: 'string', imagesName: 'string', labelsName: 'string' });
    const { images, labels, rows, cols } = source;
    if (!(images instanceof Uint8Array)) throw new TypeError('MnistDataset: images must be a Uint8Array of pixels');
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0 || images.length % (rows * cols) !== 0) {
      throw new Error(`MnistDataset: ${images.length} pixels do not make whole ${rows}x${cols} images`);
    }
    if (labels.length !== images.length / (rows * cols)) {
      throw new Error(`MnistDataset: ${images.length / (rows * cols)} images but ${labels.length} labels`);
    }
    this.pixels = images;
    this.labelData = Int32Array.from(labels);
    this.imageRows = rows;
    this.imageCols = cols;
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    this.classes = options.classes ?? MNIST_CLASSES;
    this.train = options.train ?? true;
    this.name = options.name ?? 'MNIST';
  }

  /** A dataset from the bytes of an images IDX file and a labels IDX file (not gzipped). */
  static fromIdx<X = Tensor, Y = number>(imageBytes: Uint8Array, labelBytes: Uint8Array, options: MnistFromIdxOptions<X, Y> = {}): MnistDataset<X, Y> {
    checkOptions('MnistDataset.fromIdx', options, { transform: 'function', targetTransform: 'function', classes: 'any', train: 'boolean', name: 'string', imagesName: 'string', labelsName: 'string' });
    return new MnistDataset<X, Y>(mnistSourceFromIdx(imageBytes, labelBytes, options.imagesName, options.labelsName), options);
  }

  get length(): number {
    const n = this.pixels.length / (this.imageRows * this.imageCols);
    if (n !== this.labelData.length) {
      throw new Error(`${this.name}: data holds ${n} images but targets holds ${this.labelData.length} labels; give both the same length`);
    }
    return n;
  }

  /** Image size: [rows, cols] (28 x 28 for MNIST). */
  get imageSize(): [number, number] {
    return [this.imageRows, this.imageCols];
  }

  /** `{ '0 - zero': 0, ... }`, like torchvision's class_to_idx. */
  get classToIdx(): Record<string, number> {
    return Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  /** The raw pixels, row-major [N, rows, cols] (shared, not copied: do not modify). */
  get rawImages(): Uint8Array {
    return this.pixels;
  }

  /**
   * All images as an int32 tensor [N, rows, cols] of 0..255, like torchvision's `data` (made on first use:
   * 4 bytes per pixel, 188 MB for MNIST's training set). A copy: to change the images assign `data`.
   */
  get data(): Tensor {
    if (this.dataCache === null) {
      this.dataCache = Tensor.fromData(Int32Array.from(this.pixels), [this.pixels.length / (this.imageRows * this.imageCols), this.imageRows, this.imageCols], 'int32');
    }
    return this.dataCache;
  }

  /** Replaces the images with a [N, rows, cols] tensor of integers 0..255 (e.g. a filtered subset, with targets to match). */
  set data(images: Tensor) {
    if (!(images instanceof Tensor) || images.ndim !== 3) {
      throw new Error(`${this.name}: data must be a tensor of shape [N, rows, cols], got ${images instanceof Tensor ? formatShape(images.shape) : typeof images}`);
    }
    const values = images.contiguousData();
    const pixels = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v >= 0 && v <= 255 && Number.isInteger(v))) throw new Error(`${this.name}: data must hold integers 0..255, found ${v}`);
      pixels[i] = v;
    }
    this.pixels = pixels;
    this.imageRows = images.shape[1];
    this.imageCols = images.shape[2];
    this.dataCache = null;
  }

  /** The labels as an int32 tensor [N] (shares memory with the dataset: writes to it change the labels). */
  get targets(): Tensor {
    if (this.targetsCache === null) this.targetsCache = Tensor.fromData(this.labelData, [this.labelData.length], 'int32');
    return this.targetsCache;
  }

  /** Replaces the labels with a 1-D integer tensor (or an array of numbers). */
  set targets(labels: Tensor | ArrayLike<number>) {
    const values = labels instanceof Tensor ? labels.contiguousData() : labels;
    if (labels instanceof Tensor && labels.ndim !== 1) throw new Error(`${this.name}: targets must be 1-D, got shape ${formatShape(labels.shape)}`);
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i])) throw new Error(`${this.name}: targets must be integers, found ${values[i]}`);
      out[i] = values[i];
    }
    this.labelData = out;
    this.targetsCache = null;
  }

  /** The untransformed image i: an int32 tensor [rows, cols] holding 0..255. */
  rawImage(index: number): Tensor {
    const i = checkIndex(index, this.length, this.name);
    const size = this.imageRows * this.imageCols;
    return Tensor.fromData(Int32Array.from(this.pixels.subarray(i * size, (i + 1) * size)), [this.imageRows, this.imageCols], 'int32');
  }

  getItem(index: number): [X, Y] {
    const i = checkIndex(index, this.length, this.name);
    const image = this.rawImage(i);
    const label = this.labelData[i];
    const x = this.transform ? this.transform(image) : (image as unknown as X);
    const y = this.targetTransform ? this.targetTransform(label) : (label as unknown as Y);
    return [x, y];
  }

  private plan(): PixelPlan | null {
    const transform = this.transform;
    if (this.planCache === null || this.planCache.transform !== transform) {
      this.planCache = { transform, plan: pixelPlan(transform as ((image: Tensor) => unknown) | undefined) };
    }
    return this.planCache.plan;
  }

  /**
   * Items at `indices`, collated: `[images, labels]`, equal to `defaultCollate(indices.map(getItem))`.
   * For the usual transforms, images are [B, 1, rows, cols] float32 (or [B, rows, cols] int32 with no
   * transform) and labels [B] int32, made with one allocation each.
   */
  getBatch(indices: Int32Array): Collated<[X, Y]> {
    const n = this.length;
    checkBatchIndices(indices, n, this.name);
    const plan = this.plan();
    const b = indices.length;
    if (plan === null || b === 0) {
      const items = new Array<[X, Y]>(b);
      for (let j = 0; j < b; j++) items[j] = this.getItem(indices[j]);
      return defaultCollate(items);
    }
    const rows = this.imageRows;
    const cols = this.imageCols;
    const size = rows * cols;
    const src = this.pixels;
    let images: Tensor;
    if (plan.kind === 'identity') {
      const out = new Int32Array(b * size);
      for (let j = 0; j < b; j++) {
        const s = indices[j] * size;
        const d = j * size;
        for (let k = 0; k < size; k++) out[d + k] = src[s + k];
      }
      images = Tensor.fromData(out, [b, rows, cols], 'int32');
    } else {
      const table = plan.table;
      const out = new Float32Array(b * size);
      for (let j = 0; j < b; j++) {
        const s = indices[j] * size;
        const d = j * size;
        for (let k = 0; k < size; k++) out[d + k] = table[src[s + k]];
      }
      images = Tensor.fromData(out, [b, 1, rows, cols], 'float32');
    }
    let labels: unknown;
    if (this.targetTransform) {
      const tt = this.targetTransform;
      labels = defaultCollate(Array.from(indices, (i) => tt(this.labelData[i])));
    } else {
      const out = new Int32Array(b);
      for (let j = 0; j < b; j++) out[j] = this.labelData[indices[j]];
      labels = Tensor.fromData(out, [b], 'int32');
    }
    return [images, labels] as unknown as Collated<[X, Y]>;
  }

  override toString(): string {
    const lines = [
      `Dataset ${this.name}`,
      `    Number of datapoints: ${this.length}`,
      ...this.describeLocation(),
      `    Split: ${this.train ? 'Train' : 'Test'}`,
    ];
    if (this.transform) lines.push(`    Transform: ${String(this.transform).replace(/\n/g, '\n    ')}`);
    if (this.targetTransform) lines.push(`    Target transform: ${String(this.targetTransform).replace(/\n/g, '\n    ')}`);
    return lines.join('\n');
  }

  /** Extra lines for toString (the Node datasets add the root folder). */
  protected describeLocation(): string[] {
    return [];
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
