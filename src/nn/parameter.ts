/** Parameter: a Tensor that a Module registers as learnable state (PyTorch's nn.Parameter). */
import { Tensor } from '../tensor/tensor.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/** A tensor that is a module's learnable weight: found by `parameters()` and requiring a gradient. */
export class Parameter extends Tensor {
  /**
   * Wraps `data` as a parameter sharing its storage (no copy), cut from any graph `data` belongs to.
   * Requires grad by default; pass `false` for frozen parameters (or non-float ones).
   */
  constructor(data: Tensor = Tensor.empty([0]), requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new Error(`Parameter: expected a Tensor, got ${data === null ? 'null' : typeof data}`);
    super(data.storage, [...data.shape], [...data.strides], data.offset, data.dtype);
    if (requiresGrad) this.requiresGrad = true;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
