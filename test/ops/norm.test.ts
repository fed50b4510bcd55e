import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('norm', {
  layerNorm: (xs, a) => nb.layerNorm(xs[0], a.normalizedShape, a.weight ? xs[1] : null, a.bias ? xs[a.weight ? 2 : 1] : null, a.eps),
  /** Inputs [x, runningMean, runningVar, weight?, bias?]; empty running stats stand for null. Returns the running stats after the call too. */
  batchNorm: (xs, a) => {
    const [x, rm, rv] = xs;
    const stats = rm.numel() > 0;
    const weight = a.weight ? xs[3] : null;
    const bias = a.bias ? xs[a.weight ? 4 : 3] : null;
    const y = nb.batchNorm(x, stats ? rm : null, stats ? rv : null, {
      weight, bias, training: a.training, momentum: a.momentum, eps: a.eps, numBatchesTracked: a.numBatchesTracked,
    });
    return stats ? [y, rm, rv] : y;
  },
});
