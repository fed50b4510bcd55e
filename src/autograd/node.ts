/**
 * One recorded op in the autograd graph: its inputs, the rule that maps the output's gradient to
 * the inputs' gradients, and the tensors that rule saved (with their versions, so an in-place
 * change made after the forward pass is caught instead of silently giving a wrong gradient).
 */
import type { Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { profileHooks } from '../util/profile-hooks.js';

export type GradientRule = (gradOutput: Tensor) => (Tensor | null | undefined)[];

export class GradNode {
  private rule: GradientRule | null;
  private readonly savedVersions: number[];

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
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i];
      if (t.version !== this.savedVersions[i]) {
        throw new Error(`backward: one of the tensors needed for gradient computation has been modified by an in-place operation: a tensor of shape [${t.shape.join(', ')}] saved by ${this.name} is at version ${t.version}; expected version ${this.savedVersions[i]}. Clone it before changing it in place.`);
      }
    }
    return this.rule(gradOutput);
  }

  release(): void {
    this.rule = null;
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
