/** Python-style formatting for module reprs, so `String(model)` reads like PyTorch's `print(model)`. */

/** A float as Python's repr writes it: `0.1`, `1.0`, `1e-05`, `None` for null. */
export function pyFloat(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'None';
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = x.toExponential().split('e');
    const sign = exponent[0] === '-' ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** An int, or a tuple of ints as Python prints it: `3`, `(3, 3)`, `(3,)`. */
export function pyInts(v: number | readonly number[] | null | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return String(v);
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;
}

export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

export function pyStr(s: string): string {
  return `'${s}'`;
}

/** Indents every line after the first (PyTorch's _addindent). */
export function addIndent(text: string, spaces: number): string {
  const lines = text.split('\n');
  if (lines.length === 1) return text;
  const pad = ' '.repeat(spaces);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}
