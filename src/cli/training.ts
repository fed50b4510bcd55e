/** What the trainers share: stopping on a diverged loss instead of training on (and saving) NaN weights. */

/** Throws when a loss (or a figure made from it, like perplexity) is NaN or infinite, saying where and what to try. */
export function checkFiniteLoss(value: number, where: string, hint = 'Try a lower --lr.'): void {
  if (Number.isFinite(value)) return;
  throw new Error(`the loss became ${value} at ${where}; stopping before it corrupts the saved weights (the files of the last good epoch are intact). ${hint}`);
}
