// Gate kernels of the recurrent layers: one time step's elementwise part over `rows` batch rows,
// the same formulas and buffer layouts as the reference kernels (src/backend/js/rnn.ts), in float32
// 4 lanes at a time. Pointers are byte offsets; gate rows are G*H floats wide, state rows H.
import { sigmoidGate4, tanhGate4 } from './math';

// Each kernel's lane body is written once and used twice: on 4 columns (full) and, for the H % 4
// columns left at the end of a row, on one column splatted across the lanes.
@inline
function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : f32x4.splat(load<f32>(p));
}

@inline
function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

// The input part of a gate's pre-activation: x·W_ihᵀ from the gates buffer, or, with one input
// feature (fused), x times that gate's column of W_ih here, so no separate pass over all the gates
// runs before the steps. Same float32 product the one-term gemm gives, so the same results.
@inline
function xPart(g: usize, xv: v128, w: usize, fused: bool, full: bool): v128 {
  return fused ? f32x4.mul(xv, ld(w, full)) : ld(g, full);
}

@inline
function oneMinus(v: v128): v128 {
  return f32x4.sub(f32x4.splat(1), v);
}

// --- Elman ---------------------------------------------------------------------------------------

@inline
function rnnForwardLanes(relu: bool, fused: bool, g: usize, xv: v128, w: usize, gh: usize, b: usize, h: usize, full: bool): void {
  const v = f32x4.add(f32x4.add(xPart(g, xv, w, fused, full), ld(gh, full)), ld(b, full));
  // relu as `v > 0 ? v : 0`, so NaN gives 0 like the reference
  st(h, relu ? v128.and(v, f32x4.gt(v, f32x4.splat(0))) : tanhGate4(v), full);
}

@inline
function rnnForwardRows(relu: bool, fused: bool, rows: i32, H: i32, gates: usize, x: usize, wIh: usize, gh: usize, bias: usize, h: usize): void {
  const rowBytes = <usize>H << 2;
  const vecBytes = <usize>(H & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * rowBytes;
    const xv = fused ? f32x4.splat(load<f32>(x + (<usize>r << 2))) : f32x4.splat(0);
    let o: usize = 0;
    for (; o < vecBytes; o += 16) rnnForwardLanes(relu, fused, gates + row + o, xv, wIh + o, gh + row + o, bias + o, h + row + o, true);
    for (; o < rowBytes; o += 4) rnnForwardLanes(relu, fused, gates + row + o, xv, wIh + o, gh + row + o, bias + o, h + row + o, false);
  }
}

/**
 * h = act(gates + gh + bias) over [rows, H]; act is tanh, or relu when relu != 0. With x != 0 (one
 * input feature: x [rows], wIh [H]) x·wIh takes the place of gates, which is not read.
 */
export function rnnStepForward(relu: i32, rows: i32, H: i32, gates: usize, x: usize, wIh: usize, gh: usize, bias: usize, h: usize): void {
  if (x) {
    if (relu) rnnForwardRows(true, true, rows, H, gates, x, wIh, gh, bias, h);
    else rnnForwardRows(false, true, rows, H, gates, x, wIh, gh, bias, h);
  } else if (relu) rnnForwardRows(true, false, rows, H, gates, x, wIh, gh, bias, h);
  else rnnForwardRows(false, false, rows, H, gates, x, wIh, gh, bias, h);
}

@inline
function rnnBackwardLanes(relu: bool, h: usize, dh: usize, dOut: usize, dg: usize, full: bool): void {
  const y = ld(h, full), d = f32x4.add(ld(dh, full), ld(dOut, full));
  st(dg, relu ? v128.and(d, f32x4.gt(y, f32x4.splat(0))) : f32x4.mul(d, oneMinus(f32x4.mul(y, y))), full);
}

@inline
function rnnBackwardFlat(relu: bool, n: i32, h: usize, dh: usize, dOut: usize, dGates: usize): void {
  const bytes = <usize>n << 2;
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) rnnBackwardLanes(relu, h + o, dh + o, dOut + o, dGates + o, true);
  for (; o < bytes; o += 4) rnnBackwardLanes(relu, h + o, dh + o, dOut + o, dGates + o, false);
}

/**
 * dGates = (dh + dOut) · act'(pre) from the step's output h, over n contiguous floats: the gradient
 * reaching h from the next step and from the output, summed here rather than in a pass of its own
 * (dh is not written: the next product overwrites it).
 */
export function rnnStepBackward(relu: i32, n: i32, h: usize, dh: usize, dOut: usize, dGates: usize): void {
  if (relu) rnnBackwardFlat(true, n, h, dh, dOut, dGates);
  else rnnBackwardFlat(false, n, h, dh, dOut, dGates);
}

// --- LSTM (gates i, f, g, o) -----------------------------------------------------------------------

@inline
function lstmForwardLanes(fused: bool, keep: bool, g: usize, xv: v128, w: usize, gh: usize, b: usize, gate: usize, cPrev: usize, c: usize, h: usize, tc: usize, full: bool): void {
  const ig = sigmoidGate4(f32x4.add(f32x4.add(xPart(g, xv, w, fused, full), ld(gh, full)), ld(b, full)));
  const fg = sigmoidGate4(f32x4.add(f32x4.add(xPart(g + gate, xv, w + gate, fused, full), ld(gh + gate, full)), ld(b + gate, full)));
  const gg = tanhGate4(f32x4.add(f32x4.add(xPart(g + 2 * gate, xv, w + 2 * gate, fused, full), ld(gh + 2 * gate, full)), ld(b + 2 * gate, full)));
  const og = sigmoidGate4(f32x4.add(f32x4.add(xPart(g + 3 * gate, xv, w + 3 * gate, fused, full), ld(gh + 3 * gate, full)), ld(b + 3 * gate, full)));
  st(g, ig, full);
  st(g + gate, fg, full);
  st(g + 2 * gate, gg, full);
  st(g + 3 * gate, og, full);
  const cv = f32x4.add(f32x4.mul(fg, ld(cPrev, full)), f32x4.mul(ig, gg));
  st(c, cv, full);
  const tcv = tanhGate4(cv);
  if (keep) st(tc, tcv, full);
  st(h, f32x4.mul(og, tcv), full);
}

@inline
function lstmForwardRows(fused: bool, keep: bool, rows: i32, H: i32, gates: usize, x: usize, wIh: usize, gh: usize, bias: usize, cPrev: usize, c: usize, h: usize, tanhC: usize): void {
  const gate = <usize>H << 2;
  const vecBytes = <usize>(H & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const gRow = <usize>r * 4 * gate, sRow = <usize>r * gate;
    const xv = fused ? f32x4.splat(load<f32>(x + (<usize>r << 2))) : f32x4.splat(0);
    let o: usize = 0;
    for (; o < vecBytes; o += 16) lstmForwardLanes(fused, keep, gates + gRow + o, xv, wIh + o, gh + gRow + o, bias + o, gate, cPrev + sRow + o, c + sRow + o, h + sRow + o, tanhC + sRow + o, true);
    for (; o < gate; o += 4) lstmForwardLanes(fused, keep, gates + gRow + o, xv, wIh + o, gh + gRow + o, bias + o, gate, cPrev + sRow + o, c + sRow + o, h + sRow + o, tanhC + sRow + o, false);
  }
}

/**
 * gates [rows, 4H] enter as x·W_ihᵀ and leave as the activated gates; gh = h_prev·W_hhᵀ, bias [4H];
 * c = f*cPrev + i*g, h = o*tanh(c) ([rows, H] each). With x != 0 (one input feature: x [rows],
 * wIh [4H]) x·wIh takes the place of what gates enter with. With tanhC != 0 tanh(c) is kept there
 * ([rows, H]) for the backward pass, which otherwise computes it again (a third of its time).
 */
export function lstmStepForward(rows: i32, H: i32, gates: usize, x: usize, wIh: usize, gh: usize, bias: usize, cPrev: usize, c: usize, h: usize, tanhC: usize): void {
  if (tanhC) {
    if (x) lstmForwardRows(true, true, rows, H, gates, x, wIh, gh, bias, cPrev, c, h, tanhC);
    else lstmForwardRows(false, true, rows, H, gates, x, wIh, gh, bias, cPrev, c, h, tanhC);
  } else if (x) lstmForwardRows(true, false, rows, H, gates, x, wIh, gh, bias, cPrev, c, h, 0);
  else lstmForwardRows(false, false, rows, H, gates, x, wIh, gh, bias, cPrev, c, h, 0);
}

@inline
function lstmBackwardLanes(kept: bool, sum: bool, g: usize, gate: usize, cPrev: usize, c: usize, dh: usize, dOut: usize, dc: usize, dg: usize, full: bool): void {
  const ig = ld(g, full), fg = ld(g + gate, full), gg = ld(g + 2 * gate, full), og = ld(g + 3 * gate, full);
  // c points at tanh(c) when the forward pass kept it: the same float32 values as computing it here
  const tc = kept ? ld(c, full) : tanhGate4(ld(c, full));
  const dhv = sum ? f32x4.add(ld(dh, full), ld(dOut, full)) : ld(dh, full);
  const dcv = f32x4.add(ld(dc, full), f32x4.mul(f32x4.mul(dhv, og), oneMinus(f32x4.mul(tc, tc))));
  st(dc, f32x4.mul(dcv, fg), full);
  st(dg, f32x4.mul(f32x4.mul(f32x4.mul(dcv, gg), ig), oneMinus(ig)), full);
  st(dg + gate, f32x4.mul(f32x4.mul(f32x4.mul(dcv, ld(cPrev, full)), fg), oneMinus(fg)), full);
  st(dg + 2 * gate, f32x4.mul(f32x4.mul(dcv, ig), oneMinus(f32x4.mul(gg, gg))), full);
  st(dg + 3 * gate, f32x4.mul(f32x4.mul(f32x4.mul(dhv, tc), og), oneMinus(og)), full);
}

/**
 * dh (+ dOut when dOut != 0, the output's gradient for this step; dh is not written) = dL/dh_t; dc
 * enters as dL/dc_t and leaves as dL/dc_{t-1}; writes the pre-activation gradients [rows, 4H].
 * tanhC: tanh(c) as lstmStepForward kept it, or 0 to compute it from c.
 */
export function lstmStepBackward(rows: i32, H: i32, gates: usize, cPrev: usize, c: usize, dh: usize, dOut: usize, dc: usize, dGates: usize, tanhC: usize): void {
  if (tanhC) {
    if (dOut) lstmBackwardRows(true, true, rows, H, gates, cPrev, tanhC, dh, dOut, dc, dGates);
    else lstmBackwardRows(true, false, rows, H, gates, cPrev, tanhC, dh, 0, dc, dGates);
  } else if (dOut) lstmBackwardRows(false, true, rows, H, gates, cPrev, c, dh, dOut, dc, dGates);
  else lstmBackwardRows(false, false, rows, H, gates, cPrev, c, dh, 0, dc, dGates);
}

@inline
function lstmBackwardRows(kept: bool, sum: bool, rows: i32, H: i32, gates: usize, cPrev: usize, c: usize, dh: usize, dOut: usize, dc: usize, dGates: usize): void {
  const gate = <usize>H << 2;
  const vecBytes = <usize>(H & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const gRow = <usize>r * 4 * gate, sRow = <usize>r * gate;
    let o: usize = 0;
    for (; o < vecBytes; o += 16) lstmBackwardLanes(kept, sum, gates + gRow + o, gate, cPrev + sRow + o, c + sRow + o, dh + sRow + o, dOut + sRow + o, dc + sRow + o, dGates + gRow + o, true);
    for (; o < gate; o += 4) lstmBackwardLanes(kept, sum, gates + gRow + o, gate, cPrev + sRow + o, c + sRow + o, dh + sRow + o, dOut + sRow + o, dc + sRow + o, dGates + gRow + o, false);
  }
}

// --- GRU (gates r, z, n) ---------------------------------------------------------------------------

@inline
function gruForwardLanes(fused: bool, g: usize, xv: v128, w: usize, gh: usize, b: usize, bn: usize, gate: usize, hPrev: usize, h: usize, hn: usize, full: bool): void {
  const rg = sigmoidGate4(f32x4.add(f32x4.add(xPart(g, xv, w, fused, full), ld(gh, full)), ld(b, full)));
  const zg = sigmoidGate4(f32x4.add(f32x4.add(xPart(g + gate, xv, w + gate, fused, full), ld(gh + gate, full)), ld(b + gate, full)));
  const hnv = f32x4.add(ld(gh + 2 * gate, full), ld(bn, full));
  const ng = tanhGate4(f32x4.add(f32x4.add(xPart(g + 2 * gate, xv, w + 2 * gate, fused, full), ld(b + 2 * gate, full)), f32x4.mul(rg, hnv)));
  st(g, rg, full);
  st(g + gate, zg, full);
  st(g + 2 * gate, ng, full);
  st(hn, hnv, full);
  st(h, f32x4.add(f32x4.mul(oneMinus(zg), ng), f32x4.mul(zg, ld(hPrev, full))), full);
}

@inline
function gruForwardRows(fused: bool, rows: i32, H: i32, gates: usize, x: usize, wIh: usize, gh: usize, bias: usize, biasHn: usize, hPrev: usize, h: usize, hn: usize): void {
  const gate = <usize>H << 2;
  const vecBytes = <usize>(H & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const gRow = <usize>r * 3 * gate, sRow = <usize>r * gate;
    const xv = fused ? f32x4.splat(load<f32>(x + (<usize>r << 2))) : f32x4.splat(0);
    let o: usize = 0;
    for (; o < vecBytes; o += 16) gruForwardLanes(fused, gates + gRow + o, xv, wIh + o, gh + gRow + o, bias + o, biasHn + o, gate, hPrev + sRow + o, h + sRow + o, hn + sRow + o, true);
    for (; o < gate; o += 4) gruForwardLanes(fused, gates + gRow + o, xv, wIh + o, gh + gRow + o, bias + o, biasHn + o, gate, hPrev + sRow + o, h + sRow + o, hn + sRow + o, false);
  }
}

/**
 * gates [rows, 3H] enter as x·W_ihᵀ and leave as the activated r, z, n; bias [3H] (b_in for n),
 * biasHn [H]; n = tanh(x_n + b_in + r*(gh_n + b_hn)), h = (1-z)*n + z*hPrev; hn saves gh_n + b_hn.
 * With x != 0 (one input feature: x [rows], wIh [3H]) x·wIh takes the place of what gates enter with.
 */
export function gruStepForward(rows: i32, H: i32, gates: usize, x: usize, wIh: usize, gh: usize, bias: usize, biasHn: usize, hPrev: usize, h: usize, hn: usize): void {
  if (x) gruForwardRows(true, rows, H, gates, x, wIh, gh, bias, biasHn, hPrev, h, hn);
  else gruForwardRows(false, rows, H, gates, x, wIh, gh, bias, biasHn, hPrev, h, hn);
}

@inline
function gruBackwardLanes(g: usize, gate: usize, hn: usize, hPrev: usize, dh: usize, dOut: usize, dx: usize, dhh: usize, full: bool): void {
  const rg = ld(g, full), zg = ld(g + gate, full), ng = ld(g + 2 * gate, full);
  const dhv = f32x4.add(ld(dh, full), ld(dOut, full));
  const dnPre = f32x4.mul(f32x4.mul(dhv, oneMinus(zg)), oneMinus(f32x4.mul(ng, ng)));
  const dzPre = f32x4.mul(f32x4.mul(f32x4.mul(dhv, f32x4.sub(ld(hPrev, full), ng)), zg), oneMinus(zg));
  const drPre = f32x4.mul(f32x4.mul(f32x4.mul(dnPre, ld(hn, full)), rg), oneMinus(rg));
  st(dx, drPre, full);
  st(dx + gate, dzPre, full);
  st(dx + 2 * gate, dnPre, full);
  st(dhh, drPre, full);
  st(dhh + gate, dzPre, full);
  st(dhh + 2 * gate, f32x4.mul(dnPre, rg), full);
  st(dh, f32x4.mul(dhv, zg), full);
}

/**
 * Writes the input-path (dGatesX) and hidden-path (dGatesH) pre-activation gradients [rows, 3H];
 * dL/dh_t is dh + dOut (from the next step and from the output), and dh leaves as its direct path
 * to h_prev ((dh + dOut) * z).
 */
export function gruStepBackward(rows: i32, H: i32, gates: usize, hn: usize, hPrev: usize, dh: usize, dOut: usize, dGatesX: usize, dGatesH: usize): void {
  const gate = <usize>H << 2;
  const vecBytes = <usize>(H & ~3) << 2;
  for (let r = 0; r < rows; r++) {
    const gRow = <usize>r * 3 * gate, sRow = <usize>r * gate;
    let o: usize = 0;
    for (; o < vecBytes; o += 16) gruBackwardLanes(gates + gRow + o, gate, hn + sRow + o, hPrev + sRow + o, dh + sRow + o, dOut + sRow + o, dGatesX + gRow + o, dGatesH + gRow + o, true);
    for (; o < gate; o += 4) gruBackwardLanes(gates + gRow + o, gate, hn + sRow + o, hPrev + sRow + o, dh + sRow + o, dOut + sRow + o, dGatesX + gRow + o, dGatesH + gRow + o, false);
  }
}

/** out[j] = sum over rows of x[r, j] ([rows, cols]), row by row so out stays in cache: the bias gradients. */
export function sumColumnsF32(x: usize, rows: i32, cols: i32, out: usize): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = <usize>(cols & ~3) << 2;
  memory.fill(out, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    let o: usize = 0;
    for (; o < vecBytes; o += 16) v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(row + o)));
    for (; o < rowBytes; o += 4) store<f32>(out + o, load<f32>(out + o) + load<f32>(row + o));
  }
}

// Rows of a few dozen floats (a hidden state) are copied 16 bytes at a time: memory.copy is a call
// into the engine, which costs more than the copy at that size.
@inline
function copyRow(dst: usize, src: usize, bytes: usize): void {
  if (bytes & 15) {
    memory.copy(dst, src, bytes);
    return;
  }
  for (let o: usize = 0; o < bytes; o += 16) v128.store(dst + o, v128.load(src + o));
}

/** dst row i (width floats, dense) = src row index[i] (stride floats apart): steps from the caller's layout. */
export function gatherRows(src: usize, stride: i32, index: usize, rows: i32, width: i32, dst: usize): void {
  const bytes = <usize>width << 2;
  for (let i = 0; i < rows; i++) {
    copyRow(dst + <usize>i * bytes, src + (<usize>load<i32>(index + (<usize>i << 2)) * <usize>stride << 2), bytes);
  }
}

/** dst row index[i] (stride floats apart) = src row i (width floats, dense): steps into the caller's layout. */
export function scatterRows(src: usize, rows: i32, width: i32, index: usize, stride: i32, dst: usize): void {
  const bytes = <usize>width << 2;
  for (let i = 0; i < rows; i++) {
    copyRow(dst + (<usize>load<i32>(index + (<usize>i << 2)) * <usize>stride << 2), src + <usize>i * bytes, bytes);
  }
}
