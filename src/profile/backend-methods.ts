/**
 * Times a backend's kernels by replacing its methods with timing wrappers while a profile runs, and
 * putting the original functions back after, so kernels cost nothing extra when no profile runs.
 */

/** Where a wrapped kernel reports its entry and exit (label: `<backend>.<method>`). */
export interface KernelListener {
  kernelEnter(label: string): void;
  kernelExit(): void;
}

interface Replaced {
  method: string;
  original: (...args: unknown[]) => unknown;
  /** The method was the object's own property (a class field) rather than inherited from its prototype. */
  own: boolean;
}

const wrapped = new Map<object, Replaced[]>();

/** The names of the object's methods, own and inherited (Object's excepted). */
function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/** Wraps each method of `backend` to report to `listener` (once per backend; later calls do nothing). */
export function wrapBackend(backend: object, listener: KernelListener): void {
  if (wrapped.has(backend)) return;
  const target = backend as Record<string, unknown>;
  const prefix = `${String(target.name ?? 'backend')}.`;
  const replaced: Replaced[] = [];
  for (const method of methodNames(backend)) {
    const original = target[method] as (...args: unknown[]) => unknown;
    const label = prefix + method;
    replaced.push({ method, original, own: Object.prototype.hasOwnProperty.call(backend, method) });
    target[method] = function profiledKernel(this: unknown, ...args: unknown[]): unknown {
      listener.kernelEnter(label);
      try {
        return original.apply(this, args);
      } finally {
        listener.kernelExit();
      }
    };
  }
  wrapped.set(backend, replaced);
}

/** Puts back the original methods of every wrapped backend. */
export function unwrapBackends(): void {
  for (const [backend, replaced] of wrapped) {
    const target = backend as Record<string, unknown>;
    for (const { method, original, own } of replaced) {
      if (own) target[method] = original;
      else delete target[method];
    }
  }
  wrapped.clear();
}
