/**
 * One recorded op in the autograd graph: its inputs, the rule that maps the output's gradient to
 * the inputs' gradients, and the tensors that rule saved (with their versions, so an in-place
 * change made after the forward pass is caught instead of silently giving a wrong gradient).
 */
import type { Tensor } from '../tensor/tensor.js';
import { releaseStorage } from '../tensor/pool.js';
import { isGradEnabled } from './grad-mode.js';
import { profileHooks } from '../util/profile-hooks.js';

export type GradientRule = (gradOutput: Tensor) => (Tensor | null | undefined)[];

/** What a fused rule computed: the gradients of `tail`'s inputs, and the nodes below this one it ran through (ending with `tail`). */
export interface FusedGradients {
  through: GradNode[];
  tail: GradNode;
  grads: (Tensor | null | undefined)[];
}

/**
 * A rule that runs this node's rule together with the rules of the nodes below it (max pooling's
 * with the relu and convolution that fed it), so the gradients between them never exist. `alone(node)`
 * says whether the walk may skip `node`: this chain is its only consumer. Returns null to decline.
 */
export type FusedRule = (gradOutput: Tensor, alone: (node: GradNode) => boolean) => FusedGradients | null;

let fusionEnabled = true;

/** Turns fused gradient rules on or off (tests compare the fused rules with the unfused chains); returns the previous setting. */
export function setBackwardFusion(enabled: boolean): boolean {
  const previous = fusionEnabled;
  fusionEnabled = enabled;
  return previous;
}

export class GradNode {
  private rule: GradientRule | null;
  private readonly savedVersions: number[];
  /** Set by ops whose rule can run through the nodes below it (see FusedRule). */
  fusedRule: FusedRule | null = null;
  /** What a fused rule of a later node needs from this one (the op that recorded it sets it). */
  fusionInfo: unknown = undefined;
  /** Tensors the op made for this rule alone (see freeWithGraph). */
  private internal: Tensor[] = [];
  /** Called once when the graph is freed after backward (an op hands its work buffers back here). */
  onRelease: (() => void) | null = null;

  constructor(
    readonly name: string,
    readonly inputs: (Tensor | null)[],
    rule: GradientRule,
    private saved: Tensor[],
  ) {
    this.rule = rule;
    this.savedVersions = saved.map((t) => t.version);
  }

  get released(): boolean {
    return this.rule === null;
  }

  apply(gradOutput: Tensor): (Tensor | null | undefined)[] {
    if (!this.rule) {
      throw new Error(`backward: trying to backward through the graph a second time (${this.name}'s saved tensors were freed after the first backward). Pass {retainGraph: true} to the first backward() if you need to go through it again.`);
    }
    this.checkSaved();
    return this.rule(gradOutput);
  }

  /** Throws when a saved tensor was changed in place after the forward pass (a fused rule calls it for each node it runs through). */
  checkSaved(): void {
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i];
      if (t.version !== this.savedVersions[i]) {
        throw new Error(`backward: one of the tensors needed for gradient computation has been modified by an in-place operation: a tensor of shape [${t.shape.join(', ')}] saved by ${this.name} is at version ${t.version}; expected version ${this.savedVersions[i]}. Clone it before changing it in place.`);
      }
    }
  }

  /** The fused rule's gradients, or null when there is none, it declines, or fusion is off. */
  applyFused(gradOutput: Tensor, alone: (node: GradNode) => boolean): FusedGradients | null {
    if (!this.fusedRule || !this.rule || !fusionEnabled) return null;
    this.checkSaved();
    return this.fusedRule(gradOutput, alone);
  }

  /**
   * Declares `t` a tensor the op made for this node's rule alone and never handed to its caller nor
   * to another node (max pooling's winner positions): its storage returns to the pool when backward
   * frees the graph.
   */
  freeWithGraph(t: Tensor): void {
    this.internal.push(t);
  }

  release(): void {
    for (const t of this.internal) releaseStorage(t.storage, t.dtype);
    this.internal = [];
    const onRelease = this.onRelease;
    this.onRelease = null;
    onRelease?.();
    this.rule = null;
    this.fusedRule = null;
    this.fusionInfo = undefined;
    this.saved = [];
  }
}

/**
 * Attaches a gradient rule to `out` when grad mode is on and some input requires grad.
 * `saved` lists the tensors the rule reads, for the in-place check. Returns `out`.
 */
export function record(out: Tensor, name: string, inputs: readonly (Tensor | null | undefined)[], rule: GradientRule, saved: Tensor[] = []): Tensor {
  if (profileHooks) profileHooks.opRecorded(name);
  if (!isGradEnabled()) return out;
  let needed = false;
  for (const t of inputs) if (t && t.requiresGrad) { needed = true; break; }
  if (!needed) return out;
  out.gradFn = new GradNode(name, inputs.map((t) => (t && t.requiresGrad ? t : null)), rule, saved);
  out.requiresGradInternal = true;
  return out;
}
