/**
 * Module: the base of every layer and model (PyTorch's nn.Module).
 *
 * A module finds its parts by walking its own fields in insertion order (`Object.entries(this)`):
 * a field holding a Parameter is a parameter, a field holding a Module is a child, and the state-dict
 * key is the field path (`conv1.weight`, `layers.0.bias`). Name fields as you would in PyTorch: the
 * key is the field name exactly as written. Buffers (plain tensors that belong to the state, like
 * BatchNorm's running statistics) are registered by name with `registerBuffer`, and parameters or
 * modules whose names are not identifiers (containers' `0`, `1`, ...) with `registerParameter` /
 * `registerModule`; those come after the field-found ones of the same kind.
 *
 * Calling convention: subclasses implement `forward(...)`; callers write `model.call(x)` (runs the
 * forward hooks, then forward) or `model.forward(x)` (forward alone). Both are typed by forward's
 * own signature.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Parameter } from './parameter.js';
import { addIndent } from './repr.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/** Tensors by dotted parameter path (`conv1.weight`), PyTorch's key names. */
export type StateDict = Record<string, Tensor>;

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true). Shape mismatches are refused either way. */
  strict?: boolean;
}

/** The keys `loadStateDict` did not find or did not expect. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Options of `stateDict`. */
export interface StateDictOptions {
  /** Prepended to every key. */
  prefix?: string;
  /** Return the parameters themselves instead of detached views sharing their storage. */
  keepVars?: boolean;
}

/** What registering a hook returns: `remove()` unregisters it. */
export interface HookHandle {
  remove(): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgs = any[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyResult = any;

/** A hook called before `forward` with the arguments; it may replace them. */
export type ForwardPreHook = (module: Module, args: AnyArgs) => AnyArgs | void;
/** A hook called after `forward` with the arguments and output; it may replace the output. */
export type ForwardHook = (module: Module, args: AnyArgs, output: AnyResult) => AnyResult | void;

interface BufferEntry {
  tensor: Tensor | null;
  persistent: boolean;
}

const warnedFields = new Set<string>();

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '') throw new Error(`${kind}: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (name.includes('.')) throw new Error(`${kind}: name can't contain ".", got "${name}"`);
}

/**
 * The base class of layers and models, as `torch.nn.Module`: parameters and submodules are found in its fields.
 *
 * @example
 * ```ts
 * class MLP extends nn.Module {
 *   fc1 = new nn.Linear(784, 128);
 *   fc2 = new nn.Linear(128, 10);
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.call(nb.relu(this.fc1.call(x)));
 *   }
 * }
 * const model = new MLP();
 * const logits = model.call(nb.randn([32, 784])); // [32, 10]
 * Object.keys(model.stateDict()); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * ```
 */
export class Module {
  /** Whether the module is in training mode (dropout active, batch norm using batch statistics). */
  training = true;

  readonly #buffers = new Map<string, BufferEntry>();
  readonly #registered = new Map<string, Parameter | Module | null>();
  readonly #preHooks = new Map<number, ForwardPreHook>();
  readonly #hooks = new Map<number, ForwardHook>();
  static #nextHookId = 0;

  /** The computation. Subclasses override it with their own signature. */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  forward(...args: AnyArgs): AnyResult {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /**
   * Runs the module like PyTorch's `model(x)`: forward pre-hooks, forward, forward hooks.
   * Typed by the subclass's forward: `model.call(x)` has forward's parameters and return type.
   */
  call<M extends Module>(this: M, ...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    let input: AnyArgs = args;
    for (const hook of [...this.#preHooks.values()]) {
      const replaced = hook(this, input);
      if (replaced !== undefined) input = Array.isArray(replaced) ? replaced : [replaced];
    }
    let output = this.forward(...input);
    for (const hook of [...this.#hooks.values()]) {
      const replaced = hook(this, input, output);
      if (replaced !== undefined) output = replaced;
    }
    return output;
  }

  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    const id = Module.#nextHookId++;
    this.#preHooks.set(id, hook);
    return { remove: () => { this.#preHooks.delete(id); } };
  }

  registerForwardHook(hook: ForwardHook): HookHandle {
    const id = Module.#nextHookId++;
    this.#hooks.set(id, hook);
    return { remove: () => { this.#hooks.delete(id); } };
  }

  // ---------- registration ----------

  /** Defines `this[name]` as an accessor over a registry entry (non-enumerable, so the field walk does not see it twice). */
  #defineAccessor(kind: string, name: string, get: () => unknown, set: (v: unknown) => void): void {
    // A field declared but not yet set (`mask!: Tensor` defines `mask` as undefined) is a placeholder: replace it.
    const own = Object.getOwnPropertyDescriptor(this, name);
    if (own && 'value' in own && (own.value === undefined || own.value === null)) delete (this as Record<string, unknown>)[name];
    if (name in this) throw new Error(`${kind}: attribute "${name}" already exists on ${this.constructor.name}`);
    Object.defineProperty(this, name, { get, set, enumerable: false, configurable: true });
  }

  /**
   * Registers a tensor that is part of the module's state but not learned (running statistics,
   * counters). Persistent buffers appear in stateDict() under `name`; readable as `module[name]`.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    checkName('registerBuffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new Error(`registerBuffer: buffer "${name}" must be a Tensor or null, got ${typeof tensor}`);
    if (tensor instanceof Parameter) throw new Error(`registerBuffer: "${name}" is a Parameter; register it with registerParameter or assign it to a field`);
    const existing = this.#buffers.get(name);
    if (existing) {
      existing.tensor = tensor;
      existing.persistent = persistent;
      return;
    }
    if (Object.prototype.hasOwnProperty.call(this, name) && (this as Record<string, unknown>)[name] instanceof Tensor) {
      delete (this as Record<string, unknown>)[name];
    }
    const entry: BufferEntry = { tensor, persistent };
    this.#defineAccessor('registerBuffer', name, () => entry.tensor, (v) => {
      if (v !== null && !(v instanceof Tensor)) throw new Error(`${this.constructor.name}.${name}: a buffer must be set to a Tensor or null`);
      entry.tensor = v as Tensor | null;
    });
    this.#buffers.set(name, entry);
  }

  /** The buffer registered under `name` (undefined when there is none). */
  getBuffer(name: string): Tensor | null | undefined {
    return this.#buffers.get(name)?.tensor;
  }

  /** Registers a parameter under a name that need not be a field (readable as `module[name]`). */
  registerParameter(name: string, param: Parameter | null): void {
    checkName('registerParameter', name);
    const value: unknown = param;
    if (value !== null && !(value instanceof Parameter)) {
      throw new Error(`registerParameter: cannot assign a ${value instanceof Tensor ? 'Tensor' : typeof value} as parameter "${name}" (nn.Parameter or null expected); wrap it: new nn.Parameter(t)`);
    }
    this.#register('registerParameter', name, param);
  }

  /** Registers a child module under a name that need not be an identifier (containers use `0`, `1`, ...). */
  registerModule(name: string, module: Module | null): void {
    checkName('registerModule', name);
    if (module !== null && !(module instanceof Module)) throw new Error(`registerModule: "${name}" is not a Module (got ${typeof module})`);
    this.#register('registerModule', name, module);
  }

  /** PyTorch's spelling of registerModule. */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  #register(kind: string, name: string, value: Parameter | Module | null): void {
    if (this.#registered.has(name)) {
      this.#registered.set(name, value);
      return;
    }
    this.#defineAccessor(kind, name, () => this.#registered.get(name) ?? null, (v) => {
      if (v !== null && !(v instanceof Parameter) && !(v instanceof Module)) throw new Error(`${this.constructor.name}.${name}: must be set to a Parameter, a Module or null`);
      this.#registered.set(name, v as Parameter | Module | null);
    });
    this.#registered.set(name, value);
  }

  /** Drops a registered module or parameter (containers use this when they re-index). */
  protected unregister(name: string): void {
    if (this.#registered.delete(name)) delete (this as Record<string, unknown>)[name];
  }

  /** Own parameters and children: fields first (insertion order), then registered ones. */
  #ownMembers(): { params: [string, Parameter][]; modules: [string, Module][] } {
    const params: [string, Parameter][] = [];
    const modules: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) params.push([key, value]);
      else if (value instanceof Module) modules.push([key, value]);
      else if (Array.isArray(value) && value.some((v) => v instanceof Module || v instanceof Parameter)) {
        throw new Error(`${this.constructor.name}: field "${key}" holds a plain array of ${value.some((v) => v instanceof Module) ? 'Modules' : 'Parameters'}, which a Module does not look inside; use nn.ModuleList (or registerParameter for each parameter) so they appear in parameters() and stateDict()`);
      } else if (value instanceof Tensor && value.requiresGrad && value.isLeaf) {
        const id = `${this.constructor.name}.${key}`;
        if (!warnedFields.has(id)) {
          warnedFields.add(id);
          console.warn(`nabla: ${id} holds a Tensor with requiresGrad that is not an nn.Parameter: it is not in parameters() or stateDict(). Wrap it: this.${key} = new nn.Parameter(tensor)`);
        }
      }
    }
    for (const [key, value] of this.#registered) {
      if (value instanceof Parameter) params.push([key, value]);
      else if (value instanceof Module) modules.push([key, value]);
    }
    return { params, modules };
  }

  // ---------- traversal ----------

  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this.#ownMembers().modules.filter(([, m]) => (seen.has(m) ? false : (seen.add(m), true)));
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, each once, with dotted paths ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, path: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [name, child] of m.#ownMembers().modules) visit(child, path ? `${path}.${name}` : name);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter once (a parameter shared by two layers is listed under its first path). */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): [string, Parameter][] {
    checkOptions('namedParameters', options, { prefix: 'string', recurse: 'boolean' });
    const { prefix = '', recurse = true } = options;
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of mods) {
      for (const [name, p] of m.#ownMembers().params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }

  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    checkOptions('namedBuffers', options, { prefix: 'string', recurse: 'boolean' });
    const { prefix = '', recurse = true } = options;
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [path, m] of mods) {
      for (const [name, entry] of m.#buffers) {
        const t = entry.tensor;
        if (!t || seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }

  /** The submodule at a dotted path (`'features.0'`); '' is this module. */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const next = m.#ownMembers().modules.find(([name]) => name === part)?.[1];
      if (!next) throw new Error(`getSubmodule: ${m.constructor.name} has no submodule "${part}" (looking up "${target}")`);
      m = next;
    }
    return m;
  }

  /** Calls fn on every submodule (children first, then this one), like PyTorch's apply; returns this. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---------- modes and gradients ----------

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new Error(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (train(false)); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (freeze with requiresGrad_(false)); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /** Clears every parameter's gradient: to null (default, like PyTorch) or to zeros. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      const g = p.gradForUpdate();
      if (!g) continue;
      if (setToNone) p.clearGrad();
      else g.zero_();
    }
  }

  // ---------- state ----------

  /**
   * Parameters and persistent buffers by dotted key, in PyTorch's order (each module's parameters,
   * then its buffers, then its children). Values share storage with the module (detached).
   */
  stateDict(options: StateDictOptions = {}): StateDict {
    checkOptions('stateDict', options, { prefix: 'string', keepVars: 'boolean' });
    const out: StateDict = {};
    const keepVars = options.keepVars ?? false;
    for (const { key, tensor } of this.#stateEntries(options.prefix ?? '')) out[key] = keepVars || !(tensor instanceof Parameter) ? tensor : tensor.detach();
    return out;
  }

  /** Every state-dict entry with the module that owns it and its local name. */
  #stateEntries(prefix: string): { key: string; tensor: Tensor; owner: Module; name: string }[] {
    const out: { key: string; tensor: Tensor; owner: Module; name: string }[] = [];
    const path: Module[] = [];
    const visit = (m: Module, pre: string): void => {
      if (path.includes(m)) throw new Error(`stateDict: ${m.constructor.name} at "${pre.slice(0, -1)}" contains itself (a field refers back to an enclosing module)`);
      path.push(m);
      const { params, modules } = m.#ownMembers();
      for (const [name, p] of params) out.push({ key: pre + name, tensor: p, owner: m, name });
      for (const [name, entry] of m.#buffers) if (entry.persistent && entry.tensor) out.push({ key: pre + name, tensor: entry.tensor, owner: m, name });
      for (const [name, child] of modules) visit(child, `${pre}${name}.`);
      path.pop();
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Names of this module's own state that a checkpoint may lack without counting as missing (they
   * keep their current values). BatchNorm lists num_batches_tracked, as PyTorch accepts old checkpoints without it.
   */
  protected optionalStateKeys(): readonly string[] {
    return [];
  }

  /**
   * Copies `stateDict`'s tensors into this module's parameters and buffers (in place, so
   * optimisers holding the parameters keep working). Checks everything before copying anything:
   * a shape mismatch is always refused, and with `strict` (the default) so are missing and
   * unexpected keys. Returns the missing and unexpected keys.
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, { strict: 'boolean' });
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object') throw new Error(`loadStateDict: expected a Record<string, Tensor>, got ${stateDict === null ? 'null' : typeof stateDict}`);
    const entries = this.#stateEntries('');
    const own = new Set(entries.map((e) => e.key));
    const missingKeys: string[] = [];
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !own.has(k));
    const sizeErrors: string[] = [];
    const copies: [Tensor, Tensor][] = [];
    for (const { key, tensor: target, owner, name } of entries) {
      if (!(key in stateDict)) {
        if (!owner.optionalStateKeys().includes(name)) missingKeys.push(key);
        continue;
      }
      let source = stateDict[key];
      if (!(source instanceof Tensor)) {
        sizeErrors.push(`While copying the parameter named "${key}", expected a Tensor from checkpoint but received ${source === null ? 'null' : typeof source}`);
        continue;
      }
      // PyTorch's compatibility rule: a 1-element 1-D checkpoint tensor loads into a 0-D one
      if (target.ndim === 0 && source.ndim === 1 && source.shape[0] === 1) source = source.reshape([]);
      if (formatShape(source.shape) !== formatShape(target.shape)) {
        sizeErrors.push(`size mismatch for ${key}: copying a param with shape ${formatShape(source.shape)} from checkpoint, the shape in current model is ${formatShape(target.shape)}.`);
        continue;
      }
      copies.push([target, source]);
    }
    const errors: string[] = [];
    if (strict) {
      if (missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
    }
    errors.push(...sizeErrors);
    if (errors.length) {
      const hint = prefixHint(missingKeys, unexpectedKeys);
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}${hint ? `\n${hint}` : ''}`);
    }
    noGrad(() => {
      for (const [target, source] of copies) target.copy_(source.detach());
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------- printing ----------

  /** The layer's own settings for its repr, PyTorch-style (`in_features=10, out_features=5, bias=True`). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module repr: `Net(\n  (conv1): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.#ownMembers().modules.map(([name, m]) => `(${name}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let main = `${this.constructor.name}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
      else main += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${main})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** When keys differ only by a common prefix (a `module.` from DataParallel, a wrapper's field), say so. */
function prefixHint(missing: string[], unexpected: string[]): string {
  if (!missing.length || !unexpected.length) return '';
  const m = missing[0];
  for (const u of unexpected) {
    if (u.endsWith(`.${m}`)) {
      const extra = u.slice(0, u.length - m.length);
      if (missing.every((k) => unexpected.includes(extra + k))) return `Hint: every missing key is in the checkpoint under the prefix "${extra}"; strip it from the checkpoint's keys before loading.`;
    }
    if (m.endsWith(`.${u}`)) {
      const extra = m.slice(0, m.length - u.length);
      if (unexpected.every((k) => missing.includes(extra + k))) return `Hint: the model's keys have the prefix "${extra}" that the checkpoint's lack; load into the submodule (model.getSubmodule("${extra.slice(0, -1)}")) or add the prefix.`;
    }
  }
  return '';
}
