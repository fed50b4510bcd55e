/**
 * The backward walk: count how many consumers each node has, then visit nodes in topological
 * order (Kahn), summing gradients per node and accumulating into leaves' `.grad`.
 * Gradient rules run without recording, so backward never builds a second graph. A node with a
 * fused rule may run through the nodes below it that have no other consumer (see FusedRule).
 * Gradients only the walk holds go back to the storage pool once consumed (see trackOwnership).
 */
import { checkOptions } from '../util/options.js';
import { storageCount, type Storage, type Tensor } from '../tensor/tensor.js';
import type { FusedGradients, GradNode } from './node.js';
import { noGrad } from './grad-mode.js';
import { accumulateSparseGrad } from './sparse.js';
import { profileHooks } from '../util/profile-hooks.js';
import { releaseStorage } from '../tensor/pool.js';

export interface BackwardOptions {
  retainGraph?: boolean;
}

export function runBackward(root: Tensor, gradient: Tensor, options: BackwardOptions = {}): void {
  checkOptions('backward', options, { retainGraph: 'boolean' });
  noGrad(() => {
    if (!root.gradFn) {
      accumulateLeaf(root, gradient);
      return;
    }
    const dependents = new Map<GradNode, number>();
    const stack: GradNode[] = [root.gradFn];
    dependents.set(root.gradFn, 0);
    while (stack.length) {
      const node = stack.pop()!;
      for (const input of node.inputs) {
        const child = input?.gradFn;
        if (!child) continue;
        const count = dependents.get(child);
        if (count === undefined) {
          dependents.set(child, 1);
          stack.push(child);
        } else dependents.set(child, count + 1);
      }
    }
    const pending = new Map<GradNode, Tensor>([[root.gradFn, gradient]]);
    const ready: GradNode[] = [root.gradFn];
    const visited: GradNode[] = [];
    const owned = new Set<Storage>();
    while (ready.length) {
      const node = ready.pop()!;
      const gradOut = pending.get(node)!;
      pending.delete(node);
      visited.push(node);
      // a node whose only consumer is this chain gets no gradient of its own: the fused rule ran it
      const alone = (n: GradNode): boolean => dependents.get(n) === 1 && !pending.has(n) && !n.released;
      const step = (): FusedGradients => node.applyFused(gradOut, alone) ?? { through: [], tail: node, grads: node.apply(gradOut) };
      const createdBefore = storageCount();
      const { through, tail, grads } = profileHooks ? profiledStep(`${node.name}.backward`, step) : step();
      visited.push(...through);
      if (trackOwnership(owned, grads, gradOut, createdBefore)) releaseStorage(gradOut.storage, gradOut.dtype);
      tail.inputs.forEach((input, i) => {
        if (!input) return;
        const g = grads[i];
        const child = input.gradFn;
        if (g) {
          if (child) {
            const previous = pending.get(child);
            pending.set(child, previous ? sumOwned(previous, g, owned) : g);
          } else if (profileHooks) profiledStep('accumulateGrad', () => accumulateLeaf(input, g, owned));
          else accumulateLeaf(input, g, owned);
        }
        if (child) {
          const left = dependents.get(child)! - 1;
          dependents.set(child, left);
          if (left === 0) {
            if (pending.has(child)) ready.push(child);
            else markVisitedWithoutGrad(child, dependents, ready, pending);
          }
        }
      });
    }
    if (!options.retainGraph) for (const node of visited) node.release();
  });
}

/** A step of the walk timed by the profiler under `name`. */
function profiledStep<T>(name: string, step: () => T): T {
  const hooks = profileHooks!;
  hooks.backwardStepStart(name);
  try {
    return step();
  } finally {
    hooks.backwardStepEnd();
  }
}

/** A node that received no gradient still releases its consumers' counts so the walk completes (iteratively: chains can be long). */
function markVisitedWithoutGrad(start: GradNode, dependents: Map<GradNode, number>, ready: GradNode[], pending: Map<GradNode, Tensor>): void {
  const stack = [start];
  while (stack.length) {
    const node = stack.pop()!;
    for (const input of node.inputs) {
      const child = input?.gradFn;
      if (!child) continue;
      const left = dependents.get(child)! - 1;
      dependents.set(child, left);
      if (left === 0) {
        if (pending.has(child)) ready.push(child);
        else stack.push(child);
      }
    }
  }
}

/**
 * Keeps `owned`, the storages that only the walk holds: ones a rule created and returned once, and
 * ones it passed on once (a view of its gradOut) when they were owned already. A leaf without a
 * gradient takes such a storage as its .grad instead of a copy (PyTorch steals a gradient nothing
 * else references the same way), which saves a weight-sized allocation per parameter and step.
 * Returns whether gradOut was owned and the rule passed none of it on: the walk has consumed it
 * and nothing else can reach its storage (the root's gradient, which the caller made, never is).
 */
function trackOwnership(owned: Set<Storage>, grads: (Tensor | null | undefined)[], gradOut: Tensor, createdBefore: number): boolean {
  const passedOn = owned.delete(gradOut.storage);
  let consumed = passedOn;
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (!g) continue;
    let once = true;
    for (let j = 0; j < grads.length; j++) if (j !== i && grads[j]?.storage === g.storage) once = false;
    const fresh = g.storage.serial >= createdBefore || (passedOn && g.storage === gradOut.storage);
    if (once && fresh) owned.add(g.storage);
    else owned.delete(g.storage);
    if (g.storage.data === gradOut.storage.data) consumed = false;
  }
  return consumed;
}

/** Two gradients of one node added up; the addends the walk owned go back to the pool and the sum is owned instead. */
function sumOwned(previous: Tensor, g: Tensor, owned: Set<Storage>): Tensor {
  const sum = previous.add(g);
  for (const t of [previous, g]) if (owned.delete(t.storage)) releaseStorage(t.storage, t.dtype);
  owned.add(sum.storage);
  return sum;
}

/** Gives back a gradient the walk owned and has now added into a leaf's .grad (or copied). */
function releaseIfOwned(g: Tensor, owned: Set<Storage> | null): void {
  if (owned && owned.delete(g.storage)) releaseStorage(g.storage, g.dtype);
}

/** Whether g is the whole of an owned storage, laid out as the leaf's gradient would be. */
function canTake(leaf: Tensor, g: Tensor, owned: Set<Storage>): boolean {
  return owned.has(g.storage) && g.dtype === leaf.dtype && g.offset === 0 && g.isContiguous() && g.storage.data.length === g.numel();
}

function accumulateLeaf(leaf: Tensor, g: Tensor, owned: Set<Storage> | null = null): void {
  if (!leaf.requiresGrad) return;
  if (g.shape.join() !== leaf.shape.join()) {
    throw new Error(`backward: internal error: gradient of shape [${g.shape.join(', ')}] for a leaf of shape [${leaf.shape.join(', ')}]`);
  }
  if (accumulateSparseGrad(leaf, g)) return;
  const existing = leaf.gradForUpdate();
  if (existing) {
    existing.addInPlaceRaw(g);
    releaseIfOwned(g, owned);
  } else if (owned && canTake(leaf, g, owned)) {
    owned.delete(g.storage);
    leaf.setGradFromBackward(g.detach());
  } else {
    leaf.setGradFromBackward(g.cloneContiguous());
    releaseIfOwned(g, owned);
  }
}
