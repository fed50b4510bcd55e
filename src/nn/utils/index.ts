/** nn.utils: gradient clipping lives in clip-grad.ts (owned by the optimiser work). */
export { clipGradNorm, clipGradValue } from './clip-grad.js';
export * as rnn from '../rnn-utils.js';
