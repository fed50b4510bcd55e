/**
 * The backward of maxPool2d(relu(conv2d(x, w, b))) in one backend call, chosen by the autograd walk
 * when the relu and the convolution feed nothing else: the two full-size gradients between them
 * (6.4 MB each for the course's SimpleCNN's first layer, batch 64) are never allocated or copied.
 * The unfused rules stay the reference: the walk runs them whenever this rule declines.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Conv2dShapes, Pool2dShapes } from '../backend/backend.js';
import type { FusedRule } from '../autograd/node.js';
import { getBackend } from '../backend/registry.js';
import { emptyTensor } from './util.js';

/** What conv2d leaves on its graph node for this rule: the operands its own rule reads. */
export interface ConvNodeInfo {
  s: Conv2dShapes;
  x: Tensor; weight: Tensor; bias: Tensor | null;
  xData: Float32Array; wData: Float32Array;
}

/** The fused rule of a maxPool2d node whose input is `poolInput`, output `pooled`, winners `argmax`. */
export function convReluPoolRule(poolInput: Tensor, pooled: Tensor, argmax: Tensor, pool: Pool2dShapes): FusedRule {
  const backend = getBackend();
  // relu's mask is read from the pooled values, so they must be as the forward pass left them
  const pooledVersion = pooled.version, argmaxVersion = argmax.version;
  return (g, alone) => {
    const reluNode = poolInput.gradFn;
    if (!reluNode || reluNode.name !== 'relu' || !alone(reluNode)) return null;
    const convNode = reluNode.inputs[0]?.gradFn;
    if (!convNode || convNode.name !== 'conv2d' || !alone(convNode)) return null;
    const info = convNode.fusionInfo as ConvNodeInfo | undefined;
    if (!info || pooled.version !== pooledVersion || argmax.version !== argmaxVersion) return null;
    reluNode.checkSaved();
    convNode.checkSaved();
    const [xIn, weightIn, biasIn] = convNode.inputs;
    const gx = xIn ? emptyTensor(info.x.shape) : null;
    const gw = weightIn ? emptyTensor(info.weight.shape) : null;
    const gb = biasIn && info.bias ? emptyTensor(info.bias.shape) : null;
    backend.conv2dReluMaxPoolBackward({
      gradPooled: g.contiguousData() as Float32Array, pooled: pooled.contiguousData() as Float32Array,
      argmax: argmax.contiguousData() as Int32Array, pool,
      x: info.xData, weight: info.wData, conv: info.s,
      gradInput: gx ? gx.storage.data as Float32Array : null, gradWeight: gw ? gw.storage.data as Float32Array : null,
      gradBias: gb ? gb.storage.data as Float32Array : null,
    });
    return { through: [reluNode, convNode], tail: convNode, grads: [gx, gw, gb] };
  };
}
