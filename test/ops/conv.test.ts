import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('conv', {
  conv2d: ([x, w, b], a) => nb.conv2d(x, w, b ?? null, { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups }),
  conv1d: ([x, w, b], a) => nb.conv1d(x, w, b ?? null, { stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups }),
});
