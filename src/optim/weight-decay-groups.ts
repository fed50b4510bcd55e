/**
 * The two parameter groups BERT is trained with (Hugging Face's examples and Trainer): weight decay on
 * the weight matrices, none on biases and LayerNorm weights.
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions } from '../util/options.js';

/** Options of `weightDecayGroups`: the decay of the decayed group and the name parts that exempt a parameter. */
export interface WeightDecayGroupsOptions {
  /** The decay of the first group (default 0.01, as BERT). */
  weightDecay?: number;
  /** A parameter whose name contains one of these gets no decay (default HF's `['bias', 'LayerNorm.weight']`). */
  noDecay?: readonly string[];
}

/**
 * `[{ params: decayed, weightDecay }, { params: rest, weightDecay: 0 }]` from `model.namedParameters()`,
 * in the order given (HF's `optimizer_grouped_parameters`). A group left empty is dropped, since an
 * optimiser refuses an empty one.
 */
export function weightDecayGroups(
  namedParameters: Iterable<readonly [string, Tensor]>,
  options: WeightDecayGroupsOptions = {},
): { params: Tensor[]; weightDecay: number }[] {
  checkOptions('weightDecayGroups', options, {
    weightDecay: 'number',
    noDecay: { test: (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string'), expected: 'an array of name parts' },
  });
  const weightDecay = options.weightDecay ?? 0.01;
  const noDecay = options.noDecay ?? ['bias', 'LayerNorm.weight'];
  if (!(weightDecay >= 0)) throw new RangeError(`weightDecayGroups: weightDecay must be >= 0, got ${weightDecay}`);
  const decayed: Tensor[] = [];
  const rest: Tensor[] = [];
  for (const [name, p] of namedParameters) (noDecay.some((nd) => name.includes(nd)) ? rest : decayed).push(p);
  return [
    { params: decayed, weightDecay },
    { params: rest, weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
}
