/** The reference SGD update (Backend.sgdStep): float64 arithmetic on float32 data, rounded where stored. */
import type { Backend } from '../backend.js';

export const sgdStep: Backend['sgdStep'] = (p, po, g, go, n, buf, first, h) => {
  const { lr, momentum, dampening, weightDecay: wd, nesterov, maximize } = h;
  const sign = maximize ? -1 : 1;
  if (buf === null) {
    for (let i = 0; i < n; i++) {
      let d = sign * g[go + i]!;
      if (wd !== 0) d = Math.fround(d + wd * p[po + i]!);
      p[po + i] -= lr * d;
    }
    return;
  }
  const keep = 1 - dampening;
  if (!first && wd === 0 && !nesterov && !maximize) {
    // The usual case, without the per-element branches: several times faster on large layers.
    for (let i = 0; i < n; i++) {
      buf[i] = momentum * buf[i]! + keep * g[go + i]!;
      p[po + i] -= lr * buf[i]!;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let d = sign * g[go + i]!;
    if (wd !== 0) d = Math.fround(d + wd * p[po + i]!);
    buf[i] = first ? d : momentum * buf[i]! + keep * d;
    const dir = nesterov ? Math.fround(d + momentum * buf[i]!) : buf[i]!;
    p[po + i] -= lr * dir;
  }
};
