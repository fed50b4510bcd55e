/**
 * The course's CNNs for 28x28 single-channel images (MNIST, Fashion-MNIST): its SimpleCNN,
 * LeNet-5, an AlexNet-style net and VGG-style nets. Field names follow PyTorch's, so state dicts
 * carry the keys a PyTorch twin of each class would have.
 */
import { Tensor } from '../tensor/tensor.js';
import { relu } from '../ops/elementwise.js';
import * as nn from '../nn/index.js';
import { checkOptions, POSITIVE_INTEGER } from '../util/options.js';

/** SimpleCNN: conv(1→32) → pool → conv(32→64) → pool → fc(3136→512) → fc(512→10). */
export class SimpleCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  fc1 = new nn.Linear(64 * 7 * 7, 512);
  fc2 = new nn.Linear(512, 10);

  override forward(x: Tensor): Tensor {
    x = this.pool.forward(relu(this.conv1.forward(x)));
    x = this.pool.forward(relu(this.conv2.forward(x)));
    x = x.view(-1, 64 * 7 * 7);
    x = relu(this.fc1.forward(x));
    return this.fc2.forward(x);
  }
}

/** LeNet-5 (LeCun et al. 1998) with ReLU and max pooling; 28x28 input padded by 2 to the original 32x32 geometry. */
export class LeNet5 extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
  );
  classifier = new nn.Sequential(
    new nn.Linear(16 * 5 * 5, 120), new nn.ReLU(),
    new nn.Linear(120, 84), new nn.ReLU(),
    new nn.Linear(84, 10),
  );

  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

/** AlexNet's recipe (ReLU, overlapping-free max pooling, dropout in the classifier) scaled to 28x28 inputs. */
export class AlexNet extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), // 14x14
    new nn.Conv2d(64, 128, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), // 7x7
    new nn.Conv2d(128, 256, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(256, 192, 3, { padding: 1 }), new nn.ReLU(),
    new nn.Conv2d(192, 128, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), // 3x3
  );
  classifier: nn.Sequential;

  constructor({ numClasses = 10, dropout = 0.5 } = {}) {
    super();
    this.classifier = new nn.Sequential(
      new nn.Dropout(dropout), new nn.Linear(128 * 3 * 3, 1024), new nn.ReLU(),
      new nn.Dropout(dropout), new nn.Linear(1024, 1024), new nn.ReLU(),
      new nn.Linear(1024, numClasses),
    );
  }

  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

/** A VGG layout: channel counts for 3x3 convs, 'M' for a 2x2 max pool. */
export type VggConfig = (number | 'M')[];

/**
 * VGG-11 and VGG-16 layouts (Simonyan & Zisserman 2015, configurations A and D) for 28x28 inputs:
 * four of the five pools remain (28→14→7→3→1), so the last block runs at 1x1 and the classifier
 * sees 512 features.
 */
export const VGG_CONFIGS: Record<'vgg11' | 'vgg16', VggConfig> = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512],
};

/** Options of VGG: batch norm, dropout, input channels and classes. */
export interface VggOptions {
  numClasses?: number;
  batchNorm?: boolean;
  /** Divides every channel count, for a lighter net on a CPU (1 = the paper's widths). */
  widthDivisor?: number;
  dropout?: number;
}

/** VGG (Simonyan and Zisserman) for 28x28 inputs, from a layer configuration. */
export class VGG extends nn.Module {
  features: nn.Sequential;
  classifier: nn.Sequential;

  constructor(config: VggConfig, options: VggOptions = {}) {
    checkOptions('VGG', options, { numClasses: POSITIVE_INTEGER, batchNorm: 'boolean', widthDivisor: POSITIVE_INTEGER, dropout: 'number' }, { num_classes: 'numClasses', batch_norm: 'batchNorm' });
    const { numClasses = 10, batchNorm = false, widthDivisor = 1, dropout = 0.5 } = options;
    super();
    const layers: nn.Module[] = [];
    let channels = 1, size = 28;
    for (const item of config) {
      if (item === 'M') {
        layers.push(new nn.MaxPool2d(2, 2));
        size = Math.floor(size / 2);
        continue;
      }
      const out = Math.max(1, Math.round(item / widthDivisor));
      layers.push(new nn.Conv2d(channels, out, 3, { padding: 1 }));
      if (batchNorm) layers.push(new nn.BatchNorm2d(out));
      layers.push(new nn.ReLU());
      channels = out;
    }
    const hidden = Math.max(1, Math.round(512 / widthDivisor));
    this.features = new nn.Sequential(...layers);
    this.classifier = new nn.Sequential(
      new nn.Linear(channels * size * size, hidden), new nn.ReLU(), new nn.Dropout(dropout),
      new nn.Linear(hidden, hidden), new nn.ReLU(), new nn.Dropout(dropout),
      new nn.Linear(hidden, numClasses),
    );
  }

  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

/** The CNNs `nabla train cnn --model` knows, by name. */
export const CNN_MODELS = {
  simple: () => new SimpleCNN(),
  lenet: () => new LeNet5(),
  alexnet: () => new AlexNet(),
  vgg11: () => new VGG(VGG_CONFIGS.vgg11, { widthDivisor: 4 }),
  vgg16: () => new VGG(VGG_CONFIGS.vgg16, { widthDivisor: 4 }),
} as const;

/** A name of `CNN_MODELS`. */
export type CnnModelName = keyof typeof CNN_MODELS;
