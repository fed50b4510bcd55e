/** Containers: Sequential, ModuleList and ModuleDict, keyed like PyTorch's (`0`, `1`, ... or the names given). */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

function requireModule(op: string, m: unknown, where: string): asserts m is Module {
  if (!(m instanceof Module)) throw new Error(`${op}: ${where} is not a Module (got ${m === null ? 'null' : typeof m})`);
}

function resolveIndex(op: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < -length || i >= length) throw new Error(`${op}: index ${i} is out of range for a container of ${length} modules`);
  return i < 0 ? i + length : i;
}

/** An ordered list of modules registered under `0`, `1`, ... (PyTorch's nn.ModuleList). */
export class ModuleList extends Module implements Iterable<Module> {
  #items: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    return this.#items[resolveIndex('ModuleList.at', i, this.#items.length)];
  }

  set(i: number, module: Module): void {
    const j = resolveIndex('ModuleList.set', i, this.#items.length);
    requireModule('ModuleList.set', module, 'the value');
    this.#items[j] = module;
    this.registerModule(String(j), module);
  }

  append(module: Module): this {
    requireModule('ModuleList.append', module, 'the value');
    this.#items.push(module);
    this.registerModule(String(this.#items.length - 1), module);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    let i = 0;
    for (const m of modules) {
      requireModule('ModuleList.extend', m, `item ${i++}`);
      this.append(m);
    }
    return this;
  }

  insert(index: number, module: Module): void {
    requireModule('ModuleList.insert', module, 'the value');
    const n = this.#items.length;
    const j = Math.min(Math.max(index < 0 ? index + n : index, 0), n);
    this.#reindex(() => this.#items.splice(j, 0, module));
  }

  /** Removes and returns the module at index i. */
  pop(i = -1): Module {
    const j = resolveIndex('ModuleList.pop', i, this.#items.length);
    let removed!: Module;
    this.#reindex(() => { removed = this.#items.splice(j, 1)[0]; });
    return removed;
  }

  #reindex(change: () => void): void {
    for (let k = 0; k < this.#items.length; k++) this.unregister(String(k));
    change();
    this.#items.forEach((m, k) => this.registerModule(String(k), m));
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#items[Symbol.iterator]();
  }

  override forward(): never {
    throw new Error('ModuleList has no forward: iterate over it (for (const layer of this.layers) x = layer.call(x)) in your own forward');
  }
}

/**
 * Modules applied in order, each output feeding the next (PyTorch's nn.Sequential).
 * `new Sequential(a, b, c)` keys them `0`, `1`, `2`; `new Sequential({conv: a, relu: b})` by name.
 */
export class Sequential extends Module implements Iterable<Module> {
  #items: Module[] = [];

  constructor(...modules: Module[]);
  constructor(modules: Record<string, Module> | Map<string, Module>);
  constructor(...args: (Module | Record<string, Module> | Map<string, Module>)[]) {
    super();
    if (args.length === 1 && !(args[0] instanceof Module)) {
      const entries = args[0] instanceof Map ? [...args[0]] : Object.entries(args[0] as Record<string, Module>);
      for (const [name, m] of entries) {
        requireModule('Sequential', m, `entry "${name}"`);
        this.#items.push(m);
        this.registerModule(name, m);
      }
    } else {
      args.forEach((m, i) => {
        requireModule('Sequential', m, `argument ${i}`);
        this.append(m);
      });
    }
  }

  get length(): number {
    return this.#items.length;
  }

  at(i: number): Module {
    return this.#items[resolveIndex('Sequential.at', i, this.#items.length)];
  }

  append(module: Module): this {
    requireModule('Sequential.append', module, 'the value');
    this.#items.push(module);
    this.registerModule(String(this.#items.length - 1), module);
    return this;
  }

  /** A new Sequential over modules start..end-1 (PyTorch's seq[start:end]), sharing the modules and their names. */
  slice(start = 0, end = this.#items.length): Sequential {
    const named = this.namedChildren().slice(start, end);
    return new Sequential(new Map(named));
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#items[Symbol.iterator]();
  }

  /** Each module's output is the next one's input; extra arguments go to the first module only. */
  override forward(input: Tensor, ...rest: unknown[]): Tensor {
    let x = input;
    this.#items.forEach((m, i) => {
      x = i === 0 ? m.call(x, ...rest) : m.call(x);
    });
    return x;
  }
}

/** Modules by name, in insertion order (PyTorch's nn.ModuleDict). Iterates [name, module] pairs like a Map. */
export class ModuleDict extends Module implements Iterable<[string, Module]> {
  #items = new Map<string, Module>();

  constructor(modules: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this.update(modules);
  }

  get size(): number {
    return this.#items.size;
  }

  get length(): number {
    return this.#items.size;
  }

  get(key: string): Module {
    const m = this.#items.get(key);
    if (!m) throw new Error(`ModuleDict: no module named "${key}" (have ${[...this.#items.keys()].map((k) => `"${k}"`).join(', ') || 'none'})`);
    return m;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  set(key: string, module: Module): this {
    requireModule('ModuleDict.set', module, `"${key}"`);
    this.#items.set(key, module);
    this.registerModule(key, module);
    return this;
  }

  delete(key: string): boolean {
    if (!this.#items.delete(key)) return false;
    this.unregister(key);
    return true;
  }

  update(modules: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]>): this {
    const entries = modules instanceof Map || Symbol.iterator in Object(modules)
      ? [...(modules as Iterable<[string, Module]>)]
      : Object.entries(modules as Record<string, Module>);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  values(): Module[] {
    return [...this.#items.values()];
  }

  entries(): [string, Module][] {
    return [...this.#items.entries()];
  }

  [Symbol.iterator](): Iterator<[string, Module]> {
    return this.#items.entries();
  }

  override forward(): never {
    throw new Error('ModuleDict has no forward: look modules up with get(name) in your own forward');
  }
}
