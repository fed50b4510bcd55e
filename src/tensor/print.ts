/** Printing in PyTorch's style: `tensor([[1.0000, 2.5000], ...], requires_grad=True)`. */
import type { Tensor } from './tensor.js';

const EDGE_ITEMS = 3;
const SUMMARIZE_ABOVE = 1000;
const LINE_WIDTH = 80;

function formatter(values: ArrayLike<number>, dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  const finite = Array.from(values).filter(Number.isFinite);
  const intMode = finite.every(Number.isInteger);
  const absNonZero = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = absNonZero.length ? Math.max(...absNonZero) : 0;
  const minAbs = absNonZero.length ? Math.min(...absNonZero) : 0;
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (intMode) {
    if (maxAbs > 1e8) return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
    return (v) => (Number.isFinite(v) ? `${v}.` : special(v));
  }
  if (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4) {
    return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  }
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

export function formatTensor(t: Tensor): string {
  const values = t.contiguousData();
  const shape = t.shape;
  const summarize = values.length > SUMMARIZE_ABOVE;
  const format = formatter(values, t.dtype);
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
  const shown = (d: number): number[] => {
    const n = shape[d];
    if (!summarize || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
    return [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), -1, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)];
  };
  let width = 0;
  const visit = (d: number, base: number): void => {
    if (d === shape.length) { width = Math.max(width, format(values[base]).length); return; }
    for (const i of shown(d)) if (i >= 0) visit(d + 1, base + i * strides[d]);
  };
  visit(0, 0);
  const pad = (text: string) => text.padStart(width);
  const prefix = 'tensor(';
  const render = (d: number, base: number, indent: number): string => {
    if (d === shape.length) return pad(format(values[base]));
    const items = shown(d).map((i) => (i < 0 ? '...' : render(d + 1, base + i * strides[d], indent + 1)));
    if (d === shape.length - 1) {
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent - 1) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
    }
    const separator = ',' + '\n'.repeat(shape.length - d - 1) + ' '.repeat(indent + 1);
    return `[${items.join(separator)}]`;
  };
  const suffixes: string[] = [];
  let body: string;
  if (shape.length === 0) body = format(values[0]);
  else if (values.length === 0) {
    body = '[]';
    if (shape.length > 1 || shape[0] !== 0) suffixes.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  } else body = render(0, 0, prefix.length);
  if (t.dtype === 'int32') suffixes.push('dtype=int32');
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}Backward>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return `${prefix}${[body, ...suffixes].join(', ')})`;
}
