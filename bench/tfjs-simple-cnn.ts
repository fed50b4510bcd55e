// The course's SimpleCNN in TensorFlow.js (Keras layers, NHWC), shared by the Node and browser benches.
import * as tf from '@tensorflow/tfjs';

/** conv(32) → pool → conv(64) → pool → dense(512) → dense(10), as nabla's SimpleCNN. */
export function buildTfjsSimpleCnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}
