// Messages between the pages and the training worker. Tensors cross as plain shapes and Float32Arrays.

/** A tensor as it crosses postMessage. */
export interface WireTensor {
  shape: number[];
  data: Float32Array;
}

/** A state dict as it crosses postMessage. */
export type WireStateDict = Record<string, WireTensor>;

/** A recurrent cell of the sine page. */
export type SineCell = 'rnn' | 'lstm' | 'gru';

/** Jobs the worker runs; `stop` ends the running job after its current step. */
export type JobRequest =
  | { type: 'digits'; assetBase: string; epochs: number; batchSize: number; lr: number; threads: number }
  | { type: 'sine'; cell: SineCell; epochs: number; hiddenSize: number; lr: number; threads: number }
  | { type: 'word2vec'; text: string; dim: number; epochs: number; window: number; minCount: number; threads: number }
  | { type: 'stop' };

/** What the worker reports while a job runs and when it ends. */
export type JobReport =
  | { type: 'ready'; threads: number; crossOriginIsolated: boolean }
  | { type: 'progress'; job: 'digits'; step: number; steps: number; loss: number; accuracy?: number }
  | { type: 'progress'; job: 'sine'; epoch: number; epochs: number; loss: number; fit: { input: number[]; target: number[]; prediction: number[] } }
  | { type: 'progress'; job: 'word2vec'; epoch: number; epochs: number; fraction: number; loss: number; wordsPerSecond: number }
  | { type: 'done'; job: 'digits'; stopped: boolean; stateDict: WireStateDict; accuracy: number }
  | { type: 'done'; job: 'sine'; stopped: boolean; losses: number[] }
  | { type: 'done'; job: 'word2vec'; stopped: boolean; words: string[]; vectors: Float32Array; dim: number; counts: number[] }
  | { type: 'error'; message: string };
