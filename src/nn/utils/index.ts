/** nn.utils: gradient clipping, and `nn.utils.rnn` (packed sequences) as in PyTorch. */
export { clipGradNorm, clipGradValue } from './clip-grad.js';
export * as rnn from '../rnn-utils.js';
