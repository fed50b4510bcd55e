/** The pure-TypeScript reference backend: always present, and the oracle the fast backends are tested against. */
import type { Backend } from '../backend.js';
import { assignStrided, copyStrided } from './copy.js';
import { binary, unary, where } from './elementwise.js';
import { reduce } from './reduce.js';
import { gemm } from './gemm.js';
import { gather, indexAdd, indexSelect, scatter } from './indexing.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dReluMaxPoolBackward } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { crossEntropyBackward, logSumExp, softmax, softmaxBackward } from './softmax.js';
import { batchNormBackward, channelMoments, channelNormalize, layerNorm, layerNormBackward } from './norm.js';
import { attentionBackward, attentionForward } from './attention.js';
import { sgdStep } from './sgd.js';
import { adamStep } from './adam.js';
import { recurrenceBackward, recurrenceForward } from './recurrence.js';
import { word2vecTrain } from './word2vec.js';
import { gloveTrain } from './glove.js';

export class JsBackend implements Backend {
  readonly name: string = 'js';
  copy = copyStrided;
  assign = assignStrided;
  unary = unary;
  binary = binary;
  where = where;
  reduce = reduce;
  gemm: Backend['gemm'] = gemm;
  indexSelect = indexSelect;
  indexAdd = indexAdd;
  gather = gather;
  scatter = scatter;
  // Convolution runs on this backend's gemm, so a subclass with a faster gemm speeds it up too.
  conv2d: Backend['conv2d'] = (x, w, bias, s, out) => conv2d(this.gemm, x, w, bias, s, out);
  conv2dBackwardInput: Backend['conv2dBackwardInput'] = (g, w, s, gx) => conv2dBackwardInput(this.gemm, g, w, s, gx);
  conv2dBackwardWeight: Backend['conv2dBackwardWeight'] = (g, x, s, gw) => conv2dBackwardWeight(this.gemm, g, x, s, gw);
  conv2dReluMaxPoolBackward: Backend['conv2dReluMaxPoolBackward'] = (a) => conv2dReluMaxPoolBackward(this, a);
  maxPool2d = maxPool2d;
  maxPool2dBackward = maxPool2dBackward;
  avgPool2d = avgPool2d;
  avgPool2dBackward = avgPool2dBackward;
  softmax = softmax;
  softmaxBackward = softmaxBackward;
  logSumExp = logSumExp;
  crossEntropyBackward = crossEntropyBackward;
  layerNorm = layerNorm;
  layerNormBackward = layerNormBackward;
  channelMoments = channelMoments;
  channelNormalize = channelNormalize;
  batchNormBackward = batchNormBackward;
  // Attention and the recurrences run on this backend's gemm too.
  attention: Backend['attention'] = (q, k, v, s, out, probs) => attentionForward(this.gemm, q, k, v, s, out, probs);
  attentionBackward: Backend['attentionBackward'] = (gOut, gW, q, k, v, probs, s, gq, gk, gv) =>
    attentionBackward(this.gemm, gOut, gW, q, k, v, probs, s, gq, gk, gv);
  recurrenceForward: Backend['recurrenceForward'] = (a) => recurrenceForward(this.gemm, a);
  recurrenceBackward: Backend['recurrenceBackward'] = (a) => recurrenceBackward(this.gemm, a);
  // the reference keeps nothing between a recurrence's forward and backward passes
  recurrenceDone: Backend['recurrenceDone'] = () => {};
  sgdStep = sgdStep;
  adamStep = adamStep;
  word2vecTrain: Backend['word2vecTrain'] = word2vecTrain;
  gloveTrain: Backend['gloveTrain'] = gloveTrain;
}
