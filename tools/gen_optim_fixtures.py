#!/usr/bin/python3
"""Reference values for nabla's optimisers, schedulers and gradient clipping, from PyTorch.

Run with Debian's python3 and torch 1.13 (not pyenv's python3):

  /usr/bin/python3 tools/gen_optim_fixtures.py

writes
  test/fixtures/optim/optim.safetensors  starting parameters, the gradient sequence, the parameters
                                         after every step of every optimiser case, optimiser state
                                         after steps 2 and 5, and gradient-clipping inputs/outputs
  test/fixtures/optim/cases.json         the cases (options, param groups, which grads are None,
                                         non-tensor state, param_groups of state_dict()), every
                                         scheduler's lr (and momentum) sequence, clipping norms

Every case starts from the same two parameters (p0 [3, 4], p1 [5]) and replays the same five
gradients; at step 3 (index 2) p1 has no gradient (None), so it is skipped, as optimisers must.
Safetensors is written with struct + json (Debian has no python3-safetensors), as in
tools/safetensors_check.py.
"""
import json
import math
import os
import struct
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'optim')
STEPS = 5
NONE_GRAD = (2, 1)  # (step index, param index) whose grad is None
SCALES = [1.0, 0.1, 2.0, 0.05, 1.5]  # per-step gradient magnitudes, so amsgrad's max matters


def save_safetensors(tensors, metadata, path):
    header, chunks, pos = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        raw = t.reshape(-1).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [pos, pos + len(raw)]}
        chunks.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def jsonable(x):
    if isinstance(x, torch.Tensor):
        return x.item() if x.numel() == 1 else x.tolist()
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


# ---------------------------------------------------------------------------------------------
# Optimisers

OPTIMIZER_CASES = [
    # name, class, kwargs, groups (None: one group of both params; else list of (param indices, overrides))
    ('sgd_plain', 'SGD', dict(lr=0.1), None),
    ('sgd_momentum', 'SGD', dict(lr=0.1, momentum=0.9), None),
    ('sgd_dampening_wd', 'SGD', dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), None),
    ('sgd_nesterov_wd', 'SGD', dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.05), None),
    ('sgd_maximize', 'SGD', dict(lr=0.05, momentum=0.5, maximize=True), None),
    ('sgd_groups', 'SGD', dict(lr=0.1, momentum=0.9), [([0], {}), ([1], dict(lr=0.01, nesterov=True))]),
    ('adam_default', 'Adam', dict(), None),
    ('adam_lr', 'Adam', dict(lr=0.01), None),
    ('adam_betas_wd', 'Adam', dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1), None),
    ('adam_amsgrad', 'Adam', dict(lr=0.02, amsgrad=True), None),
    ('adam_maximize', 'Adam', dict(lr=0.01, maximize=True, eps=1e-3), None),
    ('adam_groups', 'Adam', dict(lr=0.01), [([0], dict(amsgrad=True)), ([1], dict(lr=0.05, weight_decay=0.2))]),
    ('adamw_default', 'AdamW', dict(), None),
    ('adamw_wd_amsgrad', 'AdamW', dict(lr=0.01, weight_decay=0.1, amsgrad=True), None),
    ('adamw_maximize', 'AdamW', dict(lr=0.01, maximize=True), None),
    ('adamw_groups', 'AdamW', dict(lr=0.01), [([0], dict(weight_decay=0.5)), ([1], dict(lr=0.03, betas=(0.5, 0.9)))]),
    ('rmsprop_default', 'RMSprop', dict(), None),
    ('rmsprop_momentum', 'RMSprop', dict(lr=0.01, momentum=0.9), None),
    ('rmsprop_centered', 'RMSprop', dict(lr=0.01, centered=True), None),
    ('rmsprop_centered_momentum_wd', 'RMSprop', dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1), None),
    ('rmsprop_maximize', 'RMSprop', dict(lr=0.01, alpha=0.9, maximize=True), None),
    ('rmsprop_groups', 'RMSprop', dict(lr=0.01), [([0], dict(centered=True)), ([1], dict(lr=0.002, momentum=0.8))]),
    ('adagrad_default', 'Adagrad', dict(), None),
    ('adagrad_decay_wd', 'Adagrad', dict(lr=0.1, lr_decay=0.1, weight_decay=0.1), None),
    ('adagrad_init_acc', 'Adagrad', dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6), None),
    ('adagrad_maximize', 'Adagrad', dict(lr=0.1, maximize=True), None),
    ('adagrad_groups', 'Adagrad', dict(lr=0.1), [([0], dict(lr_decay=0.5)), ([1], dict(lr=0.01))]),
]


def make_inputs():
    g = torch.Generator().manual_seed(1234)
    params = [torch.randn(3, 4, generator=g), torch.randn(5, generator=g)]
    grads = [[torch.randn(p.shape, generator=g) * SCALES[s] for p in params] for s in range(STEPS)]
    return params, grads


def state_of(opt, params):
    """Optimiser state per param index: tensors and other values, as PyTorch keeps them."""
    out = {}
    for i, p in enumerate(params):
        if p in opt.state and opt.state[p]:
            out[i] = dict(opt.state[p])
    return out


def run_optimizer(case, params0, grads, tensors):
    name, cls, kwargs, groups = case
    params = [p.clone().requires_grad_(True) for p in params0]
    if groups is None:
        arg = params
    else:
        arg = [dict(params=[params[i] for i in idx], **over) for idx, over in groups]
    opt = getattr(torch.optim, cls)(arg, **kwargs)
    meta = {
        'name': name, 'optimizer': cls, 'kwargs': jsonable(kwargs),
        'groups': None if groups is None else [dict(params=idx, **jsonable(over)) for idx, over in groups],
    }
    for s in range(STEPS):
        for i, p in enumerate(params):
            p.grad = None if (s, i) == NONE_GRAD else grads[s][i].clone()
        opt.step()
        for i, p in enumerate(params):
            tensors[f'{name}/s{s}/p{i}'] = p.detach().clone()
        if s in (1, STEPS - 1):
            states, tag = {}, f'state{s + 1}'
            for i, st in state_of(opt, params).items():
                entry = {}
                for k, v in st.items():
                    if isinstance(v, torch.Tensor) and k != 'step':
                        tensors[f'{name}/{tag}/{i}/{k}'] = v.detach().clone()
                        entry[k] = 'tensor'
                    else:
                        entry[k] = jsonable(v)
                states[str(i)] = entry
            meta[tag] = states
    sd = opt.state_dict()
    meta['param_groups'] = jsonable(sd['param_groups'])
    return meta


# ---------------------------------------------------------------------------------------------
# Schedulers

SCHED_STEPS = 30
LAMBDAS = {  # the TS test defines the same functions under these names
    'pow095': lambda e: 0.95 ** e,
    'inv': lambda e: 1.0 / (1.0 + e),
    'warmup5': lambda e: min(1.0, (e + 1) / 5),
}

SCHEDULER_CASES = [
    # name, optimizer, optimizer kwargs, [(scheduler, kwargs), ...] stepped together, steps
    ('step', 'SGD', dict(momentum=0.9), [('StepLR', dict(step_size=7, gamma=0.5))], SCHED_STEPS),
    ('multistep', 'SGD', dict(momentum=0.9), [('MultiStepLR', dict(milestones=[5, 12, 12, 20], gamma=0.3))], SCHED_STEPS),
    ('exponential', 'SGD', dict(), [('ExponentialLR', dict(gamma=0.9))], SCHED_STEPS),
    ('cosine', 'SGD', dict(), [('CosineAnnealingLR', dict(T_max=10, eta_min=0.001))], SCHED_STEPS),
    ('cosine_t7', 'Adam', dict(), [('CosineAnnealingLR', dict(T_max=7))], SCHED_STEPS),
    ('linear_warmup', 'SGD', dict(), [('LinearLR', dict(start_factor=0.25, end_factor=1.0, total_iters=8))], SCHED_STEPS),
    ('linear_decay', 'SGD', dict(), [('LinearLR', dict(start_factor=1.0, end_factor=0.1, total_iters=10))], SCHED_STEPS),
    ('linear_default', 'SGD', dict(), [('LinearLR', dict())], SCHED_STEPS),
    ('lambda', 'SGD', dict(), [('LambdaLR', dict(lr_lambda=['pow095', 'inv']))], SCHED_STEPS),
    ('lambda_single', 'SGD', dict(), [('LambdaLR', dict(lr_lambda='warmup5'))], SCHED_STEPS),
    ('chained_linear_exponential', 'SGD', dict(),
     [('LinearLR', dict(start_factor=0.5, total_iters=4)), ('ExponentialLR', dict(gamma=0.9))], SCHED_STEPS),
    ('onecycle_cos', 'SGD', dict(momentum=0.9), [('OneCycleLR', dict(max_lr=[0.5, 0.2], total_steps=30))], 30),
    ('onecycle_linear_three_phase_adam', 'Adam', dict(),
     [('OneCycleLR', dict(max_lr=0.01, total_steps=30, anneal_strategy='linear', three_phase=True,
                          base_momentum=0.8, max_momentum=0.9))], 30),
    ('onecycle_epochs_no_momentum', 'SGD', dict(),
     [('OneCycleLR', dict(max_lr=1.0, epochs=3, steps_per_epoch=10, pct_start=0.25, cycle_momentum=False,
                          div_factor=10.0, final_div_factor=100.0))], 30),
    ('onecycle_rmsprop_three_phase', 'RMSprop', dict(),
     [('OneCycleLR', dict(max_lr=0.1, total_steps=25, three_phase=True, pct_start=0.4))], 25),
]
GROUP_LRS = [0.1, 0.05]
SD_AT = 10  # record each scheduler's state_dict after this many steps


def run_scheduler(case):
    name, opt_cls, opt_kwargs, scheds, steps = case
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = getattr(torch.optim, opt_cls)([dict(params=[p], lr=lr) for p, lr in zip(params, GROUP_LRS)], **opt_kwargs)
    built = []
    for cls, kw in scheds:
        kw2 = dict(kw)
        if cls == 'LambdaLR':
            f = kw['lr_lambda']
            kw2['lr_lambda'] = [LAMBDAS[x] for x in f] if isinstance(f, list) else LAMBDAS[f]
        built.append(getattr(torch.optim.lr_scheduler, cls)(opt, **kw2))

    def momenta():
        return [g['betas'][0] if 'betas' in g else g.get('momentum') for g in opt.param_groups]

    lrs, moms, state_dicts = [[g['lr'] for g in opt.param_groups]], [momenta()], None
    last_lr = [built[-1].get_last_lr()]
    for s in range(1, steps + 1):
        opt.step()
        for sch in built:
            sch.step()
        lrs.append([g['lr'] for g in opt.param_groups])
        moms.append(momenta())
        last_lr.append(built[-1].get_last_lr())
        if s == SD_AT:
            state_dicts = []
            for sch in built:
                sd = {k: v for k, v in sch.state_dict().items() if k not in ('anneal_func', '_get_lr_called_within_step', 'verbose')}
                state_dicts.append(jsonable(sd))
    return {
        'name': name, 'optimizer': opt_cls, 'optimizer_kwargs': opt_kwargs, 'group_lrs': GROUP_LRS,
        'schedulers': [dict(scheduler=cls, kwargs=jsonable(kw)) for cls, kw in scheds],
        'lrs': lrs, 'last_lr': last_lr, 'momentum': moms, 'state_dicts': state_dicts, 'state_dict_at': SD_AT,
    }


# ---------------------------------------------------------------------------------------------
# Gradient clipping

CLIP_CASES = [
    # name, max_norm, norm_type (None: clip_grad_value_ with max_norm as the clip value)
    ('norm2', 1.0, 2.0),
    ('norm2_noclip', 100.0, 2.0),
    ('norm1', 2.0, 1.0),
    ('norminf', 0.5, math.inf),
    ('norm3', 1.0, 3.0),
    ('norm_half', 5.0, 0.5),
    ('value', 0.3, None),
]


def run_clip(tensors):
    g = torch.Generator().manual_seed(99)
    shapes = [(4, 3), (6,), (2, 2)]
    grads = [torch.randn(s, generator=g) for s in shapes]
    for i, t in enumerate(grads):
        tensors[f'clip/grad/p{i}'] = t.clone()
    out = []
    for name, max_norm, norm_type in CLIP_CASES:
        params = [torch.zeros(s, requires_grad=True) for s in shapes] + [torch.zeros(2, requires_grad=True)]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        # params[3] has no grad: it must be skipped
        if norm_type is None:
            torch.nn.utils.clip_grad_value_(params, max_norm)
            total = None
        else:
            total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type).item()
        for i, p in enumerate(params[:3]):
            tensors[f'clip/{name}/p{i}'] = p.grad.clone()
        out.append({'name': name, 'max_norm': max_norm, 'norm_type': jsonable(norm_type), 'total_norm': total})
    return out


def main():
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT, exist_ok=True)
    params0, grads = make_inputs()
    tensors = {}
    for i, p in enumerate(params0):
        tensors[f'init/p{i}'] = p
    for s in range(STEPS):
        for i in range(len(params0)):
            if (s, i) != NONE_GRAD:
                tensors[f'grad/s{s}/p{i}'] = grads[s][i]
    optimizers = [run_optimizer(c, params0, grads, tensors) for c in OPTIMIZER_CASES]
    schedulers = [run_scheduler(c) for c in SCHEDULER_CASES]
    clip = run_clip(tensors)
    cases = {
        'torch_version': torch.__version__, 'steps': STEPS, 'none_grad': list(NONE_GRAD),
        'optimizers': optimizers, 'schedulers': schedulers, 'clip': clip,
    }
    save_safetensors(tensors, {'generator': 'tools/gen_optim_fixtures.py', 'torch': torch.__version__},
                     os.path.join(OUT, 'optim.safetensors'))
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump(cases, f, indent=1)
        f.write('\n')
    for fn in ('optim.safetensors', 'cases.json'):
        print(fn, os.path.getsize(os.path.join(OUT, fn)), 'bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
