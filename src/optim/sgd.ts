/** Stochastic gradient descent with optional momentum / Nesterov, as torch.optim.SGD (1.13). */
import { Tensor } from '../tensor/tensor.js';
import { checkBoolean, checkNonNegative, Optimizer, optimizerOptions, stateBuffer, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';
import type { RowSparseTensor } from '../autograd/sparse.js';
import { sgdUpdate, type SgdUpdate } from '../ops/sgd.js';

/** SGD's hyper-parameters, as its op takes them. */
export type SGDHyper = SgdUpdate;

/** `lr` has no default (as in PyTorch): give it here or in every param group. */
export type SGDOptions = Partial<SGDHyper>;

/**
 * With g the gradient (negated if `maximize`), plus `weightDecay * p` when weight decay is set:
 * `buf = g` on the first step, then `buf = momentum * buf + (1 - dampening) * g`;
 * the step direction is `g + momentum * buf` (Nesterov) or `buf`; `p -= lr * direction`.
 * State: `momentumBuffer` (null while momentum is 0, as PyTorch's None).
 * A row-sparse gradient (nn.Embedding with sparse: true) updates only its rows when momentum and
 * weight decay are 0; otherwise it is applied densely (the same numbers as a dense gradient).
 *
 * @example
 * ```ts
 * const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * optimizer.zeroGrad();
 * criterion.call(model.call(x), y).backward();
 * optimizer.step();
 * ```
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: ParamsInput<SGDHyper>, lrOrOptions: SGDOptions | number = {}) {
    const options = optimizerOptions('SGD', lrOrOptions, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize']);
    super(params, {
      lr: options.lr as number, // may be undefined: then every group must set it
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateHyper(h: Partial<SGDHyper>, partial: boolean): void {
    if (!(partial && h.lr === undefined)) checkNonNegative('SGD', 'lr', 'learning rate', h.lr);
    checkNonNegative('SGD', 'momentum', 'momentum value', h.momentum);
    checkNonNegative('SGD', 'weightDecay', 'weight_decay value', h.weightDecay);
    if (typeof h.dampening !== 'number') throw new TypeError(`SGD: dampening must be a number, got ${typeof h.dampening}`);
    checkBoolean('SGD', 'nesterov', h.nesterov);
    checkBoolean('SGD', 'maximize', h.maximize);
    if (h.nesterov && (h.momentum! <= 0 || h.dampening !== 0)) throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
  }

  protected updateParam(group: ParamGroup<SGDHyper>, state: ParamState, p: Float32Array, po: number, g: Float32Array, go: number, n: number, param: Tensor): void {
    let buf: Float32Array | null = null;
    let first = false;
    if (group.momentum === 0) {
      if (state.momentumBuffer === undefined) state.momentumBuffer = null;
    } else {
      const existing = state.momentumBuffer;
      if (existing instanceof Tensor) buf = existing.storage.data as Float32Array;
      else {
        const created = stateBuffer(param);
        state.momentumBuffer = created;
        buf = created.storage.data as Float32Array;
        first = true;
      }
    }
    sgdUpdate(p, po, g, go, n, buf, first, group);
  }

  protected override updateSparse(group: ParamGroup<SGDHyper>, state: ParamState, p: Float32Array, po: number, grad: RowSparseTensor): boolean {
    if (group.momentum !== 0 || group.weightDecay !== 0) return false;
    if (state.momentumBuffer === undefined) state.momentumBuffer = null;
    grad.addRowsInto(p, po, group.maximize ? group.lr : -group.lr);
    return true;
  }
}
