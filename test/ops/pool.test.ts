import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('pool', {
  maxPool2d: ([x], a) => nb.maxPool2d(x, a.kernelSize, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode }),
  maxPool2dWithIndices: ([x], a) => {
    const { values, indices } = nb.maxPool2dWithIndices(x, a.kernelSize, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode });
    return [values, indices];
  },
  avgPool2d: ([x], a) => nb.avgPool2d(x, a.kernelSize, {
    stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad, divisorOverride: a.divisorOverride,
  }),
  maxPool1d: ([x], a) => nb.maxPool1d(x, a.kernelSize, { stride: a.stride, padding: a.padding, dilation: a.dilation, ceilMode: a.ceilMode }),
  avgPool1d: ([x], a) => nb.avgPool1d(x, a.kernelSize, { stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad }),
  adaptiveAvgPool2d: ([x], a) => nb.adaptiveAvgPool2d(x, a.outputSize),
});
