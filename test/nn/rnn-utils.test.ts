/** packPaddedSequence / padPackedSequence / padSequence / packSequence against PyTorch's layouts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import type { Tensor } from '../../src/index.js';
import { assertClose, PARITY } from '../helpers/compare.js';

const { nn } = nb;
const file = fileURLToPath(new URL('../fixtures/rnn/utils.safetensors', import.meta.url));
const { tensors, metadata } = nb.loadWithMetadata(file);
const get = (c: string, kind: string, key: string): Tensor => {
  const t = tensors[`${c}:${kind}:${key}`];
  assert.ok(t, `utils fixture: no ${c}:${kind}:${key}`);
  return t;
};
const ints = (t: Tensor | null): number[] => (t ? Array.from(t.dataSync()) : []);

test('padSequence matches torch.nn.utils.rnn.pad_sequence (both layouts, paddingValue)', () => {
  for (const batchFirst of [false, true]) {
    const c = `pad_sequence_${batchFirst ? 'bf' : 'tm'}`;
    assert.ok(metadata[c]);
    const seqs = [0, 1, 2].map((i) => get(c, 'input', `seq${i}`));
    assertClose(nn.padSequence(seqs, { batchFirst, paddingValue: -1.5 }), get(c, 'output', 'padded'), PARITY, c);
  }
});

test('packSequence / padPackedSequence match PyTorch (sorted and unsorted, totalLength, batchFirst)', () => {
  for (const enforceSorted of [false, true]) {
    const c = `pack_sequence_${enforceSorted ? 'sorted' : 'unsorted'}`;
    const seqs = [0, 1, 2].map((i) => get(c, 'input', `seq${i}`));
    const packed = nn.packSequence(seqs, { enforceSorted });
    assertClose(packed.data, get(c, 'output', 'data'), PARITY, `${c} data`);
    assert.deepEqual(ints(packed.batchSizes), ints(get(c, 'output', 'batch_sizes')));
    if (enforceSorted) assert.equal(packed.sortedIndices, null);
    else {
      assert.deepEqual(ints(packed.sortedIndices), ints(get(c, 'output', 'sorted_indices')));
      assert.deepEqual(ints(packed.unsortedIndices), ints(get(c, 'output', 'unsorted_indices')));
    }
    for (const totalLength of [null, 6]) {
      for (const batchFirst of [false, true]) {
        const [padded, lengths] = nn.padPackedSequence(packed, { batchFirst, paddingValue: 0.25, totalLength });
        assertClose(padded, get(c, 'output', `padded_${batchFirst ? 'bf' : 'tm'}_${totalLength ?? 'max'}`), PARITY, `${c} padded`);
        assert.deepEqual(ints(lengths), ints(get(c, 'output', 'lengths')));
      }
    }
    const back = nn.unpackSequence(packed);
    back.forEach((s, i) => assertClose(s, seqs[i]!, PARITY, `${c} unpackSequence ${i}`));
  }
});

test('packing is differentiable, and refuses bad lengths with PyTorch\'s advice', () => {
  const x = nb.randn([4, 3, 2], { requiresGrad: true });
  const packed = nn.packPaddedSequence(x, [2, 4, 1], { enforceSorted: false });
  assert.deepEqual(ints(packed.batchSizes), [3, 2, 1, 1]);
  const [padded] = nn.padPackedSequence(packed);
  padded.sum().backward();
  // gradient 1 where a step exists, 0 on padding
  const g = x.grad!.toArray() as number[][][];
  assert.deepEqual(g.map((row) => row.map((v) => v[0])), [[1, 1, 1], [1, 1, 0], [0, 1, 0], [0, 1, 0]]);
  assert.throws(() => nn.packPaddedSequence(x, [2, 4, 1]), /must be sorted in decreasing order.*enforceSorted: false/);
  assert.throws(() => nn.packPaddedSequence(x, [2, 0, 1], { enforceSorted: false }), /greater than 0/);
  assert.throws(() => nn.packPaddedSequence(x, [2, 5, 1], { enforceSorted: false }), /longer than the padded sequence length 4/);
  assert.throws(() => nn.padPackedSequence(packed, { totalLength: 3 }), /at least the length of the longest sequence/);
  assert.match(String(packed), /^PackedSequence\(data=\[7, 2\], batchSizes=\[3, 2, 1, 1\], sortedIndices=\[1, 0, 2\]\)$/);
});
