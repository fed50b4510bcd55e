import * as nb from '../../src/index.js';
import { runFixtureFamily, type OpFn } from '../helpers/fixtures.js';

const withIndices = (f: typeof nb.max): OpFn => ([x], a) => {
  if (a.dim === undefined) return f(x);
  const { values, indices } = f(x, a.dim, a.keepdim);
  return [values, indices];
};

runFixtureFamily('reduce', {
  sum: ([x], a) => nb.sum(x, a.dim, a.keepdim),
  mean: ([x], a) => nb.mean(x, a.dim, a.keepdim),
  max: withIndices(nb.max),
  min: withIndices(nb.min),
  amax: ([x], a) => nb.amax(x, a.dim, a.keepdim),
  amin: ([x], a) => nb.amin(x, a.dim, a.keepdim),
  argmax: ([x], a) => nb.argmax(x, a.dim, a.keepdim),
  argmin: ([x], a) => nb.argmin(x, a.dim, a.keepdim),
  var: ([x], a) => nb.var(x, a.dim, { correction: a.correction, unbiased: a.unbiased, keepdim: a.keepdim }),
  std: ([x], a) => nb.std(x, a.dim, { correction: a.correction, unbiased: a.unbiased, keepdim: a.keepdim }),
  logsumexp: ([x], a) => nb.logsumexp(x, a.dim, a.keepdim),
  all: ([x]) => nb.all(x),
  any: ([x]) => nb.any(x),
});
