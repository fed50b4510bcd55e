import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('linalg', {
  matmul: ([a, b]) => nb.matmul(a, b),
  mm: ([a, b]) => nb.mm(a, b),
  bmm: ([a, b]) => nb.bmm(a, b),
  dot: ([a, b]) => nb.dot(a, b),
});
