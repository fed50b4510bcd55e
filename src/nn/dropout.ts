/** Dropout: active in training mode, the identity in eval mode. */
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { dropout } from '../ops/dropout.js';
import { pyBool, pyFloat } from './repr.js';

/** Zeroes each element with probability p during training and scales the rest by 1/(1-p). */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace = false;

  constructor(p = 0.5) {
    super();
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new Error(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
