// Compiled (not run) by test/nn/sequential-types.test.ts: Sequential's call and forward are typed.
import * as nb from '../../../src/index.js';

const seq = new nb.nn.Sequential(new nb.nn.Linear(4, 3), new nb.nn.ReLU());
export const y: nb.Tensor = seq.call(nb.zeros([2, 4]));
// @ts-expect-error the output is a Tensor, not any
export const notAString: string = seq.call(nb.zeros([2, 4]));
// @ts-expect-error the input is a Tensor
seq.call('not a tensor');
