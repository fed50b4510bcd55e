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

/** One candidate token at a [MASK] (nabla's FillMaskCandidate, as it crosses postMessage). */
export interface FillMaskRow {
  tokenStr: string;
  score: number;
  sequence: string;
}

/** What the BERT page ships beside the weights (card.json, written by playground/tools/ship-bert.ts). */
export interface BertCard {
  name: string;
  parameters: number;
  vocabSize: number;
  corpus: string;
  steps: number;
  plannedSteps: number;
  batchSize: number;
  maxSeqLength: number;
  heldOut: { step: number; mlmAccuracy: number; mlmLoss: number; baselineAccuracy: number; hiddenAccuracy: number; hiddenBaselineAccuracy: number; baselineToken: string; maskedTokens: number };
  /** the model directory's files the page fetches, with their sizes in bytes */
  files: Record<string, number>;
}

/** Jobs the worker runs; `stop` ends the running job after its current step. */
export type JobRequest =
  | { type: 'digits'; assetBase: string; epochs: number; batchSize: number; lr: number; threads: number }
  | { type: 'sine'; cell: SineCell; epochs: number; hiddenSize: number; lr: number; threads: number }
  | { type: 'word2vec'; text: string; dim: number; epochs: number; window: number; minCount: number; threads: number }
  | { type: 'fill-mask'; modelBase: string; text: string; topK: number; threads: number }
  | { type: 'stop' };

/** What the worker reports while a job runs and when it ends. */
export type JobReport =
  | { type: 'ready'; threads: number; crossOriginIsolated: boolean }
  | { type: 'progress'; job: 'digits'; step: number; steps: number; loss: number; accuracy?: number }
  | { type: 'progress'; job: 'sine'; epoch: number; epochs: number; loss: number; fit: { input: number[]; target: number[]; prediction: number[] } }
  | { type: 'progress'; job: 'word2vec'; epoch: number; epochs: number; fraction: number; loss: number; wordsPerSecond: number }
  | { type: 'progress'; job: 'fill-mask'; loaded: number; total: number }
  | { type: 'done'; job: 'fill-mask'; stopped: false; masks: FillMaskRow[][]; loadMs: number; inferenceMs: number }
  | { type: 'done'; job: 'digits'; stopped: boolean; stateDict: WireStateDict; accuracy: number }
  | { type: 'done'; job: 'sine'; stopped: boolean; losses: number[] }
  | { type: 'done'; job: 'word2vec'; stopped: boolean; words: string[]; vectors: Float32Array; dim: number; counts: number[] }
  | { type: 'error'; message: string };
