// maxPool2d keeps its winners' positions only when backward will need them: under noGrad (or for an
// input that needs no gradient) it allocates the values alone, with the same values as ever.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertClose } from '../helpers/compare.js';
import { randomArray, rng } from '../helpers/random.js';

const f32 = 4;

describe(`maxPool2d's indices (backend ${nb.getBackend().name})`, () => {
  const data = randomArray(2 * 3 * 9 * 8, rng(5));
  data[10] = NaN;

  for (const [label, options] of [['2x2', {}], ['3x3 stride 2 padded', { stride: 2, padding: 1 }]] as const) {
    it(`${label}: inference allocates only the values, and they are the values with indices`, () => {
      const x = nb.tensor(data, { shape: [2, 3, 9, 8] });
      const k = label === '2x2' ? 2 : 3;
      const { report, result } = nb.profile(() => nb.noGrad(() => nb.maxPool2d(x, k, options)));
      assert.equal(report.allocatedBytes, result.numel() * f32);
      assertClose(result, nb.maxPool2dWithIndices(x, k, options).values, { rtol: 0, atol: 0 });
      const pool = new nb.nn.MaxPool2d(k, options);
      const { report: moduleReport } = nb.profile(() => nb.noGrad(() => pool.call(x)));
      assert.equal(moduleReport.allocatedBytes, result.numel() * f32);
    });
  }

  it('keeps them when backward will need them, and the gradient is right', () => {
    const x = nb.tensor([1, 5, 2, 3, 9, 0, 4, 4, 7, 1, 8, 6, 0, 2, 3, 1], { shape: [1, 1, 4, 4], requiresGrad: true });
    const { report, result } = nb.profile(() => nb.maxPool2d(x, 2));
    assert.equal(report.allocatedBytes, 2 * result.numel() * f32);
    result.sum().backward();
    assert.deepEqual(Array.from(x.grad!.dataSync()), [0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });
});
