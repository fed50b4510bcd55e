/**
 * nabla.optim: optimisers and learning-rate schedulers, shaped like torch.optim (PyTorch 1.13's
 * update rules). The schedulers are here and under `lrScheduler` (torch.optim.lr_scheduler).
 */
export {
  Optimizer, type BaseHyper, type GroupExtras, type ParamGroup, type ParamGroupInput, type ParamsInput,
  type ParamState, type OptimizerStateDict,
} from './optimizer.js';
export { SGD, type SGDHyper, type SGDOptions } from './sgd.js';
export { Adam, type AdamHyper, type AdamOptions } from './adam.js';
export { AdamW, type AdamWHyper, type AdamWOptions } from './adamw.js';
export { RMSprop, type RMSpropHyper, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradHyper, type AdagradOptions } from './adagrad.js';
export { SparseAdam, type SparseAdamHyper, type SparseAdamOptions } from './sparse-adam.js';
export * from './lr-scheduler/index.js';
export * as lrScheduler from './lr-scheduler/index.js';
export { weightDecayGroups, type WeightDecayGroupsOptions } from './weight-decay-groups.js';
