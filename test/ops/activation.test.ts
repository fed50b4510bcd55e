import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('activation', {
  softmax: ([x], a) => nb.softmax(x, a.dim),
  logSoftmax: ([x], a) => nb.logSoftmax(x, a.dim),
});
