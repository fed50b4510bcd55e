import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('indexing', {
  indexSelect: ([x, index], a) => nb.indexSelect(x, a.dim, index),
  gather: ([x, index], a) => nb.gather(x, a.dim, index),
  scatter: ([x, index, src], a) => nb.scatter(x, a.dim, index, src),
  scatterScalar: ([x, index], a) => nb.scatter(x, a.dim, index, a.value),
  scatterAdd: ([x, index, src], a) => nb.scatterAdd(x, a.dim, index, src),
  maskedFill: ([x, mask], a) => nb.maskedFill(x, mask, a.value),
  embedding: ([indices, weight]) => nb.embedding(indices, weight),
});
