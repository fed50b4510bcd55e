/** Shape, stride and broadcasting arithmetic shared by every op. */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An Error whose message starts with the op's name, as every nabla error does. */
export function opError(op: string, message: string): Error {
  return new Error(`${op}: ${message}`);
}

/** Resolves a possibly negative dim against `ndim`, naming the op and argument when it is out of range. */
export function normalizeDim(dim: number, ndim: number, op: string, arg = 'dim'): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw opError(op, `${arg} ${dim} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'} (expected to be in range of [${lo}, ${hi}])`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

export function normalizeDims(dims: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (dims === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(d, ndim, op));
  if (new Set(out).size !== out.length) throw opError(op, `dim ${formatShape(list)} contains a repeated dimension`);
  // a 0-d tensor accepts dim 0 / -1 (as PyTorch does) but has no dimension to reduce
  return ndim === 0 ? [] : out.sort((a, b) => a - b);
}

/** PyTorch broadcasting: align from the right; sizes must match or be 1. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw opError(op, `the size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  return out;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

export function checkShape(shape: readonly number[], op: string): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw opError(op, `invalid shape ${formatShape(shape)}: sizes must be non-negative integers`);
  }
  return [...shape];
}
