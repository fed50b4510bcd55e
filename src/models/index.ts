/**
 * The course's model zoo (`import { SimpleCNN, Translator } from 'nabla/models'`): re-exports only, one line per family.
 *
 * @module nabla/models
 */
export * from './cnn.js';
export * from './sine.js';
export * from './char-lm.js';
export * from './translator.js';
export * as bert from './bert/index.js';
