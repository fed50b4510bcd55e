/**
 * default_collate: turns a list of dataset items into one batch, as `torch.utils.data.default_collate` does.
 *
 *   Tensor                 -> stack along a new first dimension
 *   number                 -> 1-D tensor: int32 when every number is an integer that fits, float32 otherwise
 *                             (JS has one number type: a float label that happens to be whole collates as int32)
 *   boolean                -> 1-D bool tensor
 *   string                 -> the list of strings
 *   typed array            -> stacked like a 1-D tensor (Float32Array/Float64Array -> float32, integer arrays -> int32)
 *   array / tuple          -> an array of the same length, each position collated on its own (items must agree in length)
 *   plain object (record)  -> an object with the same keys, each key collated on its own
 */
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/join.js';

/** The type `defaultCollate` makes of a list of `T` (unknown stays unknown). */
export type Collated<T> = unknown extends T
  ? unknown
  : T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends ArrayBufferView
        ? Tensor
        : T extends readonly unknown[]
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : T extends object
            ? { -readonly [K in keyof T]: Collated<T[K]> }
            : never;

function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof Tensor) return 'a Tensor';
  if (Array.isArray(x)) return 'an array';
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'object') return isPlainObject(x) ? 'an object' : `a ${(x as object).constructor?.name ?? 'object'}`;
  return `a ${typeof x}`;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function mismatch(path: string, j: number, item: unknown, first: unknown): Error {
  return new TypeError(`defaultCollate: item ${j}${path} is ${kindOf(item)} but item 0${path} is ${kindOf(first)}; every item of a batch must have the same structure`);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function collateNumbers(items: readonly unknown[], path: string): Tensor {
  const n = items.length;
  let integral = true;
  for (let j = 0; j < n; j++) {
    const v = items[j];
    if (typeof v !== 'number') throw mismatch(path, j, v, items[0]);
    if (integral && !(Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX)) integral = false;
  }
  const data = integral ? new Int32Array(n) : new Float32Array(n);
  for (let j = 0; j < n; j++) data[j] = items[j] as number;
  return Tensor.fromData(data, [n], integral ? 'int32' : 'float32');
}

function collateTypedArrays(items: readonly unknown[], path: string): Tensor {
  const first = items[0] as ArrayLike<number> & ArrayBufferView;
  if (first instanceof DataView || typeof (first as unknown as { length?: unknown }).length !== 'number') {
    throw new TypeError(`defaultCollate: item 0${path} is a DataView, which cannot be collated; use a typed array or a Tensor`);
  }
  const isFloat = first instanceof Float32Array || first instanceof Float64Array;
  const len = first.length;
  const n = items.length;
  const data = isFloat ? new Float32Array(n * len) : new Int32Array(n * len);
  for (let j = 0; j < n; j++) {
    const it = items[j] as ArrayLike<number>;
    if (!ArrayBuffer.isView(it) || it.constructor !== first.constructor) throw mismatch(path, j, it, first);
    if (it.length !== len) {
      throw new Error(`defaultCollate: item ${j}${path} has length ${it.length} but item 0${path} has length ${len}; typed arrays in a batch must be of equal length`);
    }
    data.set(it, j * len);
  }
  return Tensor.fromData(data, [n, len], isFloat ? 'float32' : 'int32');
}

function collateAt(items: readonly unknown[], path: string): unknown {
  const first = items[0];
  const n = items.length;
  if (first instanceof Tensor) {
    for (let j = 1; j < n; j++) if (!(items[j] instanceof Tensor)) throw mismatch(path, j, items[j], first);
    try {
      return stack(items as Tensor[]);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`defaultCollate: cannot stack the batch's tensors${path ? ` at ${path}` : ''}: ${reason}. Tensors in a batch must all have the same shape; pass a collate function to batch items of different shapes`, { cause: err });
    }
  }
  if (typeof first === 'number') return collateNumbers(items, path);
  if (typeof first === 'boolean') {
    const data = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      if (typeof items[j] !== 'boolean') throw mismatch(path, j, items[j], first);
      data[j] = items[j] ? 1 : 0;
    }
    return Tensor.fromData(data, [n], 'bool');
  }
  if (typeof first === 'string') {
    for (let j = 1; j < n; j++) if (typeof items[j] !== 'string') throw mismatch(path, j, items[j], first);
    return [...items];
  }
  if (ArrayBuffer.isView(first)) return collateTypedArrays(items, path);
  if (Array.isArray(first)) {
    const len = first.length;
    for (let j = 1; j < n; j++) {
      const it = items[j];
      if (!Array.isArray(it)) throw mismatch(path, j, it, first);
      if (it.length !== len) {
        throw new Error(`defaultCollate: each element in list of batch should be of equal size: item ${j}${path} has ${it.length} elements but item 0${path} has ${len}`);
      }
    }
    const out = new Array<unknown>(len);
    for (let k = 0; k < len; k++) out[k] = collateAt(items.map((it) => (it as unknown[])[k]), `${path}[${k}]`);
    return out;
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (let j = 1; j < n; j++) {
      const it = items[j];
      if (!isPlainObject(it)) throw mismatch(path, j, it, first);
      for (const key of keys) {
        if (!(key in it)) throw new Error(`defaultCollate: item ${j}${path} has no key '${key}', but item 0${path} has it`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = collateAt(items.map((it) => (it as Record<string, unknown>)[key]), `${path}.${key}`);
    return out;
  }
  throw new TypeError(
    `defaultCollate: item 0${path} is ${kindOf(first)}; batches must contain tensors, numbers, booleans, strings, typed arrays, arrays or plain objects (pass a collate function for anything else)`,
  );
}

/** Collates a list of dataset items into a batch (see the module comment for the rules). */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (!Array.isArray(batch)) throw new TypeError(`defaultCollate: expected an array of items, got ${kindOf(batch)}`);
  if (batch.length === 0) throw new Error('defaultCollate: cannot collate an empty batch');
  return collateAt(batch, '') as Collated<T>;
}
