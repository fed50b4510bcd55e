/**
 * Reference gate kernels of the recurrent layers: the elementwise part of one time step (after the
 * gemms, adding the biases) and its gradient, over `rows` batch rows at once. Every buffer is row-major with rows of
 * contiguous width (gates: G*hidden, states: hidden) starting at the given offset.
 *
 * Gate order is PyTorch's: LSTM i, f, g, o; GRU r, z, n.
 */

// exp by range reduction and a degree-7 polynomial: relative error < 1e-8 (far below float32's 6e-8),
// about twice as fast as Math.exp in V8, and the gate kernels are mostly exp.
const INV_LN2 = 1 / Math.LN2;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const POW2 = new Float64Array(256).map((_, k) => 2 ** (k - 128));

function exp(x: number): number {
  if (x > 87) x = 87;
  else if (x < -87) x = -87;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return p * POW2[k + 128];
}

let zeroBias = new Float32Array(64);

/** The bias to add, or a zero vector of at least n entries (so the loops need no branch). */
function biasOrZeros(bias: Float32Array | null, n: number): Float32Array {
  if (bias) return bias;
  if (zeroBias.length < n) zeroBias = new Float32Array(n);
  return zeroBias;
}

function sigmoid(x: number): number {
  return 1 / (1 + exp(-x));
}

function tanh(x: number): number {
  // near 0, 1 - 2/(e^2x + 1) cancels: use the series there
  if (x < 0.004 && x > -0.004) return x - (x * x * x) / 3;
  return 1 - 2 / (exp(2 * x) + 1);
}

/**
 * Elman step: h = tanh(gates + gh + bias) (or relu). `gates` holds x·W_ihᵀ, `gh` holds h_prev·W_hhᵀ,
 * `bias` is b_ih + b_hh (or null).
 */
export function rnnCellForward(nonlinearity: 'tanh' | 'relu', rows: number, hidden: number,
  gates: Float32Array, gatesOffset: number, gh: Float32Array, ghOffset: number, bias: Float32Array | null,
  h: Float32Array, hOffset: number): void {
  const H = hidden;
  const b = biasOrZeros(bias, H);
  const relu = nonlinearity === 'relu';
  for (let r = 0; r < rows; r++) {
    const row = r * H;
    for (let j = 0; j < H; j++) {
      const v = gates[gatesOffset + row + j] + gh[ghOffset + row + j] + b[j];
      h[hOffset + row + j] = relu ? (v > 0 ? v : 0) : tanh(v);
    }
  }
}

/** dGates = dh · act'(pre), computed from the step's output h. */
export function rnnCellBackward(nonlinearity: 'tanh' | 'relu', rows: number, hidden: number,
  h: Float32Array, hOffset: number, dh: Float32Array, dhOffset: number,
  dGates: Float32Array, dGatesOffset: number): void {
  const n = rows * hidden;
  if (nonlinearity === 'tanh') {
    for (let i = 0; i < n; i++) {
      const y = h[hOffset + i];
      dGates[dGatesOffset + i] = dh[dhOffset + i] * (1 - y * y);
    }
  } else {
    for (let i = 0; i < n; i++) dGates[dGatesOffset + i] = h[hOffset + i] > 0 ? dh[dhOffset + i] : 0;
  }
}

/**
 * LSTM step. `gates` enters as x·W_ihᵀ ([rows, 4H], order i, f, g, o; `bias` = b_ih + b_hh or null)
 * and leaves holding the activated gates (sigmoid, sigmoid, tanh, sigmoid), which is what backward
 * needs. c = f*cPrev + i*g, h = o*tanh(c).
 */
export function lstmCellForward(rows: number, hidden: number,
  gates: Float32Array, gatesOffset: number, gh: Float32Array, ghOffset: number, bias: Float32Array | null,
  cPrev: Float32Array, cPrevOffset: number, c: Float32Array, cOffset: number,
  h: Float32Array, hOffset: number): void {
  const H = hidden, G = 4 * H;
  const b = biasOrZeros(bias, G);
  for (let r = 0; r < rows; r++) {
    const gRow = gatesOffset + r * G, hRow = ghOffset + r * G, sRow = r * H;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(gates[gRow + j] + gh[hRow + j] + b[j]);
      const fg = sigmoid(gates[gRow + H + j] + gh[hRow + H + j] + b[H + j]);
      const gg = tanh(gates[gRow + 2 * H + j] + gh[hRow + 2 * H + j] + b[2 * H + j]);
      const og = sigmoid(gates[gRow + 3 * H + j] + gh[hRow + 3 * H + j] + b[3 * H + j]);
      gates[gRow + j] = ig;
      gates[gRow + H + j] = fg;
      gates[gRow + 2 * H + j] = gg;
      gates[gRow + 3 * H + j] = og;
      const cv = fg * cPrev[cPrevOffset + sRow + j] + ig * gg;
      c[cOffset + sRow + j] = cv;
      h[hOffset + sRow + j] = og * tanh(cv);
    }
  }
}

/**
 * LSTM step gradient. `dh` is dL/dh_t; `dc` enters as dL/dc_t from later steps and leaves as
 * dL/dc_{t-1}. Writes the pre-activation gate gradients [rows, 4H] to dGates.
 */
export function lstmCellBackward(rows: number, hidden: number,
  gates: Float32Array, gatesOffset: number, cPrev: Float32Array, cPrevOffset: number,
  c: Float32Array, cOffset: number, dh: Float32Array, dhOffset: number,
  dc: Float32Array, dcOffset: number, dGates: Float32Array, dGatesOffset: number): void {
  const H = hidden, G = 4 * H;
  for (let r = 0; r < rows; r++) {
    const gRow = gatesOffset + r * G, dRow = dGatesOffset + r * G, sRow = r * H;
    for (let j = 0; j < H; j++) {
      const ig = gates[gRow + j], fg = gates[gRow + H + j], gg = gates[gRow + 2 * H + j], og = gates[gRow + 3 * H + j];
      const tc = tanh(c[cOffset + sRow + j]);
      const dhv = dh[dhOffset + sRow + j];
      const dcv = dc[dcOffset + sRow + j] + dhv * og * (1 - tc * tc);
      const dog = dhv * tc;
      const dig = dcv * gg;
      const dfg = dcv * cPrev[cPrevOffset + sRow + j];
      const dgg = dcv * ig;
      dc[dcOffset + sRow + j] = dcv * fg;
      dGates[dRow + j] = dig * ig * (1 - ig);
      dGates[dRow + H + j] = dfg * fg * (1 - fg);
      dGates[dRow + 2 * H + j] = dgg * (1 - gg * gg);
      dGates[dRow + 3 * H + j] = dog * og * (1 - og);
    }
  }
}

/**
 * GRU step. `gates` enters as x·W_ihᵀ ([rows, 3H], order r, z, n) and leaves holding the activated
 * r, z, n; `gh` is h_prev·W_hhᵀ; `bias` is b_ih + b_hh for r and z and b_in for n (or null);
 * `biasHn` is b_hn (or null). r = σ(.), z = σ(.), n = tanh(x_n + b_in + r*(gh_n + b_hn)),
 * h = (1-z)*n + z*h_prev. `hn` saves gh_n + b_hn for backward ([rows, H]).
 */
export function gruCellForward(rows: number, hidden: number,
  gates: Float32Array, gatesOffset: number, gh: Float32Array, ghOffset: number, bias: Float32Array | null,
  biasHn: Float32Array | null, hPrev: Float32Array, hPrevOffset: number, h: Float32Array, hOffset: number,
  hn: Float32Array, hnOffset: number): void {
  const H = hidden, G = 3 * H;
  const b = biasOrZeros(bias, G);
  const bn = biasOrZeros(biasHn, H);
  for (let r = 0; r < rows; r++) {
    const gRow = gatesOffset + r * G, hRow = ghOffset + r * G, sRow = r * H;
    for (let j = 0; j < H; j++) {
      const rg = sigmoid(gates[gRow + j] + gh[hRow + j] + b[j]);
      const zg = sigmoid(gates[gRow + H + j] + gh[hRow + H + j] + b[H + j]);
      const hnv = gh[hRow + 2 * H + j] + bn[j];
      const ng = tanh(gates[gRow + 2 * H + j] + b[2 * H + j] + rg * hnv);
      gates[gRow + j] = rg;
      gates[gRow + H + j] = zg;
      gates[gRow + 2 * H + j] = ng;
      hn[hnOffset + sRow + j] = hnv;
      h[hOffset + sRow + j] = (1 - zg) * ng + zg * hPrev[hPrevOffset + sRow + j];
    }
  }
}

/**
 * GRU step gradient. Writes dGatesX (pre-activation gradients on the input path, [rows, 3H]) and
 * dGatesH (on the hidden path: the same for r and z, r * dn for n); `dh` enters as dL/dh_t and
 * leaves as its direct path to h_prev (dh * z), to which the caller adds dGatesH·W_hh.
 */
export function gruCellBackward(rows: number, hidden: number,
  gates: Float32Array, gatesOffset: number, hn: Float32Array, hnOffset: number,
  hPrev: Float32Array, hPrevOffset: number, dh: Float32Array, dhOffset: number,
  dGatesX: Float32Array, dGatesXOffset: number, dGatesH: Float32Array, dGatesHOffset: number): void {
  const H = hidden, G = 3 * H;
  for (let r = 0; r < rows; r++) {
    const gRow = gatesOffset + r * G, xRow = dGatesXOffset + r * G, hRow = dGatesHOffset + r * G, sRow = r * H;
    for (let j = 0; j < H; j++) {
      const rg = gates[gRow + j], zg = gates[gRow + H + j], ng = gates[gRow + 2 * H + j];
      const dhv = dh[dhOffset + sRow + j];
      const dnPre = dhv * (1 - zg) * (1 - ng * ng);
      const dzPre = dhv * (hPrev[hPrevOffset + sRow + j] - ng) * zg * (1 - zg);
      const drPre = dnPre * hn[hnOffset + sRow + j] * rg * (1 - rg);
      dGatesX[xRow + j] = drPre;
      dGatesX[xRow + H + j] = dzPre;
      dGatesX[xRow + 2 * H + j] = dnPre;
      dGatesH[hRow + j] = drPre;
      dGatesH[hRow + H + j] = dzPre;
      dGatesH[hRow + 2 * H + j] = dnPre * rg;
      dh[dhOffset + sRow + j] = dhv * zg;
    }
  }
}
