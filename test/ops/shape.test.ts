import * as nb from '../../src/index.js';
import { runFixtureFamily } from '../helpers/fixtures.js';

runFixtureFamily('shape', {
  view: ([x], a) => nb.view(x, a.shape),
  reshape: ([x], a) => nb.reshape(x, a.shape),
  flatten: ([x], a) => nb.flatten(x, a.startDim, a.endDim),
  unflatten: ([x], a) => nb.unflatten(x, a.dim, a.sizes),
  squeeze: ([x], a) => nb.squeeze(x, a.dim),
  unsqueeze: ([x], a) => nb.unsqueeze(x, a.dim),
  permute: ([x], a) => nb.permute(x, a.dims),
  transpose: ([x], a) => nb.transpose(x, a.dim0, a.dim1),
  t: ([x]) => nb.t(x),
  expand: ([x], a) => nb.expand(x, a.shape),
  repeat: ([x], a) => nb.repeat(x, a.repeats),
  slice: ([x], a) => nb.slice(x, a.dim, a.start, a.end, a.step),
  narrow: ([x], a) => nb.narrow(x, a.dim, a.start, a.length),
  select: ([x], a) => nb.select(x, a.dim, a.index),
  split: ([x], a) => nb.split(x, a.sizes, a.dim),
  chunk: ([x], a) => nb.chunk(x, a.chunks, a.dim),
  flip: ([x], a) => nb.flip(x, a.dims),
  contiguous: ([x]) => nb.contiguous(x),
  clone: ([x]) => nb.clone(x),
  pad: ([x], a) => nb.pad(x, a.padding, a.value),
});
