// Load milestones (ms since navigation start), shown on the pages and read by the browser tests.

/** When the first digit prediction was ready. */
export const marks: { firstPrediction?: number } = {};
(globalThis as { playgroundMarks?: typeof marks }).playgroundMarks = marks;
