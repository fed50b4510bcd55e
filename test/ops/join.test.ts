import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('join', {
  cat: (xs, a) => nb.cat(xs, a.dim),
  stack: (xs, a) => nb.stack(xs, a.dim),
});
