export * as bert from './bert/index.js';
