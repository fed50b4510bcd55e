/**
 * The reporting API in Node (`nabla/plot`): everything in the browser-safe entry plus PNG files.
 *
 * @module nabla/plot
 */
export * from './index.js';
export { encodePng, savePng, decodePng, type DecodedImage } from './png.js';
