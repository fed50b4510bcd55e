/** The Node entry: everything in the browser-safe entry plus file access (what `import 'nabla'` gives in Node). */
export * from './index.js';
export { save, load, loadWithMetadata } from './io/node-io.js';
