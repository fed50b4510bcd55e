/** Whether ops record gradient history (PyTorch's grad mode). */
import { profileHooks } from '../util/profile-hooks.js';

let enabled = true;

/** Whether operations record the autograd graph now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return enabled;
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = mode;
  if (profileHooks) profileHooks.gradModeChanged();
  try {
    return fn();
  } finally {
    enabled = previous;
    if (profileHooks) profileHooks.gradModeChanged();
  }
}

/** Runs fn without recording any graph, like `with torch.no_grad():`. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on (inside a `noGrad` block too), as `torch.enable_grad()`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Turns gradient recording on or off until changed again (`torch.set_grad_enabled`). */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
  if (profileHooks) profileHooks.gradModeChanged();
}
