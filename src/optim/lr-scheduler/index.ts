/** Learning-rate schedulers (torch.optim.lr_scheduler). */
export { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from './lr-scheduler.js';
export { StepLR, MultiStepLR, type StepLROptions, type MultiStepLROptions } from './step-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { OneCycleLR, type OneCycleLROptions, type OneCyclePhase } from './one-cycle-lr.js';
export { LambdaLR, type LambdaLROptions, type LrLambda } from './lambda-lr.js';
export { LinearWarmupLR, linearWarmupFactor, type LinearWarmupLROptions } from './linear-warmup-lr.js';
