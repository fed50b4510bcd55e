#!/usr/bin/python3
"""PyTorch parity fixtures for nabla's nn layers and losses: test/fixtures/nn/*.safetensors.

Run with Debian's torch (python3-torch, no pip packages needed):

    /usr/bin/python3 tools/gen_nn_fixtures.py

Files (every case under the prefix `<case>/`; the metadata key "cases" holds a JSON list of specs):

  layers.safetensors   per layer configuration:
      state.<key>        the PyTorch module's state_dict (num_batches_tracked as I64, as torch saves it)
      input              the input (float32, or int32 indices for Embedding)
      output, gout       the output and a random upstream gradient
      grad.input         d sum(output * gout) / d input (float inputs)
      grad.<param>       ... / d parameter, for every parameter that requires grad
      after.<key>        buffers and parameters the forward pass changed (running stats, renormed rows)
    spec: {"name", "layer" (nabla class), "args", "opts" (nabla's camelCase), "train", "repr",
           "factory" (optional: "fromPretrained")}

  losses.safetensors   per loss function and option combination:
      input, target, weight?, pos_weight?, output, gout, grad.input, grad.target?
    spec: {"name", "fn" (nb.F name), "module" (nn class), "opts" (camelCase, without tensors),
           "weight": bool, "posWeight": bool, "targetGrad": bool, "warns": bool}

  options.safetensors  the layer options that change the arithmetic (padding modes of Conv1d/2d,
      returnIndices of the max pools, scaleGradByFreq of Embedding, convolution shapes that take
      another kernel): the layers format, plus
      indices          the second output of a pool with returnIndices (int32)
    drawn from a generator of its own, so adding cases here leaves the other files unchanged.

  batchnorm.safetensors  three training steps then eval, per BatchNorm configuration:
      state.<key>, step<i>.input, step<i>.output, after.<key>, eval.input, eval.output

  model.safetensors    a small SimpleCNN (conv, batch norm, pool, a Sequential, linears):
      state.<key>, input, target, loss, grad.<key>, after.<key>, eval.output; spec has "repr" and "keys".

Precision: inputs and parameters are drawn in float32; the reference runs in float64 on those exact
values and is rounded to float32 once at the end, so nabla can be held to rtol 1e-4, atol 1e-5.
"""
import itertools
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_check import save  # noqa: E402  (stdlib + torch safetensors writer)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'nn')

gen = torch.Generator().manual_seed(0)


def randn(*shape, scale=1.0, shift=0.0):
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * scale + shift).float()


def rand(*shape, lo=0.0, hi=1.0):
    return (torch.rand(shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo).float()


def randint(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=gen)


def f32(t):
    """float64 → float32 for storage; int64 → int32 (nabla's index dtype)."""
    t = t.detach()
    if t.dtype == torch.float64:
        return t.float().contiguous()
    if t.dtype == torch.int64:
        return t.int().contiguous()
    return t.contiguous()


def randomize_(module):
    """Float32-exact random values in every float parameter and buffer (norm layers start at 1/0)."""
    with torch.no_grad():
        for name, t in itertools.chain(module.named_parameters(), module.named_buffers()):
            if not t.is_floating_point():
                continue
            if name.endswith('running_var'):
                t.copy_(rand(*t.shape, lo=0.5, hi=2.0))
            else:
                t.copy_(randn(*t.shape, scale=0.5, shift=1.0 if name.endswith('weight') else 0.0))


def state_of(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


# ---------------------------------------------------------------- layers

def layer_cases():
    cases = []

    def case(name, module, layer, args, opts, x, train=True, randomize=False, factory=None):
        cases.append(dict(name=name, module=module, layer=layer, args=args, opts=opts, x=x,
                          train=train, randomize=randomize, factory=factory))

    # Linear
    case('linear', nn.Linear(5, 3), 'Linear', [5, 3], {}, randn(4, 5))
    case('linear_nobias', nn.Linear(5, 3, bias=False), 'Linear', [5, 3], {'bias': False}, randn(4, 5))
    case('linear_3d', nn.Linear(4, 6), 'Linear', [4, 6], {}, randn(2, 3, 4))
    case('linear_1d', nn.Linear(4, 2), 'Linear', [4, 2], {}, randn(4))
    case('identity', nn.Identity(), 'Identity', [], {}, randn(3, 4))

    # Conv2d
    case('conv2d', nn.Conv2d(3, 4, 3), 'Conv2d', [3, 4, 3], {}, randn(2, 3, 7, 7))
    case('conv2d_stride_pad', nn.Conv2d(3, 4, 3, stride=2, padding=1), 'Conv2d', [3, 4, 3], {'stride': 2, 'padding': 1}, randn(2, 3, 7, 7))
    case('conv2d_rect', nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0)), 'Conv2d', [2, 4, [3, 2]], {'stride': [2, 1], 'padding': [1, 0]}, randn(2, 2, 6, 5))
    case('conv2d_groups_nobias', nn.Conv2d(4, 6, 3, groups=2, bias=False), 'Conv2d', [4, 6, 3], {'groups': 2, 'bias': False}, randn(2, 4, 6, 6))
    case('conv2d_dilation', nn.Conv2d(2, 3, 3, dilation=2, padding=2), 'Conv2d', [2, 3, 3], {'dilation': 2, 'padding': 2}, randn(1, 2, 7, 7))
    case('conv2d_same_even', nn.Conv2d(2, 3, 4, padding='same'), 'Conv2d', [2, 3, 4], {'padding': 'same'}, randn(2, 2, 6, 5))
    case('conv2d_same_dilation', nn.Conv2d(2, 3, 3, padding='same', dilation=2), 'Conv2d', [2, 3, 3], {'padding': 'same', 'dilation': 2}, randn(1, 2, 6, 6))
    case('conv2d_valid', nn.Conv2d(2, 3, 3, padding='valid'), 'Conv2d', [2, 3, 3], {'padding': 'valid'}, randn(1, 2, 5, 5))
    case('conv2d_unbatched', nn.Conv2d(3, 2, 3, padding=1), 'Conv2d', [3, 2, 3], {'padding': 1}, randn(3, 5, 5))

    # Conv1d
    case('conv1d', nn.Conv1d(3, 4, 3), 'Conv1d', [3, 4, 3], {}, randn(2, 3, 10))
    case('conv1d_options', nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), 'Conv1d', [4, 6, 3],
         {'stride': 2, 'padding': 2, 'dilation': 2, 'groups': 2}, randn(2, 4, 11))
    case('conv1d_same', nn.Conv1d(3, 2, 4, padding='same', bias=False), 'Conv1d', [3, 2, 4], {'padding': 'same', 'bias': False}, randn(2, 3, 9))

    # Pooling
    case('maxpool2d', nn.MaxPool2d(2), 'MaxPool2d', [2], {}, randn(2, 3, 8, 8))
    case('maxpool2d_positional', nn.MaxPool2d(2, 2), 'MaxPool2d', [2, 2], None, randn(2, 3, 7, 7))
    case('maxpool2d_k3s2p1', nn.MaxPool2d(3, stride=2, padding=1), 'MaxPool2d', [3], {'stride': 2, 'padding': 1}, randn(2, 2, 9, 9))
    case('maxpool2d_ceil', nn.MaxPool2d(3, stride=2, ceil_mode=True), 'MaxPool2d', [3], {'stride': 2, 'ceilMode': True}, randn(1, 2, 8, 8))
    case('maxpool2d_dilation', nn.MaxPool2d(2, stride=1, dilation=2), 'MaxPool2d', [2], {'stride': 1, 'dilation': 2}, randn(1, 2, 6, 6))
    case('maxpool2d_tuple', nn.MaxPool2d((2, 3), stride=(2, 1)), 'MaxPool2d', [[2, 3]], {'stride': [2, 1]}, randn(1, 2, 6, 7))
    case('avgpool2d', nn.AvgPool2d(2), 'AvgPool2d', [2], {}, randn(2, 3, 8, 8))
    case('avgpool2d_positional', nn.AvgPool2d(3, 2, 1), 'AvgPool2d', [3, 2, 1], None, randn(1, 2, 7, 7))
    case('avgpool2d_exclude_pad', nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), 'AvgPool2d', [3],
         {'stride': 2, 'padding': 1, 'countIncludePad': False}, randn(1, 2, 7, 7))
    case('avgpool2d_ceil', nn.AvgPool2d(3, stride=2, ceil_mode=True), 'AvgPool2d', [3], {'stride': 2, 'ceilMode': True}, randn(1, 2, 8, 8))
    case('avgpool2d_divisor', nn.AvgPool2d(2, divisor_override=3), 'AvgPool2d', [2], {'divisorOverride': 3}, randn(1, 2, 4, 4))
    case('maxpool1d', nn.MaxPool1d(3, stride=2, padding=1), 'MaxPool1d', [3], {'stride': 2, 'padding': 1}, randn(2, 3, 9))
    case('avgpool1d', nn.AvgPool1d(2), 'AvgPool1d', [2], {}, randn(2, 3, 8))
    case('adaptive_avgpool2d_1', nn.AdaptiveAvgPool2d(1), 'AdaptiveAvgPool2d', [1], {}, randn(2, 3, 5, 7))
    case('adaptive_avgpool2d_3x2', nn.AdaptiveAvgPool2d((3, 2)), 'AdaptiveAvgPool2d', [[3, 2]], {}, randn(2, 3, 7, 5))
    case('adaptive_avgpool2d_none', nn.AdaptiveAvgPool2d((None, 2)), 'AdaptiveAvgPool2d', [[None, 2]], {}, randn(1, 2, 4, 5))

    # Normalisation (random affine parameters and running statistics)
    case('batchnorm1d_train_2d', nn.BatchNorm1d(4), 'BatchNorm1d', [4], {}, randn(8, 4, scale=2.0, shift=1.0), randomize=True)
    case('batchnorm1d_train_3d', nn.BatchNorm1d(3), 'BatchNorm1d', [3], {}, randn(4, 3, 5, scale=2.0, shift=-1.0), randomize=True)
    case('batchnorm1d_eval', nn.BatchNorm1d(3), 'BatchNorm1d', [3], {}, randn(4, 3, 5), train=False, randomize=True)
    case('batchnorm2d_train', nn.BatchNorm2d(3), 'BatchNorm2d', [3], {}, randn(4, 3, 5, 5, scale=3.0, shift=2.0), randomize=True)
    case('batchnorm2d_eval', nn.BatchNorm2d(3), 'BatchNorm2d', [3], {}, randn(2, 3, 4, 4), train=False, randomize=True)
    case('batchnorm2d_options', nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), 'BatchNorm2d', [3], {'eps': 1e-3, 'momentum': 0.3}, randn(2, 3, 4, 4), randomize=True)
    case('batchnorm2d_momentum_none', nn.BatchNorm2d(3, momentum=None), 'BatchNorm2d', [3], {'momentum': None}, randn(2, 3, 4, 4), randomize=True)
    case('batchnorm2d_noaffine', nn.BatchNorm2d(3, affine=False), 'BatchNorm2d', [3], {'affine': False}, randn(2, 3, 4, 4), randomize=True)
    case('batchnorm2d_notrack_train', nn.BatchNorm2d(3, track_running_stats=False), 'BatchNorm2d', [3], {'trackRunningStats': False}, randn(2, 3, 4, 4), randomize=True)
    case('batchnorm2d_notrack_eval', nn.BatchNorm2d(3, track_running_stats=False), 'BatchNorm2d', [3], {'trackRunningStats': False}, randn(2, 3, 4, 4), train=False, randomize=True)
    case('layernorm', nn.LayerNorm(5), 'LayerNorm', [5], {}, randn(3, 4, 5, scale=2.0, shift=1.0), randomize=True)
    case('layernorm_2d', nn.LayerNorm([4, 5]), 'LayerNorm', [[4, 5]], {}, randn(3, 4, 5), randomize=True)
    case('layernorm_noaffine_eps', nn.LayerNorm(6, eps=1e-3, elementwise_affine=False), 'LayerNorm', [6], {'eps': 1e-3, 'elementwiseAffine': False}, randn(2, 6))

    # Shape and dropout
    case('flatten', nn.Flatten(), 'Flatten', [], None, randn(2, 3, 4, 2))
    case('flatten_0_2', nn.Flatten(0, 2), 'Flatten', [0, 2], None, randn(2, 3, 4, 2))
    case('unflatten', nn.Unflatten(1, (3, 4)), 'Unflatten', [1, [3, 4]], None, randn(2, 12, 5))
    case('dropout_eval', nn.Dropout(0.3), 'Dropout', [0.3], None, randn(4, 5), train=False)
    case('dropout_p0_train', nn.Dropout(0.0), 'Dropout', [0.0], None, randn(4, 5))

    # Activations
    x = randn(3, 7, scale=2.0)
    case('relu', nn.ReLU(), 'ReLU', [], None, x.clone())
    case('leaky_relu', nn.LeakyReLU(0.2), 'LeakyReLU', [0.2], None, x.clone())
    case('leaky_relu_default', nn.LeakyReLU(), 'LeakyReLU', [], None, x.clone())
    case('elu', nn.ELU(0.5), 'ELU', [0.5], None, x.clone())
    case('softplus', nn.Softplus(2, 5), 'Softplus', [2, 5], None, x.clone())
    case('tanh', nn.Tanh(), 'Tanh', [], None, x.clone())
    case('sigmoid', nn.Sigmoid(), 'Sigmoid', [], None, x.clone())
    case('gelu', nn.GELU(), 'GELU', [], {}, x.clone())
    case('gelu_tanh', nn.GELU(approximate='tanh'), 'GELU', [], {'approximate': 'tanh'}, x.clone())
    case('silu', nn.SiLU(), 'SiLU', [], None, x.clone())
    case('softmax', nn.Softmax(dim=1), 'Softmax', [1], None, randn(2, 5, 3))
    case('log_softmax', nn.LogSoftmax(dim=-1), 'LogSoftmax', [-1], None, randn(2, 5, 3))

    # Embedding
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    case('embedding', nn.Embedding(10, 3), 'Embedding', [10, 3], {}, idx)
    case('embedding_padding', nn.Embedding(10, 3, padding_idx=0), 'Embedding', [10, 3], {'paddingIdx': 0},
         torch.tensor([[0, 2, 0, 5], [4, 0, 2, 9]]))
    case('embedding_padding_negative', nn.Embedding(6, 3, padding_idx=-1), 'Embedding', [6, 3], {'paddingIdx': -1},
         torch.tensor([1, 5, 5, 0, 2]))
    case('embedding_max_norm', nn.Embedding(10, 4, max_norm=1.0), 'Embedding', [10, 4], {'maxNorm': 1.0},
         torch.tensor([[1, 2, 1], [7, 3, 9]]))
    case('embedding_max_norm_p1', nn.Embedding(8, 3, max_norm=1.5, norm_type=1.0), 'Embedding', [8, 3], {'maxNorm': 1.5, 'normType': 1},
         torch.tensor([0, 4, 6, 4]))
    pretrained = randn(6, 3)
    case('embedding_from_pretrained', nn.Embedding.from_pretrained(pretrained.clone(), freeze=False, padding_idx=1), 'Embedding', [], {'freeze': False, 'paddingIdx': 1},
         torch.tensor([[1, 2], [1, 5]]), factory='fromPretrained')
    case('embedding_from_pretrained_frozen', nn.Embedding.from_pretrained(pretrained.clone()), 'Embedding', [], {},
         torch.tensor([0, 3, 3]), factory='fromPretrained')
    return cases


def option_cases():
    gen.manual_seed(1)
    cases = []

    def case(name, module, layer, args, opts, x):
        cases.append(dict(name=name, module=module, layer=layer, args=args, opts=opts, x=x,
                          train=True, randomize=False, factory=None))

    for mode in ['reflect', 'replicate', 'circular']:
        case(f'conv2d_{mode}', nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode), 'Conv2d', [2, 3, 3],
             {'padding': 1, 'paddingMode': mode}, randn(2, 2, 5, 6))
        case(f'conv1d_{mode}', nn.Conv1d(2, 3, 3, padding=2, padding_mode=mode), 'Conv1d', [2, 3, 3],
             {'padding': 2, 'paddingMode': mode}, randn(2, 2, 7))
    case('conv2d_reflect_rect_stride', nn.Conv2d(2, 3, (3, 2), stride=2, padding=(2, 1), padding_mode='reflect'), 'Conv2d', [2, 3, [3, 2]],
         {'stride': 2, 'padding': [2, 1], 'paddingMode': 'reflect'}, randn(1, 2, 6, 5))
    case('conv2d_circular_same', nn.Conv2d(2, 2, 4, padding='same', padding_mode='circular'), 'Conv2d', [2, 2, 4],
         {'padding': 'same', 'paddingMode': 'circular'}, randn(1, 2, 5, 6))
    case('conv1d_replicate_unbatched', nn.Conv1d(2, 3, 3, padding=1, padding_mode='replicate'), 'Conv1d', [2, 3, 3],
         {'padding': 1, 'paddingMode': 'replicate'}, randn(2, 6))
    case('maxpool2d_indices', nn.MaxPool2d(3, stride=2, padding=1, return_indices=True), 'MaxPool2d', [3],
         {'stride': 2, 'padding': 1, 'returnIndices': True}, randn(2, 2, 7, 7))
    case('maxpool2d_indices_unbatched', nn.MaxPool2d(2, return_indices=True), 'MaxPool2d', [2], {'returnIndices': True}, randn(2, 4, 6))
    case('maxpool1d_indices', nn.MaxPool1d(3, stride=2, return_indices=True), 'MaxPool1d', [3],
         {'stride': 2, 'returnIndices': True}, randn(2, 3, 9))
    idx = torch.tensor([[1, 2, 4, 4], [4, 3, 2, 9]])
    case('embedding_scale_grad_by_freq', nn.Embedding(10, 3, scale_grad_by_freq=True), 'Embedding', [10, 3],
         {'scaleGradByFreq': True}, idx)
    case('embedding_scale_grad_by_freq_padding', nn.Embedding(10, 3, padding_idx=0, scale_grad_by_freq=True), 'Embedding', [10, 3],
         {'paddingIdx': 0, 'scaleGradByFreq': True}, torch.tensor([[0, 2, 0, 5], [2, 0, 2, 9]]))
    # 3x3 stride-1 convolutions with 16 or more channels on both sides take Winograd's F(2x2, 3x3)
    # on the wasm backend: odd output sizes (a cut last tile), no padding, and padding 2
    case('conv2d_winograd_odd', nn.Conv2d(16, 20, 3, padding=1), 'Conv2d', [16, 20, 3], {'padding': 1}, randn(2, 16, 9, 7))
    case('conv2d_winograd_valid', nn.Conv2d(16, 32, 3), 'Conv2d', [16, 32, 3], {}, randn(1, 16, 8, 11))
    case('conv2d_winograd_pad2_nobias', nn.Conv2d(20, 16, 3, padding=2, bias=False), 'Conv2d', [20, 16, 3],
         {'padding': 2, 'bias': False}, randn(2, 20, 5, 6))
    return cases


def run_layer(c, tensors, specs):
    name, module = c['name'], c['module']
    if c['randomize']:
        randomize_(module)
    repr_text = repr(module)
    module = module.double()
    module.train(c['train'])
    before = state_of(module)
    for k, v in before.items():
        tensors[f'{name}/state.{k}'] = f32(v) if v.dtype != torch.int64 else v.contiguous()
    x = c['x']
    tensors[f'{name}/input'] = f32(x)
    xin = x.double().requires_grad_(True) if x.is_floating_point() else x
    out = module(xin)
    if isinstance(out, tuple):
        out, indices = out
        tensors[f'{name}/indices'] = f32(indices)
    gout = randn(*out.shape)
    tensors[f'{name}/output'] = f32(out)
    tensors[f'{name}/gout'] = gout
    params = [(k, p) for k, p in module.named_parameters() if p.requires_grad]
    wrt = ([xin] if x.is_floating_point() else []) + [p for _, p in params]
    if out.requires_grad:
        grads = torch.autograd.grad(out, wrt, gout.double(), allow_unused=True)
        if x.is_floating_point():
            tensors[f'{name}/grad.input'] = f32(grads[0])
            grads = grads[1:]
        for (k, p), g in zip(params, grads):
            tensors[f'{name}/grad.{k}'] = f32(g if g is not None else torch.zeros_like(p))
    after = state_of(module)
    for k, v in after.items():
        if not torch.equal(v, before[k]):
            tensors[f'{name}/after.{k}'] = f32(v) if v.dtype != torch.int64 else v.contiguous()
    spec = {'name': name, 'layer': c['layer'], 'args': c['args'], 'opts': c['opts'], 'train': c['train'], 'repr': repr_text}
    if c['factory']:
        spec['factory'] = c['factory']
    specs.append(spec)


# ---------------------------------------------------------------- losses

def loss_cases():
    cases = []
    C = 4

    def class_data(shape_kind, ignore):
        """(input, index target) for [N, C] / [N, C, d1, d2] / unbatched [C]; `ignore` marks some targets."""
        if shape_kind == '2d':
            x, t = randn(5, C, scale=2.0), randint(0, C, 5)
        elif shape_kind == '4d':
            x, t = randn(2, C, 3, 2, scale=2.0), randint(0, C, 2, 3, 2)
        else:
            x, t = randn(C, scale=2.0), randint(0, C)
        if ignore is not None and shape_kind != '1d':
            flat = t.view(-1)
            if ignore == -100:
                flat[1] = -100
                flat[-1] = -100
            else:
                flat[0] = ignore
                flat[2] = ignore
        return x, t

    def probs_like(x):
        return torch.softmax(randn(*x.shape, scale=2.0), dim=0 if x.dim() == 1 else 1)

    reductions = ['mean', 'sum', 'none']
    weight = rand(C, lo=0.2, hi=2.0)

    # CrossEntropy with class indices
    for shape_kind, red, use_w, ignore, ls in itertools.product(['2d', '4d', '1d'], reductions, [False, True], [None, -100, 1], [0.0, 0.2]):
        if shape_kind == '1d' and ignore is not None:
            continue
        x, t = class_data(shape_kind, ignore)
        opts = {'reduction': red}
        if ignore is not None and ignore != -100:
            opts['ignoreIndex'] = ignore
        if ls:
            opts['labelSmoothing'] = ls
        name = f'ce_idx_{shape_kind}_{red}{"_w" if use_w else ""}{"" if ignore is None else f"_ign{ignore}"}{"_ls" if ls else ""}'
        cases.append(dict(name=name, fn='crossEntropy', module='CrossEntropyLoss', x=x, t=t, w=weight if use_w else None, opts=opts))

    # CrossEntropy with class probabilities
    for shape_kind, red, use_w, ls in itertools.product(['2d', '4d', '1d'], reductions, [False, True], [0.0, 0.2]):
        x, _ = class_data(shape_kind, None)
        opts = {'reduction': red}
        if ls:
            opts['labelSmoothing'] = ls
        name = f'ce_prob_{shape_kind}_{red}{"_w" if use_w else ""}{"_ls" if ls else ""}'
        cases.append(dict(name=name, fn='crossEntropy', module='CrossEntropyLoss', x=x, t=probs_like(x), w=weight if use_w else None, opts=opts))

    # NLL on log-probabilities
    for shape_kind, red, use_w, ignore in itertools.product(['2d', '4d', '1d'], reductions, [False, True], [None, -100, 1]):
        if shape_kind == '1d' and ignore is not None:
            continue
        x, t = class_data(shape_kind, ignore)
        x = torch.log_softmax(x, dim=0 if x.dim() == 1 else 1)
        opts = {'reduction': red}
        if ignore is not None and ignore != -100:
            opts['ignoreIndex'] = ignore
        name = f'nll_{shape_kind}_{red}{"_w" if use_w else ""}{"" if ignore is None else f"_ign{ignore}"}'
        cases.append(dict(name=name, fn='nllLoss', module='NLLLoss', x=x, t=t, w=weight if use_w else None, opts=opts))

    # Regression losses (target gradients too); one broadcasting case each, which warns
    for red in reductions:
        for fn, module, extra in [('mseLoss', 'MSELoss', [{}]), ('l1Loss', 'L1Loss', [{}]),
                                  ('smoothL1Loss', 'SmoothL1Loss', [{'beta': 1.0}, {'beta': 0.5}, {'beta': 0.0}, {}]),
                                  ('huberLoss', 'HuberLoss', [{'delta': 1.0}, {'delta': 0.4}])]:
            for e in extra:
                suffix = ''.join(f'_{k}{v}' for k, v in e.items())
                x, t = randn(4, 3, scale=1.5), randn(4, 3, scale=1.5)
                cases.append(dict(name=f'{fn}_{red}{suffix}', fn=fn, module=module, x=x, t=t, opts={'reduction': red, **e}, target_grad=True))
            x, t = randn(5, 1), randn(5)
            cases.append(dict(name=f'{fn}_{red}_broadcast', fn=fn, module=module, x=x, t=t, opts={'reduction': red}, target_grad=True, warns=True))

    # Binary cross-entropy on probabilities
    for red, w_kind in itertools.product(reductions, [None, 'full', 'row']):
        x, t = torch.sigmoid(randn(4, 3, scale=2.0)), rand(4, 3)
        w = None if w_kind is None else rand(4, 3, lo=0.2, hi=2.0) if w_kind == 'full' else rand(3, lo=0.2, hi=2.0)
        cases.append(dict(name=f'bce_{red}{"" if w_kind is None else "_w" + w_kind}', fn='binaryCrossEntropy', module='BCELoss', x=x, t=t, w=w, opts={'reduction': red}))
    x = torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.3], [1e-30, 1.0 - 1e-7, 0.5, 0.999, 0.001]])
    t = torch.tensor([[0.0, 1.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.5, 1.0, 0.0]])
    cases.append(dict(name='bce_edges_none', fn='binaryCrossEntropy', module='BCELoss', x=x, t=t, w=None, opts={'reduction': 'none'}))
    cases.append(dict(name='bce_edges_sum', fn='binaryCrossEntropy', module='BCELoss', x=x, t=t, w=None, opts={'reduction': 'sum'}))

    # Binary cross-entropy on logits
    for red, use_w, use_pw in itertools.product(reductions, [False, True], [False, True]):
        x, t = randn(4, 3, scale=3.0), rand(4, 3)
        cases.append(dict(name=f'bcel_{red}{"_w" if use_w else ""}{"_pw" if use_pw else ""}', fn='binaryCrossEntropyWithLogits', module='BCEWithLogitsLoss',
                          x=x, t=t, w=rand(4, 3, lo=0.2, hi=2.0) if use_w else None, pw=rand(3, lo=0.5, hi=3.0) if use_pw else None, opts={'reduction': red}))
    x, t = torch.tensor([[-120.0, -30.0, 0.0, 30.0, 120.0]]), torch.tensor([[1.0, 0.0, 0.5, 1.0, 0.0]])
    cases.append(dict(name='bcel_extremes_none', fn='binaryCrossEntropyWithLogits', module='BCEWithLogitsLoss', x=x, t=t, opts={'reduction': 'none'}))
    return cases


TORCH_LOSS = {
    'crossEntropy': lambda x, t, w, pw, o: F.cross_entropy(x, t, weight=w, ignore_index=o.get('ignoreIndex', -100), reduction=o['reduction'], label_smoothing=o.get('labelSmoothing', 0.0)),
    'nllLoss': lambda x, t, w, pw, o: F.nll_loss(x, t, weight=w, ignore_index=o.get('ignoreIndex', -100), reduction=o['reduction']),
    'mseLoss': lambda x, t, w, pw, o: F.mse_loss(x, t, reduction=o['reduction']),
    'l1Loss': lambda x, t, w, pw, o: F.l1_loss(x, t, reduction=o['reduction']),
    'smoothL1Loss': lambda x, t, w, pw, o: F.smooth_l1_loss(x, t, reduction=o['reduction'], beta=o.get('beta', 1.0)),
    'huberLoss': lambda x, t, w, pw, o: F.huber_loss(x, t, reduction=o['reduction'], delta=o.get('delta', 1.0)),
    'binaryCrossEntropy': lambda x, t, w, pw, o: F.binary_cross_entropy(x, t, weight=w, reduction=o['reduction']),
    'binaryCrossEntropyWithLogits': lambda x, t, w, pw, o: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, reduction=o['reduction']),
}


def run_loss(c, tensors, specs):
    import warnings
    name, o = c['name'], c['opts']
    x, t, w, pw = c['x'], c['t'], c.get('w'), c.get('pw')
    tensors[f'{name}/input'] = f32(x)
    tensors[f'{name}/target'] = f32(t)
    if w is not None:
        tensors[f'{name}/weight'] = f32(w)
    if pw is not None:
        tensors[f'{name}/pos_weight'] = f32(pw)
    xd = x.double().requires_grad_(True)
    td = t.double() if t.is_floating_point() else t
    if c.get('target_grad'):
        td = td.requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = TORCH_LOSS[c['fn']](xd, td, None if w is None else w.double(), None if pw is None else pw.double(), o)
    gout = randn(*out.shape)
    tensors[f'{name}/output'] = f32(out)
    tensors[f'{name}/gout'] = gout
    wrt = [xd] + ([td] if c.get('target_grad') else [])
    grads = torch.autograd.grad(out, wrt, gout.double())
    tensors[f'{name}/grad.input'] = f32(grads[0])
    if c.get('target_grad'):
        tensors[f'{name}/grad.target'] = f32(grads[1])
    specs.append({'name': name, 'fn': c['fn'], 'module': c['module'], 'opts': o, 'weight': w is not None, 'posWeight': pw is not None,
                  'targetGrad': bool(c.get('target_grad')), 'warns': bool(c.get('warns'))})


# ---------------------------------------------------------------- batch norm over several steps

def batchnorm_steps(tensors, specs):
    configs = [
        ('bn2d_momentum', lambda: nn.BatchNorm2d(3), 'BatchNorm2d', [3], {}, (4, 3, 3, 3)),
        ('bn2d_cumulative', lambda: nn.BatchNorm2d(3, momentum=None), 'BatchNorm2d', [3], {'momentum': None}, (4, 3, 3, 3)),
        ('bn1d_momentum', lambda: nn.BatchNorm1d(5, momentum=0.25), 'BatchNorm1d', [5], {'momentum': 0.25}, (6, 5)),
        ('bn1d_cumulative_3d', lambda: nn.BatchNorm1d(2, momentum=None, affine=False), 'BatchNorm1d', [2], {'momentum': None, 'affine': False}, (3, 2, 4)),
    ]
    for name, make, layer, args, opts, shape in configs:
        module = make()
        randomize_(module)
        module = module.double().train()
        for k, v in state_of(module).items():
            tensors[f'{name}/state.{k}'] = f32(v) if v.dtype != torch.int64 else v.contiguous()
        for step in range(3):
            x = randn(*shape, scale=1.0 + step, shift=float(step) - 1.0)
            tensors[f'{name}/step{step}.input'] = x
            tensors[f'{name}/step{step}.output'] = f32(module(x.double()))
        for k, v in state_of(module).items():
            tensors[f'{name}/after.{k}'] = f32(v) if v.dtype != torch.int64 else v.contiguous()
        module.eval()
        x = randn(*shape)
        tensors[f'{name}/eval.input'] = x
        tensors[f'{name}/eval.output'] = f32(module(x.double()))
        specs.append({'name': name, 'layer': layer, 'args': args, 'opts': opts})


# ---------------------------------------------------------------- a small model end to end

class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.features = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Dropout(0.0))
        self.fc1 = nn.Linear(8 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def model_fixture(tensors, specs):
    torch.manual_seed(0)
    model = SimpleCNN()
    randomize_(model.bn1)
    repr_text = repr(model)
    keys = list(model.state_dict().keys())
    model = model.double().train()
    for k, v in state_of(model).items():
        tensors[f'state.{k}'] = f32(v) if v.dtype != torch.int64 else v.contiguous()
    x = randn(3, 1, 12, 12)
    target = torch.tensor([3, 0, 9])
    tensors['input'] = x
    tensors['target'] = target.int()
    loss = F.cross_entropy(model(x.double()), target)
    loss.backward()
    tensors['loss'] = f32(loss)
    for k, p in model.named_parameters():
        tensors[f'grad.{k}'] = f32(p.grad)
    for k, v in model.named_buffers():
        tensors[f'after.{k}'] = f32(v) if v.dtype != torch.int64 else v.contiguous()
    model.eval()
    with torch.no_grad():
        tensors['eval.output'] = f32(model(x.double()))
    specs.append({'name': 'simple_cnn', 'repr': repr_text, 'keys': keys})


def write(name, tensors, specs):
    path = os.path.join(OUT_DIR, f'{name}.safetensors')
    save(tensors, {'cases': json.dumps(specs)}, path)
    print(f'{path}: {len(specs)} cases, {len(tensors)} tensors, {os.path.getsize(path)} bytes')


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    tensors, specs = {}, []
    for c in layer_cases():
        run_layer(c, tensors, specs)
    write('layers', tensors, specs)

    tensors, specs = {}, []
    for c in loss_cases():
        run_loss(c, tensors, specs)
    write('losses', tensors, specs)

    tensors, specs = {}, []
    batchnorm_steps(tensors, specs)
    write('batchnorm', tensors, specs)

    tensors, specs = {}, []
    model_fixture(tensors, specs)
    write('model', tensors, specs)

    tensors, specs = {}, []
    for c in option_cases():
        run_layer(c, tensors, specs)
    write('options', tensors, specs)


if __name__ == '__main__':
    main()
