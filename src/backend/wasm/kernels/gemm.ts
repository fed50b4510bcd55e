// AssemblyScript source of nabla's WebAssembly SIMD128 GEMM kernel.
//
// Compiled by `npm run build:wasm` (src/backend/wasm/build.mjs); this folder is excluded from the
// main tsconfig and type-checks against AssemblyScript's own std (see ./tsconfig.json).
//
// Layout: row-major matrices of f32 addressed by byte pointers into the (imported) linear memory.
//   C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C
// op(A) = A (M x K, lda >= K) or A^T (A stored K x M, lda >= M); likewise for B. transB = 2 also
// means op(B) = B^T, computed by the dot-product kernel (sgemmDotNT) instead of packed panels; the
// caller picks it (see kernelTransB in ../gemm.ts): B^T's packing pass is what that kernel saves, and
// it pays off when few rows of A share each packed panel.
//
// Algorithm (GotoBLAS / BLIS): the jc loop cuts N into NC_MAX-wide column blocks, the pc loop cuts
// K into kcb-deep blocks whose B block is packed into NR-wide panels, the ic loop cuts M into
// MC_MAX-row blocks whose A block is packed into MR-row panels, then the jr/ir loops run the
// register-blocked SIMD micro-kernels over the packed panels (B panel in L1, A block in L2).
// Packed panels are zero-padded up to their height / NR and up to an even depth, so a micro-kernel
// always runs a full tile; partial tiles go through a scratch tile and a scalar write-back. A
// taller than one block with an even depth and few columns is not packed: micro2x16() reads its
// rows in place, one row pair against every B panel, touching the rows ahead (see touch()).
//
// Every element of C is produced by the same sequence of f32 operations whatever its position in
// a tile or which rows/columns a caller handles, as long as K (and so the K blocking) and transB
// are the same (reading A packed or in place gives the same operations). The thread pool (../gemm.ts)
// relies on this to split M or N across threads with bit-identical results.

import { madd } from './math';

// Micro-tiles. With V8's x64 backend only xmm0-xmm14 are allocatable, and a tile is as large as
// fits in registers:
// - 2 x 16 (micro2x16): 8 accumulators, 4 B vectors, 2 broadcast A values and the product
//   temporary of a separate multiply and add; 93% of the core's FMA peak with fused multiply-add.
// - 6 x 8 (micro6x8, relaxed-SIMD builds only: fused multiply-add needs no product temporary): 12
//   accumulators, 2 B vectors, 1 broadcast; 98% of the FMA peak, since 12 independent chains hide
//   the FMA latency with room to spare where 8 are just enough. Without FMA it spills (half speed).
// WIDE builds run packed A in MR = 6 row panels through micro6x8 on each 8-column half of a B panel,
// and the rows left over in 2-row panels through micro2x16; plain builds use micro2x16 throughout.
// Every element goes through the same operations whatever tile computes it, so this only changes
// speed.
const WIDE: bool = ASC_FEATURE_RELAXED_SIMD;
const MR: i32 = WIDE ? 6 : 2; // rows of the main packed tile
const NR: i32 = 16; // packed B panel width
// Blocking for a 32 KiB L1d and a 1 MiB L2 (AMD Zen 4; fine for 512 KiB L2 parts too):
// - the B micro-panel (kcb x NR floats, up to 20 KiB) stays in L1 during the ir loop;
// - the A block (MC_MAX x kcb, up to 165 KiB) stays in L2 across the jr loop;
// - the packed B block (kcb x NC_MAX, up to 640 KiB) is written by packB and read back from L2.
// K is cut into equal even blocks of at most KC_MAX (K = 288 stays one block).
const KC_MAX: i32 = 320; // must be even
const MC_MAX: i32 = WIDE ? 132 : 128; // multiple of MR and of 2
const NC_MAX: i32 = 512; // multiple of NR
// How many rows ahead the in-place path touches A, and the depth below which a tile is too short
// to pay for touching (see touch()). The in-place path is taken for at most DIRECT_MAX_N columns:
// beyond, packing A costs less than what reading it in place does (6 x 8 tiles need packed A).
const TOUCH_ROWS: i32 = 8;
const TOUCH_MIN_K: i32 = 32;
const DIRECT_MAX_N: i32 = WIDE ? 128 : 0x7fffffff;
const WIDE_MIN_K: i32 = 32;

const PACK_A_BYTES: usize = <usize>MC_MAX * <usize>KC_MAX * 4;
const PACK_B_BYTES: usize = <usize>KC_MAX * <usize>NC_MAX * 4;
const TILE_BYTES: usize = <usize>(max(MR * 8, 2 * NR) * 4);
const WORKSPACE_BYTES: usize = PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;

// ---------------------------------------------------------------------------------------------
// Workspace (packed panels + one scratch tile), one per instance / thread.
// ---------------------------------------------------------------------------------------------

let wsPackA: usize = 0;
let wsPackB: usize = 0;
let wsTile: usize = 0;

export function workspaceBytes(): usize {
  return WORKSPACE_BYTES;
}

/** Points this instance's packing buffers at `ptr` (workspaceBytes() bytes, 16-byte aligned). */
export function setWorkspace(ptr: usize): void {
  wsPackA = ptr;
  wsPackB = ptr + PACK_A_BYTES;
  wsTile = wsPackB + PACK_B_BYTES;
}

export function tileRows(): i32 {
  return MR;
}

export function tileCols(): i32 {
  return NR;
}

// ---------------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------------

// A block rows [i0, i0+mc) x depth [k0, k0+kc) into h-row panels (h = 2 or MR): panel p holds, for
// each k in [0, kcp), the h values op(A)[i0 + p*h + r, k0 + k]. Rows >= mc and depths >= kc are zero.
function packA(transA: i32, a: usize, lda: usize, i0: i32, mc: i32, k0: i32, kc: i32, kcp: i32, dst: usize, h: i32): void {
  for (let ir = 0; ir < mc; ir += h) {
    const mr = min(h, mc - ir);
    let d = dst + <usize>ir * <usize>kcp * 4;
    const i = <usize>(i0 + ir);
    if (mr < h) {
      // Last, partial panel: scalar, zero-filled.
      for (let k = 0; k < kc; k++) {
        const kk = <usize>(k0 + k);
        for (let r = 0; r < h; r++) {
          const ii = i + <usize>r;
          store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(a + (transA == 0 ? ii * lda + kk : kk * lda + ii) * 4) : 0);
        }
        d += <usize>h << 2;
      }
    } else if (transA == 0) {
      // op(A)[i, k] = a[i*lda + k]: interleave h contiguous rows, four depths at a time.
      const r0 = a + (i * lda + <usize>k0) * 4;
      const rs = lda * 4;
      let k = 0;
      if (h == 2) {
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const v0 = v128.load(r0 + o);
          const v1 = v128.load(r0 + rs + o);
          v128.store(d, v128.shuffle<f32>(v0, v1, 0, 4, 1, 5));
          v128.store(d, v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), 16);
          d += 32;
        }
      } else {
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const v0 = v128.load(r0 + o);
          const v1 = v128.load(r0 + rs + o);
          const v2 = v128.load(r0 + 2 * rs + o);
          const v3 = v128.load(r0 + 3 * rs + o);
          const v4 = v128.load(r0 + 4 * rs + o);
          const v5 = v128.load(r0 + 5 * rs + o);
          // rows (0, 1), (2, 3), (4, 5) paired per depth: [x k0, y k0, x k1, y k1], [x k2, y k2, x k3, y k3]
          const p01 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
          const p23 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
          const p45 = v128.shuffle<f32>(v4, v5, 0, 4, 1, 5);
          const q01 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
          const q23 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
          const q45 = v128.shuffle<f32>(v4, v5, 2, 6, 3, 7);
          v128.store(d, v128.shuffle<f32>(p01, p23, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(p45, p01, 0, 1, 6, 7), 16);
          v128.store(d, v128.shuffle<f32>(p23, p45, 2, 3, 6, 7), 32);
          v128.store(d, v128.shuffle<f32>(q01, q23, 0, 1, 4, 5), 48);
          v128.store(d, v128.shuffle<f32>(q45, q01, 0, 1, 6, 7), 64);
          v128.store(d, v128.shuffle<f32>(q23, q45, 2, 3, 6, 7), 80);
          d += 96;
        }
      }
      for (; k < kc; k++) {
        const o = <usize>k << 2;
        store<f32>(d, load<f32>(r0 + o));
        store<f32>(d, load<f32>(r0 + rs + o), 4);
        if (h != 2) for (let r = 2; r < h; r++) store<f32>(d + (<usize>r << 2), load<f32>(r0 + <usize>r * rs + o));
        d += <usize>h << 2;
      }
    } else {
      // op(A)[i, k] = a[k*lda + i]: the h values for one k are contiguous.
      let s = a + (<usize>k0 * lda + i) * 4;
      const step = lda * 4;
      for (let k = 0; k < kc; k++) {
        if (h != 2) {
          v128.store(d, v128.load(s));
          store<u64>(d, load<u64>(s, 16), 16);
        } else {
          store<u64>(d, load<u64>(s));
        }
        s += step;
        d += <usize>h << 2;
      }
    }
    // zero the padding depth (kcp - kc is 0 or 1)
    if (kcp > kc) {
      store<u64>(d, 0);
      if (h != 2) for (let r = 2; r < h; r++) store<f32>(d + (<usize>r << 2), 0);
    }
  }
}

// B block depth [k0, k0+kc) x columns [j0, j0+nc) into NR-column panels: panel q holds, for each k
// in [0, kcp), the NR values op(B)[k0 + k, j0 + q*NR + c]. Columns >= nc and depths >= kc are zero.
function packB(transB: i32, b: usize, ldb: usize, k0: i32, kc: i32, kcp: i32, j0: i32, nc: i32, dst: usize): void {
  const panelBytes = <usize>kcp * <usize>(NR * 4);
  const full = nc & ~(NR - 1); // columns covered by full panels
  if (transB == 0) {
    // op(B)[k, j] = b[k*ldb + j]: row k of each panel is a contiguous 64-byte run.
    for (let k = 0; k < kc; k++) {
      const s = b + ((<usize>(k0 + k)) * ldb + <usize>j0) * 4;
      let d = dst + <usize>k * <usize>(NR * 4);
      for (let j = 0; j < full; j += NR) {
        const sj = s + (<usize>j << 2);
        v128.store(d, v128.load(sj));
        v128.store(d, v128.load(sj, 16), 16);
        v128.store(d, v128.load(sj, 32), 32);
        v128.store(d, v128.load(sj, 48), 48);
        d += panelBytes;
      }
    }
  } else {
    // op(B)[k, j] = b[j*ldb + k]: 16 source rows per panel, transposed 4 x 4 at a time.
    for (let j = 0; j < full; j += NR) {
      const d0 = dst + <usize>(j / NR) * panelBytes;
      for (let g = 0; g < NR; g += 4) {
        const s0 = b + ((<usize>(j0 + j + g)) * ldb + <usize>k0) * 4;
        const s1 = s0 + ldb * 4;
        const s2 = s1 + ldb * 4;
        const s3 = s2 + ldb * 4;
        let d = d0 + <usize>(g * 4);
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const v0 = v128.load(s0 + o);
          const v1 = v128.load(s1 + o);
          const v2 = v128.load(s2 + o);
          const v3 = v128.load(s3 + o);
          const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
          v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), NR * 4);
          v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), NR * 8);
          v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), NR * 12);
          d += NR * 16;
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          store<f32>(d, load<f32>(s0 + o));
          store<f32>(d, load<f32>(s1 + o), 4);
          store<f32>(d, load<f32>(s2 + o), 8);
          store<f32>(d, load<f32>(s3 + o), 12);
          d += NR * 4;
        }
      }
    }
  }
  // Partial last panel (scalar, zero-filled).
  if (full < nc) {
    const nr = nc - full;
    let d = dst + <usize>(full / NR) * panelBytes;
    for (let k = 0; k < kc; k++) {
      for (let c = 0; c < nr; c++) {
        const j = <usize>(j0 + full + c);
        const kk = <usize>(k0 + k);
        const src = transB == 0 ? b + (kk * ldb + j) * 4 : b + (j * ldb + kk) * 4;
        store<f32>(d + (<usize>c << 2), load<f32>(src));
      }
      for (let c = nr; c < NR; c++) store<f32>(d + (<usize>c << 2), 0);
      d += NR * 4;
    }
  }
  // Padding depth row of every panel.
  if (kcp > kc) {
    const zero = f32x4.splat(0);
    const panels = (nc + NR - 1) / NR;
    for (let q = 0; q < panels; q++) {
      const d = dst + <usize>q * panelBytes + <usize>kc * <usize>(NR * 4);
      v128.store(d, zero);
      v128.store(d, zero, 16);
      v128.store(d, zero, 32);
      v128.store(d, zero, 48);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Touching ahead. WebAssembly has no prefetch instruction and the hardware prefetchers start over
// at every 4 KiB page, so reading a large operand in a pass of its own (packing) stalls on memory
// at every new page: 10-20% of the time on shapes whose big operand comes from DRAM. Instead, while
// a kernel computes, it loads one float from each cache line of what it reads next (the next A
// block, the rows of A a few pairs ahead, the dot kernel's next rows of B), a few lines after every
// tile: those misses overlap with the arithmetic, and the data is in cache when its turn comes.
// The region is `rows` runs of `rowBytes` bytes, `stride` bytes apart.
// ---------------------------------------------------------------------------------------------

let tNext: usize = 0; // next address to touch in the current run
let tEnd: usize = 0; // end of the current run
let tStride: usize = 0;
let tRowBytes: usize = 0;
let tRowsLeft: i32 = 0; // runs after the current one
let tPerTile: i32 = 0; // lines per tile; 0 = nothing to touch
let tSink: f32 = 0; // keeps the loads alive

/** Plans to touch the region over the next `tiles` tiles. */
function touchPlan(base: usize, rowBytes: usize, stride: usize, rows: i32, tiles: i32): void {
  const lines = <i64>rows * <i64>((rowBytes + 127) >> 6);
  tNext = base & ~(<usize>63);
  tEnd = base + rowBytes;
  tStride = stride;
  tRowBytes = rowBytes;
  tRowsLeft = rows - 1;
  tPerTile = rows > 0 && tiles > 0 ? <i32>((lines + <i64>tiles - 1) / <i64>tiles) : 0;
}

function touch(): void {
  let lines = tPerTile;
  let p = tNext;
  let s: f32 = 0;
  while (lines > 0) {
    if (p >= tEnd) {
      if (tRowsLeft <= 0) {
        tPerTile = 0;
        break;
      }
      tRowsLeft--;
      const start = tEnd - tRowBytes + tStride;
      p = start & ~(<usize>63);
      tEnd = start + tRowBytes;
    }
    s += load<f32>(p);
    p += 64;
    lines--;
  }
  tNext = p;
  tSink += s;
}

/** The touched values' sum: exported so that the compilers cannot drop the loads as dead. */
export function touchSink(): f32 {
  return tSink;
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels: `tiles` consecutive tiles, each over kcp (even, >= 2) depths. Running many tiles
// per call amortizes the call and loop set-up, which matters for small K.
//
// Each writes its tiles at gC (row stride gLdcb bytes; gC advances to the next tile) per gMode:
// mode 0: C = alpha*acc            mode 1: C = alpha*acc + beta*C
// mode 2: C = C + alpha*acc        mode 3: raw store of acc (partial tiles, C = scratch tile)
//
// Loops are unrolled by two depths. The never-taken `if (kcp < 0)` blocks are deliberate: they
// make V8's TurboFan compute one depth's products before it issues the next depth's loads; without
// them the loads are hoisted to the top of the body, registers run out and an accumulator is
// spilled to the stack on every iteration (35-50% slower).
// ---------------------------------------------------------------------------------------------

// Epilogue parameters live in globals rather than arguments: argument values stay live across the
// loop and cost registers (an f32 argument pins an xmm register and forces an accumulator spill).
let gAlpha: f32 = 1;
let gBeta: f32 = 0;
let gMode: i32 = 0;
let gC: usize = 0;
let gLdcb: usize = 0;

// Writes one accumulator vector at p per gMode.
@inline
function storeVec(p: usize, x: v128, mode: i32, alpha: f32): void {
  if (mode == 3 || (mode == 0 && alpha == 1)) v128.store(p, x);
  else if (mode == 0) v128.store(p, f32x4.mul(x, f32x4.splat(alpha)));
  else if (mode == 1) v128.store(p, f32x4.add(f32x4.mul(x, f32x4.splat(alpha)), f32x4.mul(v128.load(p), f32x4.splat(gBeta))));
  else v128.store(p, f32x4.add(v128.load(p), f32x4.mul(x, f32x4.splat(alpha))));
}

// The bodies of the never-taken scheduling barriers: they store every accumulator.
@inline
function spill8(c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128): void {
  const c = gC;
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
  v128.store(c, c4, 64);
  v128.store(c, c5, 80);
  v128.store(c, c6, 96);
  v128.store(c, c7, 112);
}

@inline
function spill12(c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128,
  c8: v128, c9: v128, c10: v128, c11: v128): void {
  spill8(c0, c1, c2, c3, c4, c5, c6, c7);
  const c = gC;
  v128.store(c, c8, 128);
  v128.store(c, c9, 144);
  v128.store(c, c10, 160);
  v128.store(c, c11, 176);
}

// 6 x 8 tiles down a column of C: tile t uses the packed 6-row panel t of A (starting at pa) and
// 8 columns of one packed B panel (pb: the panel, or its second half at +32 bytes).
function micro6x8(kcp: i32, pa: usize, pb: usize, tiles: i32): void {
  const endOff = <usize>kcp * <usize>(NR * 4);
  const tileStep = gLdcb * 6;
  for (let t = 0; t < tiles; t++) {
    let c00 = f32x4.splat(0);
    let c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0);
    let c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0);
    let c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0);
    let c31 = f32x4.splat(0);
    let c40 = f32x4.splat(0);
    let c41 = f32x4.splat(0);
    let c50 = f32x4.splat(0);
    let c51 = f32x4.splat(0);
    let q = pb;
    const end = pb + endOff;
    do {
      {
        const b0 = v128.load(q);
        const b1 = v128.load(q, 16);
        let a = v128.load32_splat(pa);
        c00 = madd(a, b0, c00);
        c01 = madd(a, b1, c01);
        a = v128.load32_splat(pa, 4);
        c10 = madd(a, b0, c10);
        c11 = madd(a, b1, c11);
        a = v128.load32_splat(pa, 8);
        c20 = madd(a, b0, c20);
        c21 = madd(a, b1, c21);
        a = v128.load32_splat(pa, 12);
        c30 = madd(a, b0, c30);
        c31 = madd(a, b1, c31);
        a = v128.load32_splat(pa, 16);
        c40 = madd(a, b0, c40);
        c41 = madd(a, b1, c41);
        a = v128.load32_splat(pa, 20);
        c50 = madd(a, b0, c50);
        c51 = madd(a, b1, c51);
      }
      if (kcp < 0) spill12(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
      {
        const b0 = v128.load(q, NR * 4);
        const b1 = v128.load(q, NR * 4 + 16);
        let a = v128.load32_splat(pa, 24);
        c00 = madd(a, b0, c00);
        c01 = madd(a, b1, c01);
        a = v128.load32_splat(pa, 28);
        c10 = madd(a, b0, c10);
        c11 = madd(a, b1, c11);
        a = v128.load32_splat(pa, 32);
        c20 = madd(a, b0, c20);
        c21 = madd(a, b1, c21);
        a = v128.load32_splat(pa, 36);
        c30 = madd(a, b0, c30);
        c31 = madd(a, b1, c31);
        a = v128.load32_splat(pa, 40);
        c40 = madd(a, b0, c40);
        c41 = madd(a, b1, c41);
        a = v128.load32_splat(pa, 44);
        c50 = madd(a, b0, c50);
        c51 = madd(a, b1, c51);
      }
      if (kcp < 0) spill12(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
      pa += 48;
      q += NR * 8;
    } while (q < end);

    const mode = gMode;
    const alpha = gAlpha;
    const ldcb = gLdcb;
    let c = gC;
    storeVec(c, c00, mode, alpha);
    storeVec(c + 16, c01, mode, alpha);
    c += ldcb;
    storeVec(c, c10, mode, alpha);
    storeVec(c + 16, c11, mode, alpha);
    c += ldcb;
    storeVec(c, c20, mode, alpha);
    storeVec(c + 16, c21, mode, alpha);
    c += ldcb;
    storeVec(c, c30, mode, alpha);
    storeVec(c + 16, c31, mode, alpha);
    c += ldcb;
    storeVec(c, c40, mode, alpha);
    storeVec(c + 16, c41, mode, alpha);
    c += ldcb;
    storeVec(c, c50, mode, alpha);
    storeVec(c + 16, c51, mode, alpha);
    gC += tileStep; // pa has reached the next panel
    if (tPerTile > 0) touch();
  }
}

// 2 x 16 tiles. A is read either from a packed panel (aSecond = 4: the row pair's values
// interleaved, aStep = 8 bytes per depth; the tiles run down a column of C: tile t uses row pair t
// and the one B panel) or in place (aSecond = the row stride, aStep = 4, kcp == kc; the tiles run
// along a row pair: tile t uses B panel t). Same operations either way.
function micro2x16(kcp: i32, pa: usize, pb0: usize, tiles: i32, aSecond: usize, aStep: usize, alongRow: bool): void {
  const panelBytes = <usize>kcp * <usize>(NR * 4);
  const paStart = pa;
  let pbStart = pb0;
  const tileStep = alongRow ? <usize>(NR * 4) : gLdcb << 1;
  for (let t = 0; t < tiles; t++) {
    let c00 = f32x4.splat(0);
    let c01 = f32x4.splat(0);
    let c02 = f32x4.splat(0);
    let c03 = f32x4.splat(0);
    let c10 = f32x4.splat(0);
    let c11 = f32x4.splat(0);
    let c12 = f32x4.splat(0);
    let c13 = f32x4.splat(0);
    let pb = pbStart;
    const end = pb + panelBytes;
    let p1 = pa + aSecond;
    do {
      {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const b2 = v128.load(pb, 32);
        const b3 = v128.load(pb, 48);
        const a0 = v128.load32_splat(pa);
        c00 = madd(a0, b0, c00);
        c01 = madd(a0, b1, c01);
        c02 = madd(a0, b2, c02);
        c03 = madd(a0, b3, c03);
        const a1 = v128.load32_splat(p1);
        c10 = madd(a1, b0, c10);
        c11 = madd(a1, b1, c11);
        c12 = madd(a1, b2, c12);
        c13 = madd(a1, b3, c13);
      }
      if (kcp < 0) spill8(c00, c01, c02, c03, c10, c11, c12, c13);
      {
        const b0 = v128.load(pb, 64);
        const b1 = v128.load(pb, 80);
        const b2 = v128.load(pb, 96);
        const b3 = v128.load(pb, 112);
        const a0 = v128.load32_splat(pa + aStep);
        c00 = madd(a0, b0, c00);
        c01 = madd(a0, b1, c01);
        c02 = madd(a0, b2, c02);
        c03 = madd(a0, b3, c03);
        const a1 = v128.load32_splat(p1 + aStep);
        c10 = madd(a1, b0, c10);
        c11 = madd(a1, b1, c11);
        c12 = madd(a1, b2, c12);
        c13 = madd(a1, b3, c13);
      }
      pa += aStep << 1;
      p1 += aStep << 1;
      pb += 128;
    } while (pb < end);

    const mode = gMode;
    const alpha = gAlpha;
    const c = gC;
    const c1 = c + gLdcb;
    if (mode == 3 || (mode == 0 && alpha == 1)) {
      v128.store(c, c00);
      v128.store(c, c01, 16);
      v128.store(c, c02, 32);
      v128.store(c, c03, 48);
      v128.store(c1, c10);
      v128.store(c1, c11, 16);
      v128.store(c1, c12, 32);
      v128.store(c1, c13, 48);
    } else {
      storeVec(c, c00, mode, alpha);
      storeVec(c + 16, c01, mode, alpha);
      storeVec(c + 32, c02, mode, alpha);
      storeVec(c + 48, c03, mode, alpha);
      storeVec(c1, c10, mode, alpha);
      storeVec(c1 + 16, c11, mode, alpha);
      storeVec(c1 + 32, c12, mode, alpha);
      storeVec(c1 + 48, c13, mode, alpha);
    }
    gC += tileStep;
    // packed: pa has reached the next row pair's panel; in place: next B panel, same rows
    if (alongRow) {
      pa = paStart;
      pbStart = end;
    }
    if (tPerTile > 0) touch();
  }
}

// Scalar write-back of the valid mr x nr part of a scratch tile (rows `width` floats apart); same
// formulas as storeVec().
function writeBack(tile: usize, width: i32, mr: i32, nr: i32, c: usize, ldcb: usize, alpha: f32, beta: f32, mode: i32): void {
  for (let r = 0; r < mr; r++) {
    const t = tile + <usize>(r * width * 4);
    const cr = c + <usize>r * ldcb;
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const acc = load<f32>(t + o);
      let v: f32;
      if (mode == 0) v = alpha == 1 ? acc : acc * alpha;
      else if (mode == 1) v = acc * alpha + load<f32>(cr + o) * beta;
      else v = load<f32>(cr + o) + acc * alpha;
      store<f32>(cr + o, v);
    }
  }
}

// Rows of a block that go through 6 x 8 tiles: none in plain builds or for a shallow depth block
// (below WIDE_MIN_K the epilogue of the larger tile outweighs its faster loop), else as many as
// fill whole 6-row panels.
@inline
function wideRows(rows: i32, kcp: i32): i32 {
  return WIDE && kcp >= WIDE_MIN_K ? rows - rows % MR : 0;
}

// Packs rows [i0, i0 + rows) of op(A) over depths [k0, k0 + kc) for rowTiles(): in MR-row panels
// as far as they go, the rest in 2-row panels.
function packRows(transA: i32, a: usize, lda: usize, i0: i32, rows: i32, k0: i32, kc: i32, kcp: i32): void {
  const wide = wideRows(rows, kcp);
  if (wide > 0) packA(transA, a, lda, i0, wide, k0, kc, kcp, wsPackA, MR);
  if (wide < rows) packA(transA, a, lda, i0 + wide, rows - wide, k0, kc, kcp, wsPackA + <usize>wide * <usize>kcp * 4, 2);
}

// The tiles of rows [i0, i0 + rows) (packed by packRows) against the packed B panels [q0, q1) of the
// current block, whose C columns start at cb; nc columns in all.
function rowTiles(i0: i32, rows: i32, q0: i32, q1: i32, nc: i32, kcp: i32, cb: usize, ldcb: usize, mode: i32): void {
  const wide = wideRows(rows, kcp);
  const groups = wide / MR;
  const pairs = (rows - wide) >> 1;
  const odd = (rows - wide) & 1;
  const paWide = wsPackA;
  const paPairs = wsPackA + <usize>wide * <usize>kcp * 4;
  const panelPair = <usize>kcp * 8;
  const panelB = <usize>kcp * <usize>(NR * 4);
  const tile = wsTile;
  const alpha = gAlpha;
  const beta = gBeta;
  for (let q = q0; q < q1; q++) {
    const jr = q * NR;
    const nr = min(NR, nc - jr);
    const pb = wsPackB + <usize>q * panelB;
    const cp = cb + <usize>i0 * ldcb + (<usize>jr << 2);
    if (nr == NR) {
      if (groups > 0) {
        gLdcb = ldcb;
        gMode = mode;
        gC = cp;
        micro6x8(kcp, paWide, pb, groups);
        gC = cp + 32;
        micro6x8(kcp, paWide, pb + 32, groups);
      }
      if (pairs > 0) {
        gLdcb = ldcb;
        gMode = mode;
        gC = cp + <usize>wide * ldcb;
        micro2x16(kcp, paPairs, pb, pairs, 4, 8, false);
      }
    } else {
      // The last, partial panel: every tile through the scratch tile.
      for (let g = 0; g < groups; g++) {
        for (let h = 0; h < 2 && 8 * h < nr; h++) {
          gC = tile;
          gLdcb = 32;
          gMode = 3;
          micro6x8(kcp, paWide + <usize>g * <usize>kcp * <usize>(MR * 4), pb + <usize>(32 * h), 1);
          writeBack(tile, 8, MR, min(8, nr - 8 * h), cp + <usize>(g * MR) * ldcb + <usize>(32 * h), ldcb, alpha, beta, mode);
        }
      }
    }
    // Pairs of a partial panel and an odd last row: 2 x 16 through the scratch tile.
    for (let p = nr == NR ? pairs : 0; p < pairs + odd; p++) {
      gC = tile;
      gLdcb = <usize>(NR * 4);
      gMode = 3;
      micro2x16(kcp, paPairs + <usize>p * panelPair, pb, 1, 4, 8, false);
      writeBack(tile, NR, min(2, rows - wide - 2 * p), nr, cp + <usize>(wide + 2 * p) * ldcb, ldcb, alpha, beta, mode);
    }
  }
}

// C = beta * C (used when K == 0).
function scaleC(M: i32, N: i32, beta: f32, c: usize, ldc: usize): void {
  for (let i = 0; i < M; i++) {
    const row = c + <usize>i * ldc * 4;
    for (let j = 0; j < N; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? <f32>0 : load<f32>(p) * beta);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// op(A) = A, op(B) = B^T (a linear layer's forward, attention's Q K^T): both operands have the depth
// contiguous, so instead of transposing B into panels, each tile computes 2 x 4 dot products with
// 4-lane partial sums along k, reduced at the end: B is read once, in address order, with no packing
// pass. Per element: acc = sum over k = 4q + l of A[i,k]*B[j,k] in lane l (fused where the build
// has FMA), then (l0 + l2) + (l1 + l3), then the k % 4 tail in order; every tile size does exactly
// this, so results do not depend on where an element sits or which thread computes it.
// ---------------------------------------------------------------------------------------------

const KD_MAX: i32 = 1024; // depth block: 4 rows of B (16 KiB) stay in L1
const DOT_A_BYTES: i32 = 256 * 1024; // A block kept in L2 while B streams past it

@inline
function reduce4(x: v128): f32 {
  const s = f32x4.add(x, v128.shuffle<f32>(x, x, 2, 3, 2, 3));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

// [a0+a2, a1+a3, b0+b2, b1+b3] -> lanes j of the result: (x0 + x2) + (x1 + x3) for x = a, b, c, d.
@inline
function reduce4x4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

@inline
function epilogue1(acc: f32, p: usize, alpha: f32, beta: f32, mode: i32): void {
  let v: f32;
  if (mode == 0) v = alpha == 1 ? acc : acc * alpha;
  else if (mode == 1) v = acc * alpha + load<f32>(p) * beta;
  else v = load<f32>(p) + acc * alpha;
  store<f32>(p, v);
}

@inline
function epilogue4(acc: v128, p: usize, alpha: f32, beta: f32, mode: i32): void {
  if (mode == 0) {
    v128.store(p, alpha == 1 ? acc : f32x4.mul(acc, f32x4.splat(alpha)));
  } else if (mode == 1) {
    v128.store(p, f32x4.add(f32x4.mul(acc, f32x4.splat(alpha)), f32x4.mul(v128.load(p), f32x4.splat(beta))));
  } else {
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(acc, f32x4.splat(alpha))));
  }
}

// One element, same arithmetic as the tiles.
function dot1(a: usize, b: usize, kc: i32): f32 {
  const kv = kc & ~3;
  let acc = f32x4.splat(0);
  for (let k = 0; k < kv; k += 4) acc = madd(v128.load(a + (<usize>k << 2)), v128.load(b + (<usize>k << 2)), acc);
  let r = reduce4(acc);
  for (let k = kv; k < kc; k++) r += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return r;
}

// 2 x 4 tiles down rows [0, m) against the four B rows at b (rows ldbb bytes apart).
function dotColumn(kc: i32, a: usize, ldab: usize, m: i32, b: usize, ldbb: usize, c: usize, ldcb: usize, alpha: f32, beta: f32, mode: i32): void {
  const kvb = <usize>(kc & ~3) << 2;
  const b1 = b + ldbb;
  const b2 = b1 + ldbb;
  const b3 = b2 + ldbb;
  for (let i = 0; i + 2 <= m; i += 2) {
    const a0 = a + <usize>i * ldab;
    const a1 = a0 + ldab;
    let c00 = f32x4.splat(0);
    let c01 = f32x4.splat(0);
    let c02 = f32x4.splat(0);
    let c03 = f32x4.splat(0);
    let c10 = f32x4.splat(0);
    let c11 = f32x4.splat(0);
    let c12 = f32x4.splat(0);
    let c13 = f32x4.splat(0);
    for (let o: usize = 0; o < kvb; o += 16) {
      const x0 = v128.load(a0 + o);
      const x1 = v128.load(a1 + o);
      const y0 = v128.load(b + o);
      c00 = madd(x0, y0, c00);
      c10 = madd(x1, y0, c10);
      const y1 = v128.load(b1 + o);
      c01 = madd(x0, y1, c01);
      c11 = madd(x1, y1, c11);
      const y2 = v128.load(b2 + o);
      c02 = madd(x0, y2, c02);
      c12 = madd(x1, y2, c12);
      const y3 = v128.load(b3 + o);
      c03 = madd(x0, y3, c03);
      c13 = madd(x1, y3, c13);
    }
    let r0 = reduce4x4(c00, c01, c02, c03);
    let r1 = reduce4x4(c10, c11, c12, c13);
    for (let k = kc & ~3; k < kc; k++) {
      const o = <usize>k << 2;
      const x0 = f32x4.splat(load<f32>(a0 + o));
      const x1 = f32x4.splat(load<f32>(a1 + o));
      const y = f32x4(load<f32>(b + o), load<f32>(b1 + o), load<f32>(b2 + o), load<f32>(b3 + o));
      r0 = f32x4.add(r0, f32x4.mul(x0, y));
      r1 = f32x4.add(r1, f32x4.mul(x1, y));
    }
    const cp = c + <usize>i * ldcb;
    epilogue4(r0, cp, alpha, beta, mode);
    epilogue4(r1, cp + ldcb, alpha, beta, mode);
    if (tPerTile > 0) touch();
  }
}

// Four rows of A against one row of B (a column that dotColumn's 4-wide tiles leave over, such as a
// linear layer's single output): four independent chains where dot1 has one, which waits on each
// multiply-add's latency; every element gets dot1's arithmetic (reduce4x4's lanes are reduce4's sums).
function dotRows4(kc: i32, a: usize, ldab: usize, b: usize, c: usize, ldcb: usize, alpha: f32, beta: f32, mode: i32): void {
  const kvb = <usize>(kc & ~3) << 2;
  const a1 = a + ldab;
  const a2 = a1 + ldab;
  const a3 = a2 + ldab;
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0);
  for (let o: usize = 0; o < kvb; o += 16) {
    const y = v128.load(b + o);
    c0 = madd(v128.load(a + o), y, c0);
    c1 = madd(v128.load(a1 + o), y, c1);
    c2 = madd(v128.load(a2 + o), y, c2);
    c3 = madd(v128.load(a3 + o), y, c3);
  }
  let r = reduce4x4(c0, c1, c2, c3);
  for (let k = kc & ~3; k < kc; k++) {
    const o = <usize>k << 2;
    const x = f32x4(load<f32>(a + o), load<f32>(a1 + o), load<f32>(a2 + o), load<f32>(a3 + o));
    r = f32x4.add(r, f32x4.mul(x, f32x4.splat(load<f32>(b + o))));
  }
  epilogue1(f32x4.extract_lane(r, 0), c, alpha, beta, mode);
  epilogue1(f32x4.extract_lane(r, 1), c + ldcb, alpha, beta, mode);
  epilogue1(f32x4.extract_lane(r, 2), c + 2 * ldcb, alpha, beta, mode);
  epilogue1(f32x4.extract_lane(r, 3), c + 3 * ldcb, alpha, beta, mode);
}

function sgemmDotNT(M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32): void {
  const ldab = <usize>lda << 2;
  const ldbb = <usize>ldb << 2;
  const ldcb = <usize>ldc << 2;
  const nkb = (K + KD_MAX - 1) / KD_MAX;
  const kcb = (K + nkb - 1) / nkb;
  tPerTile = 0;
  for (let pc = 0; pc < K; pc += kcb) {
    const kc = min(kcb, K - pc);
    const mode = pc == 0 ? (beta == 0 ? 0 : 1) : 2;
    const mb = max(2, (DOT_A_BYTES / (kc * 4)) & ~1);
    for (let ic = 0; ic < M; ic += mb) {
      const m = min(mb, M - ic);
      const ap = a + (<usize>ic * <usize>lda + <usize>pc) * 4;
      const cpRow = c + <usize>ic * ldcb;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const bp = b + (<usize>j * <usize>ldb + <usize>pc) * 4;
        if (j + 4 < N) touchPlan(bp + 4 * ldbb, <usize>kc * 4, ldbb, min(4, N - j - 4), max(1, m >> 1));
        dotColumn(kc, ap, ldab, m, bp, ldbb, cpRow + (<usize>j << 2), ldcb, alpha, beta, mode);
        tPerTile = 0;
        if (m & 1) {
          const ar = ap + <usize>(m - 1) * ldab;
          const cr = cpRow + <usize>(m - 1) * ldcb + (<usize>j << 2);
          for (let jj = 0; jj < 4; jj++) epilogue1(dot1(ar, bp + <usize>jj * ldbb, kc), cr + (<usize>jj << 2), alpha, beta, mode);
        }
      }
      for (; j < N; j++) {
        const bp = b + (<usize>j * <usize>ldb + <usize>pc) * 4;
        let i = 0;
        for (; i + 4 <= m; i += 4) dotRows4(kc, ap + <usize>i * ldab, ldab, bp, cpRow + <usize>i * ldcb + (<usize>j << 2), ldcb, alpha, beta, mode);
        for (; i < m; i++) {
          epilogue1(dot1(ap + <usize>i * ldab, bp, kc), cpRow + <usize>i * ldcb + (<usize>j << 2), alpha, beta, mode);
        }
      }
    }
  }
}

/**
 * C = alpha * op(A) * op(B) + beta * C, row-major, all pointers are byte offsets into memory.
 * beta == 0 means C is write-only (it may hold garbage / NaN). Returns 0, or -1 when no workspace
 * was set with setWorkspace().
 */
export function sgemm(
  transA: i32,
  transB: i32,
  M: i32,
  N: i32,
  K: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  beta: f32,
  c: usize,
  ldc: i32,
): i32 {
  if (M <= 0 || N <= 0) return 0;
  if (K <= 0) {
    scaleC(M, N, beta, c, <usize>ldc);
    return 0;
  }
  if (wsPackA == 0) return -1;
  if (transB == 2) {
    if (transA == 0) {
      sgemmDotNT(M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
      return 0;
    }
    transB = 1;
  }
  const ldcb = <usize>ldc << 2;
  // Depth blocks of equal, even size <= KC_MAX (a function of K only: see the header comment).
  const nkb = (K + KC_MAX - 1) / KC_MAX;
  const kcb = (((K + nkb - 1) / nkb) + 1) & ~1;
  gAlpha = alpha;
  gBeta = beta;
  const pb0 = wsPackB;
  const ldab = <usize>lda << 2;
  tPerTile = 0;
  for (let jc = 0; jc < N; jc += NC_MAX) {
    const nc = min(NC_MAX, N - jc);
    const panels = (nc + NR - 1) / NR;
    const fullPanels = nc / NR;
    const cb = c + (<usize>jc << 2);
    for (let pc = 0; pc < K; pc += kcb) {
      const kc = min(kcb, K - pc);
      const kcp = (kc + 1) & ~1;
      const mode = pc == 0 ? (beta == 0 ? 0 : 1) : 2;
      // A taller than one block with few columns is read in place, a row pair at a time against
      // all of B's full panels (packed up front), touching the rows a few pairs ahead; rows and
      // columns left over go through packed tiles. Otherwise A is packed block by block, touching
      // the next block while this one computes.
      const direct = transA == 0 && kc == kcp && M > MC_MAX && nc <= DIRECT_MAX_N && fullPanels > 0;
      const touching = kc >= TOUCH_MIN_K;
      packB(transB, b, <usize>ldb, pc, kc, kcp, jc, nc, pb0);
      for (let ic = 0; ic < M; ic += MC_MAX) {
        const mc = min(MC_MAX, M - ic);
        if (direct) {
          const done = mc & ~1;
          for (let ir = 0; ir < done; ir += 2) {
            const i = ic + ir;
            if (touching && i + TOUCH_ROWS + 2 <= M) {
              touchPlan(a + (<usize>(i + TOUCH_ROWS) * <usize>lda + <usize>pc) * 4, <usize>kc * 4, ldab, 2, fullPanels);
            }
            gC = cb + <usize>i * ldcb;
            gLdcb = ldcb;
            gMode = mode;
            micro2x16(kcp, a + (<usize>i * <usize>lda + <usize>pc) * 4, pb0, fullPanels, ldab, 4, true);
          }
          tPerTile = 0;
          if (done < mc) {
            packRows(transA, a, <usize>lda, ic + done, mc - done, pc, kc, kcp);
            rowTiles(ic + done, mc - done, 0, fullPanels, nc, kcp, cb, ldcb, mode);
          }
          if (fullPanels < panels) {
            packRows(transA, a, <usize>lda, ic, mc, pc, kc, kcp);
            rowTiles(ic, mc, fullPanels, panels, nc, kcp, cb, ldcb, mode);
          }
          continue;
        }
        packRows(transA, a, <usize>lda, ic, mc, pc, kc, kcp);
        if (touching && ic + MC_MAX < M) {
          // touch the next A block while this one computes
          const nmc = min(MC_MAX, M - ic - MC_MAX);
          const tiles = ((mc + MR - 1) / MR) * panels * (WIDE ? 2 : 1);
          if (transA == 0) touchPlan(a + (<usize>(ic + MC_MAX) * <usize>lda + <usize>pc) * 4, <usize>kc * 4, ldab, nmc, tiles);
          else touchPlan(a + (<usize>pc * <usize>lda + <usize>(ic + MC_MAX)) * 4, <usize>nmc * 4, ldab, kc, tiles);
        }
        rowTiles(ic, mc, 0, panels, nc, kcp, cb, ldcb, mode);
        tPerTile = 0;
      }
    }
  }
  return 0;
}
