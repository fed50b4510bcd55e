/** Linear and Identity. */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { linear } from './functional.js';
import { resetWeightAndBias } from './layer-init.js';
import { pyBool } from './repr.js';

function checkFeatures(op: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${n}`);
}

/**
 * y = x W^T + b: weight [outFeatures, inFeatures], bias [outFeatures] (PyTorch's nn.Linear).
 *
 * @example
 * ```ts
 * const fc = new nn.Linear(784, 10);
 * fc.call(nb.randn([64, 784])).shape; // [64, 10]
 * Object.keys(fc.stateDict()); // ['weight', 'bias']
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    checkOptions('Linear', options, { bias: 'boolean' });
    checkFeatures('Linear', 'inFeatures', inFeatures);
    checkFeatures('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(Tensor.empty([outFeatures, inFeatures]));
    this.bias = options.bias ?? true ? new Parameter(Tensor.empty([outFeatures])) : null;
    this.resetParameters();
  }

  /** PyTorch's init: weight kaiming_uniform(a=√5), i.e. U(±1/√fanIn); bias U(±1/√fanIn). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** Returns its input unchanged (a placeholder, e.g. to remove a layer). Accepts and ignores constructor arguments, like PyTorch. */
export class Identity extends Module {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input;
  }
}
