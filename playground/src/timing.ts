// Load milestones (ms since navigation start), shown on the pages and read by the browser tests.

/** When the first digit prediction (Digits) and the first fill-mask result (Fill-mask) were ready. */
export const marks: { firstPrediction?: number; firstFill?: number } = {};
(globalThis as { playgroundMarks?: typeof marks }).playgroundMarks = marks;
