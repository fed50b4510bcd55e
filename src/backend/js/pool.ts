import type { Pool2dShapes } from '../backend.js';

/** The common case (2x2 windows, stride 2, no padding) without bounds checks per tap. */
function maxPool2x2(x: Float32Array, s: Pool2dShapes, out: Float32Array, argmax: Int32Array): void {
  const { h, w, oh, ow } = s;
  for (let p = 0; p < s.n * s.c; p++) {
    const inBase = p * h * w;
    let o = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = 2 * y * w, r1 = r0 + w;
      for (let xo = 0; xo < ow; xo++, o++) {
        const i0 = r0 + 2 * xo, i1 = i0 + 1, i2 = r1 + 2 * xo, i3 = i2 + 1;
        let best = x[inBase + i0], bestIndex = i0;
        // `!(v <= best)` also takes a NaN, which then wins like in PyTorch
        let v = x[inBase + i1]; if (!(v <= best) && best === best) { best = v; bestIndex = i1; }
        v = x[inBase + i2]; if (!(v <= best) && best === best) { best = v; bestIndex = i2; }
        v = x[inBase + i3]; if (!(v <= best) && best === best) { best = v; bestIndex = i3; }
        out[o] = best;
        argmax[o] = bestIndex;
      }
    }
  }
}

/** Winners of a call that does not keep them, reused from call to call. */
let argmaxScratch = new Int32Array(0);

/** Max pooling; argmax holds the winning input position within its (h, w) plane, as PyTorch's indices do. */
export function maxPool2d(x: Float32Array, s: Pool2dShapes, out: Float32Array, kept: Int32Array | null): void {
  if (!kept && argmaxScratch.length < out.length) argmaxScratch = new Int32Array(out.length);
  const argmax = kept ?? argmaxScratch;
  const is2x2 = s.kernel[0] === 2 && s.kernel[1] === 2 && s.stride[0] === 2 && s.stride[1] === 2 &&
    s.padding[0] === 0 && s.padding[1] === 0 && s.dilation[0] === 1 && s.dilation[1] === 1 &&
    2 * s.oh <= s.h && 2 * s.ow <= s.w;
  if (is2x2) {
    maxPool2x2(x, s, out, argmax);
    return;
  }
  const { h, w, oh, ow } = s;
  const [kh, kw] = s.kernel, [sh, sw] = s.stride, [ph, pw] = s.padding, [dh, dw] = s.dilation;
  const planes = s.n * s.c;
  for (let p = 0; p < planes; p++) {
    const inBase = p * h * w, outBase = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        let best = -Infinity, bestIndex = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * sw - pw + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const v = x[inBase + iy * w + ix];
            if (v > best || v !== v || bestIndex < 0) { best = v; bestIndex = iy * w + ix; if (v !== v) break; }
          }
        }
        out[outBase + y * ow + xo] = best;
        argmax[outBase + y * ow + xo] = bestIndex;
      }
    }
  }
}

export function maxPool2dBackward(gradOut: Float32Array, argmax: Int32Array, s: Pool2dShapes, gradInput: Float32Array): void {
  const planeIn = s.h * s.w, planeOut = s.oh * s.ow;
  gradInput.fill(0);
  for (let p = 0; p < s.n * s.c; p++) {
    for (let i = 0; i < planeOut; i++) {
      const idx = argmax[p * planeOut + i];
      if (idx >= 0) gradInput[p * planeIn + idx] += gradOut[p * planeOut + i];
    }
  }
}

/** The window of output (y, x) and its divisor, exactly as PyTorch's avg_pool2d computes them. */
function avgWindows(s: Pool2dShapes, visit: (plane: number, outIndex: number, y0: number, y1: number, x0: number, x1: number, divisor: number) => void): void {
  const { h, w, oh, ow } = s;
  const [kh, kw] = s.kernel, [sh, sw] = s.stride, [ph, pw] = s.padding;
  for (let y = 0; y < oh; y++) {
    for (let xo = 0; xo < ow; xo++) {
      let y0 = y * sh - ph, x0 = xo * sw - pw;
      let y1 = Math.min(y0 + kh, h + ph), x1 = Math.min(x0 + kw, w + pw);
      const poolSize = (y1 - y0) * (x1 - x0);
      y0 = Math.max(y0, 0); x0 = Math.max(x0, 0);
      y1 = Math.min(y1, h); x1 = Math.min(x1, w);
      const divisor = s.divisorOverride ?? (s.countIncludePad ? poolSize : (y1 - y0) * (x1 - x0));
      for (let p = 0; p < s.n * s.c; p++) visit(p, y * ow + xo, y0, y1, x0, x1, divisor);
    }
  }
}

export function avgPool2d(x: Float32Array, s: Pool2dShapes, out: Float32Array): void {
  const planeIn = s.h * s.w, planeOut = s.oh * s.ow;
  avgWindows(s, (p, o, y0, y1, x0, x1, divisor) => {
    let sum = 0;
    const base = p * planeIn;
    for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) sum += x[base + iy * s.w + ix];
    out[p * planeOut + o] = sum / divisor;
  });
}

export function avgPool2dBackward(gradOut: Float32Array, s: Pool2dShapes, gradInput: Float32Array): void {
  const planeIn = s.h * s.w, planeOut = s.oh * s.ow;
  gradInput.fill(0);
  avgWindows(s, (p, o, y0, y1, x0, x1, divisor) => {
    const g = gradOut[p * planeOut + o] / divisor;
    const base = p * planeIn;
    for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) gradInput[base + iy * s.w + ix] += g;
  });
}
