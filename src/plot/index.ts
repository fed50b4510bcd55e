/** The reporting API (`nabla/plot` in the browser): plots drawn into RGBA pixels or SVG, the bitmap font's text measure, progress bars. */
export * from './plot.js';
export { textWidth, textHeight } from './font.js';
export * from './progress.js';
