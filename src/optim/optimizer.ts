/**
 * The optimiser base class, shaped like torch.optim.Optimizer (PyTorch 1.13 semantics).
 *
 * An optimiser holds parameter groups (each a list of tensors plus its own hyper-parameters, which
 * schedulers may change between steps) and per-parameter state (momentum buffers, moment estimates,
 * step counts). `step()` updates every parameter that has a gradient, in place, straight on the
 * typed arrays and outside autograd; once the state exists it allocates no typed arrays (except a
 * contiguous copy of a gradient that is itself a non-contiguous view, which backward never makes).
 *
 * Names are camelCase here (`weightDecay`, `expAvgSq`) and snake_case in `stateDict()`, whose
 * layout mirrors PyTorch's `{state: {0: {...}}, param_groups: [{lr, ..., params: [0, 1]}]}`.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { isRowSparse, type RowSparseTensor } from '../autograd/sparse.js';
import { checkOptions, type OptionSpec } from '../util/options.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/** Keys a group may carry besides its optimiser's hyper-parameters; schedulers set these. */
export interface GroupExtras {
  /** The lr a scheduler started from (set by the first scheduler attached, PyTorch's `initial_lr`). */
  initialLr?: number;
  /** OneCycleLR's bounds. */
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
  [key: string]: unknown;
}

/** The hyper-parameters every optimiser has. */
export interface BaseHyper {
  lr: number;
}

/** A parameter group as the optimiser holds it: its tensors and its (mutable) hyper-parameters. */
export type ParamGroup<H extends BaseHyper = BaseHyper> = H & GroupExtras & { params: Tensor[] };

/** A parameter group as the caller gives it: any hyper-parameter left out takes the optimiser's default. */
export type ParamGroupInput<H extends BaseHyper = BaseHyper> = Partial<H> & {
  params: Tensor | Iterable<Tensor>;
  [key: string]: unknown;
};

/** What an optimiser's constructor takes: tensors (one group), or parameter groups. */
export type ParamsInput<H extends BaseHyper = BaseHyper> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** One parameter's optimiser state: buffers as Tensors, counters as numbers (`null` as PyTorch's None). */
export type ParamState = Record<string, Tensor | number | null>;

/**
 * `Optimizer.stateDict()`: PyTorch's layout with snake_case keys. State tensors are Tensors (copies,
 * so the dict is a snapshot) for the checkpoint code to put into safetensors; everything else is
 * plain JSON. `step` is a number (PyTorch keeps a 0-d tensor for Adam/AdamW/Adagrad; either loads).
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number | null>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

// ---------------------------------------------------------------------------------------------
// Small shared helpers

/** `weightDecay` -> `weight_decay`. */
export function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `weight_decay` -> `weightDecay`. */
export function toCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Python's repr of a float for error messages: 1 -> 1.0, NaN -> nan, Infinity -> inf. */
export function pyFloat(x: unknown): string {
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/**
 * An optimiser's options as given: an object with only the optimiser's keys (their values are checked
 * by validateHyper, with PyTorch's messages), or a number, PyTorch's positional lr
 * (`new optim.Adam(params, 0.01)`).
 */
export function optimizerOptions<O extends object>(owner: string, options: O | number | undefined, keys: readonly (keyof O & string)[]): O {
  if (typeof options === 'number') return { lr: options } as O;
  checkOptions(owner, options, Object.fromEntries(keys.map((k) => [k, 'any'])) as OptionSpec<O>);
  return options ?? ({} as O);
}

function checkNumber(owner: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${owner}: ${name} must be a number, got ${value === null ? 'null' : typeof value}`);
}

/** Throws PyTorch's `Invalid <what>: <value>` unless `0 <= value` (NaN fails too). */
export function checkNonNegative(owner: string, name: string, what: string, value: unknown): void {
  checkNumber(owner, name, value);
  if (!(value >= 0)) throw new RangeError(`Invalid ${what}: ${pyFloat(value)}`);
}

/** Throws `Invalid beta parameter at index i: <value>` unless betas is [b1, b2] with 0 <= b < 1. */
export function checkBetas(owner: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new TypeError(`${owner}: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
  }
  betas.forEach((b, i) => {
    checkNumber(owner, `betas[${i}]`, b);
    if (!(b >= 0 && b < 1)) throw new RangeError(`Invalid beta parameter at index ${i}: ${pyFloat(b)}`);
  });
}

export function checkBoolean(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${owner}: ${name} must be a boolean, got ${typeof value}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** Deep-enough copy of a hyper-parameter value (arrays such as betas are copied so groups never share them). */
function copyValue<T>(v: T): T {
  return (Array.isArray(v) ? [...v] : v) as T;
}

/** A new contiguous float32 Tensor shaped like `like`, filled with `fill` (a state buffer). */
export function stateBuffer(like: Tensor, fill = 0): Tensor {
  const data = new Float32Array(like.numel());
  if (fill !== 0) data.fill(fill);
  return Tensor.fromData(data, like.shape, 'float32');
}

/** `state[key]`'s data, creating a buffer (filled with `fill`) the first time. */
export function ensureBuffer(state: ParamState, key: string, param: Tensor, fill = 0): Float32Array {
  const t = state[key];
  if (t instanceof Tensor) return t.storage.data as Float32Array;
  const created = stateBuffer(param, fill);
  state[key] = created;
  return created.storage.data as Float32Array;
}

/** Element positions of a non-contiguous tensor in its storage, row-major; with a scratch buffer. */
interface Strided {
  index: Int32Array;
  scratch: Float32Array;
}
const stridedCache = new WeakMap<Tensor, Strided>();

function stridedOf(t: Tensor): Strided {
  let s = stridedCache.get(t);
  if (s) return s;
  const n = t.numel();
  const index = new Int32Array(n);
  const nd = t.shape.length;
  const counter = new Array<number>(nd).fill(0);
  let pos = t.offset;
  for (let i = 0; i < n; i++) {
    index[i] = pos;
    for (let d = nd - 1; d >= 0; d--) {
      counter[d]++;
      pos += t.strides[d];
      if (counter[d] < t.shape[d]) break;
      pos -= t.strides[d] * t.shape[d];
      counter[d] = 0;
    }
  }
  s = { index, scratch: new Float32Array(n) };
  stridedCache.set(t, s);
  return s;
}

// ---------------------------------------------------------------------------------------------

/** The base of the optimisers, as `torch.optim.Optimizer`: parameter groups, `zeroGrad`, `step`, state dicts. */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The hyper-parameters a group takes when it does not set them. */
  readonly defaults: Readonly<H>;
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, keyed by the parameter tensor; created on a parameter's first update. */
  state = new Map<Tensor, ParamState>();

  /** The class name used in error messages. */
  protected get name(): string {
    return this.constructor.name;
  }

  constructor(params: ParamsInput<H>, defaults: H) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor`);
    }
    if (!isIterable(params)) {
      throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${describe(params)}`);
    }
    this.validateHyper(defaults, true);
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const groups: ParamGroupInput<H>[] = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>] : (list as ParamGroupInput<H>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Checks a group's (or the defaults') hyper-parameters, throwing PyTorch's messages
   * (`Invalid learning rate: -0.1`). `partial` is true for the defaults, where lr may be missing.
   */
  protected abstract validateHyper(h: Partial<H>, partial: boolean): void;

  /**
   * Updates one parameter: `p[po .. po+n)` from `g[go .. go+n)`, in place, using and updating `state`.
   * Called under noGrad for each parameter of the group whose grad is not null.
   */
  protected abstract updateParam(
    group: ParamGroup<H>,
    state: ParamState,
    p: Float32Array,
    po: number,
    g: Float32Array,
    go: number,
    n: number,
    param: Tensor,
  ): void;

  /**
   * Updates only the rows of a row-sparse gradient (nn.Embedding with sparse: true): `rows[i]` is a
   * row id and `values[i*rowSize .. (i+1)*rowSize)` its gradient (ids may repeat). Returns false to
   * have the gradient applied densely instead (the dense data of a sparse gradient is exact, so
   * an optimiser without sparse support, or a setting it cannot honour sparsely, stays correct).
   * Optimisers that override it: SGD, Adagrad, SparseAdam.
   */
  protected updateSparse(
    _group: ParamGroup<H>, _state: ParamState, _p: Float32Array, _po: number,
    _grad: RowSparseTensor, _param: Tensor,
  ): boolean {
    return false;
  }

  /** Adds a group, like torch's add_param_group: missing hyper-parameters take the defaults. */
  addParamGroup(input: ParamGroupInput<H>): void {
    if (input === null || typeof input !== 'object' || input instanceof Tensor || !('params' in input)) {
      throw new TypeError(`${this.name}: a param group must be an object with a "params" list, got ${describe(input)}`);
    }
    const raw = input.params;
    let params: unknown[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw instanceof Set) {
      throw new TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.');
    } else if (isIterable(raw)) params = Array.from(raw);
    else throw new TypeError(`${this.name}: a param group's "params" must be a Tensor or a list of Tensors, got ${describe(raw)}`);

    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${describe(p)}`);
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
      if (p.dtype !== 'float32') throw new TypeError(`optimizer can only optimize floating point Tensors, but one of the params has dtype ${p.dtype}`);
    }
    const tensors = params as Tensor[];
    const incoming = new Set(tensors);
    if (incoming.size !== tensors.length) {
      // PyTorch only warns; a duplicate would be stepped twice and breaks stateDict's numbering.
      throw new Error('optimizer contains a parameter group with duplicate parameters');
    }
    for (const g of this.paramGroups) {
      for (const p of g.params) if (incoming.has(p)) throw new Error('some parameters appear in more than one parameter group');
    }

    const group: Record<string, unknown> = {};
    for (const [k, d] of Object.entries(this.defaults)) {
      const v = input[k] !== undefined ? input[k] : d;
      if (v === undefined) throw new Error(`parameter group didn't specify a value of required optimization parameter ${k}`);
      group[k] = copyValue(v);
    }
    for (const [k, v] of Object.entries(input)) {
      if (k !== 'params' && !(k in group) && v !== undefined) group[k] = copyValue(v);
    }
    this.validateHyper(group as Partial<H>, false);
    group.params = tensors;
    this.paramGroups.push(group as ParamGroup<H>);
  }

  /**
   * Clears every parameter's gradient: to null (the default, as PyTorch 2 does) or, with
   * `setToNone = false`, to zeros in place.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.gradForUpdate();
        if (g === null) continue;
        if (setToNone) {
          p.clearGrad();
          continue;
        }
        if (g.gradFn !== null) g.detach_();
        else g.requiresGradInternal = false;
        if (g.isContiguous()) {
          g.storage.data.fill(0, g.offset, g.offset + g.numel());
          g.bumpVersion();
        } else noGrad(() => g.zero_());
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. `closure`, if given, re-evaluates the model
   * (with grad enabled) and returns the loss, which step returns.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    let loss: T | undefined;
    if (closure) loss = enableGrad(closure);
    noGrad(() => {
      this.paramGroups.forEach((group, gi) => this.stepGroup(group, gi));
    });
    return loss;
  }

  private stepGroup(group: ParamGroup<H>, gi: number): void {
    const params = group.params;
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      const grad = param.gradForUpdate();
      if (grad === null) continue;
      if (grad.dtype !== 'float32') {
        throw new TypeError(`${this.name}.step: the gradient of parameter ${i} in group ${gi} has dtype ${grad.dtype}, expected float32`);
      }
      if (!shapesEqual(grad.shape, param.shape)) {
        throw new Error(`${this.name}.step: the gradient of parameter ${i} in group ${gi} has shape ${formatShape(grad.shape)} but the parameter has shape ${formatShape(param.shape)}`);
      }
      let state = this.state.get(param);
      if (state === undefined) {
        state = {};
        this.state.set(param, state);
      }
      if (isRowSparse(grad) && param.isContiguous() && this.updateSparse(group, state, param.storage.data as Float32Array, param.offset, grad, param)) {
        param.bumpVersion();
        continue;
      }
      let g: Float32Array;
      let go: number;
      if (grad.isContiguous()) {
        g = grad.storage.data as Float32Array;
        go = grad.offset;
      } else {
        g = grad.contiguousData() as Float32Array;
        go = 0;
      }
      const n = param.numel();
      const pd = param.storage.data as Float32Array;
      if (param.isContiguous()) {
        this.updateParam(group, state, pd, param.offset, g, go, n, param);
      } else {
        const { index, scratch } = stridedOf(param);
        for (let j = 0; j < n; j++) scratch[j] = pd[index[j]];
        this.updateParam(group, state, scratch, 0, g, go, n, param);
        for (let j = 0; j < n; j++) pd[index[j]] = scratch[j];
      }
      param.bumpVersion();
    }
  }

  /**
   * PyTorch's state_dict: parameters are numbered in group order; `state` maps those numbers to
   * each parameter's state, `param_groups` lists each group's hyper-parameters and numbers. State
   * tensors are copies (a snapshot; PyTorch hands out references).
   */
  stateDict(): OptimizerStateDict {
    const ids = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[toSnake(k)] = copyValue(v);
      packed.params = group.params.map((p) => {
        if (!ids.has(p)) ids.set(p, next++);
        return ids.get(p)!;
      });
      return packed as Record<string, unknown> & { params: number[] };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const id = ids.get(p);
      if (id === undefined) continue;
      const out: Record<string, Tensor | number | null> = {};
      for (const [k, v] of Object.entries(s)) out[toSnake(k)] = v instanceof Tensor ? v.cloneContiguous() : v;
      state[id] = out;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a dict from `stateDict()` (or PyTorch's, keys snake_case, state tensors as Tensors). The
   * groups must match in number and size; the saved hyper-parameters replace the current ones (the
   * parameters stay). State tensors are copied. Nothing changes if the dict is refused.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || sd.state === null || typeof sd.state !== 'object') {
      throw new TypeError(`${where}: expected {state: {...}, param_groups: [...]} as stateDict() returns`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`loaded state dict has a different number of parameter groups (${saved.length} saved, ${this.paramGroups.length} in this optimizer)`);
    }
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, gi) => {
      if (sg === null || typeof sg !== 'object' || !Array.isArray(sg.params)) throw new TypeError(`${where}: param_groups[${gi}] has no "params" list`);
      const mine = this.paramGroups[gi].params;
      if (sg.params.length !== mine.length) {
        throw new Error(`loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${gi}: ${sg.params.length} saved parameters, ${mine.length} in this optimizer)`);
      }
      sg.params.forEach((id, j) => idMap.set(Number(id), mine[j]));
    });

    const newGroups = saved.map((sg, gi) => {
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') group[toCamel(k)] = copyValue(v);
      for (const [k, d] of Object.entries(this.defaults)) if (group[k] === undefined && d !== undefined) group[k] = copyValue(d);
      try {
        this.validateHyper(group as Partial<H>, false);
      } catch (e) {
        throw new Error(`${where}: param_groups[${gi}]: ${(e as Error).message}`);
      }
      group.params = this.paramGroups[gi].params;
      return group as ParamGroup<H>;
    });

    const newState = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const param = idMap.get(Number(key));
      if (param === undefined) throw new Error(`${where}: state for parameter ${key}, which no saved param group lists`);
      if (entry === null || typeof entry !== 'object') throw new TypeError(`${where}: state[${key}] is not an object`);
      const s: ParamState = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        const name = toCamel(k);
        if (v instanceof Tensor) {
          if (name === 'step') {
            if (v.numel() !== 1) throw new Error(`${where}: state[${key}].step has ${v.numel()} elements, expected one`);
            s[name] = Number(v.contiguousData()[0]);
          } else {
            if (v.numel() !== param.numel()) {
              throw new Error(`${where}: state[${key}].${k} has shape ${formatShape(v.shape)} but its parameter has shape ${formatShape(param.shape)}`);
            }
            s[name] = Tensor.fromData(Float32Array.from(v.contiguousData()), param.shape, 'float32');
          }
        } else if (v === null || typeof v === 'number') s[name] = v;
        else throw new TypeError(`${where}: state[${key}].${k} is ${describe(v)}, expected a Tensor, a number or null`);
      }
      newState.set(param, s);
    }
    this.paramGroups = newGroups;
    this.state = newState;
  }
}
