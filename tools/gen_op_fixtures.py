#!/usr/bin/python3
"""PyTorch parity fixtures for nabla's ops: test/fixtures/ops/<family>.safetensors.

Run with Debian's torch (python3-torch, no pip packages needed):

    /usr/bin/python3 tools/gen_op_fixtures.py

Every case stores, under the prefix `<case>/`:
  in0, in1, ...     the inputs as float32 / int32 (PyTorch's int64, narrowed) / bool; the op may read a
                    *view* of an input, described in the metadata, which the TypeScript side rebuilds
                    with nabla's own view ops (so non-contiguous inputs and the view ops' gradients
                    are exercised too)
  out | out0, ...   the output(s) (indices as int32)
  gout | gout0, ... a random upstream gradient for each floating output
  grad0, ...        the gradient of sum(out_k * gout_k) with respect to each float input that
                    requires grad (with respect to the stored input, i.e. through the view)

The metadata maps `<case>` to JSON: {"op": name, "args": {...}, "inputs": [{"view": [...], "grad": bool}],
"outputs": n}. Op names and argument names are nabla's (camelCase); tests/ops/*.test.ts hold the
table from op name to the nabla call, this file holds the table to the torch call.

Precision: inputs are drawn in float32 and stored as such; the reference runs in float64 on those
exact values and is rounded to float32 once at the end, so the fixtures carry no float32 rounding
of their own and nabla can be held to rtol 1e-4, atol 1e-5.
"""
import json
import math
import os
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_check import save  # noqa: E402  (stdlib + torch safetensors writer)

warnings.filterwarnings('ignore', message="Using padding='same'")  # torch's note on even kernels, expected here

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'ops')

gen = torch.Generator().manual_seed(0)


# ---------------------------------------------------------------- input helpers

def randn(*shape, scale=1.0):
    return torch.randn(shape, generator=gen, dtype=torch.float32) * scale


def uniform(lo, hi, *shape):
    return (torch.rand(*shape, generator=gen, dtype=torch.float32) * (hi - lo) + lo).float()


def spaced(*shape, gap=0.125):
    """Distinct values at least `gap` apart, shuffled: no ties, no values near each other."""
    n = math.prod(shape)
    perm = torch.randperm(n, generator=gen).float()
    return ((perm - n / 2) * gap).reshape(shape)


def small_ints(lo, hi, *shape):
    """Integer-valued floats: lots of exact ties."""
    return torch.randint(lo, hi, shape, generator=gen).float()


def index(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=gen, dtype=torch.int64)


def mask(*shape, p=0.5):
    return torch.rand(*shape, generator=gen) < p


class I:
    """One input: its stored tensor, an optional view applied before the op, and whether it requires grad."""

    def __init__(self, t, view=None, grad=None):
        self.t = t
        self.view = view or []
        self.grad = t.is_floating_point() if grad is None else grad


def as_input(x):
    return x if isinstance(x, I) else I(x)


def apply_view(t, steps):
    for step in steps:
        kind, *a = step
        if kind == 'transpose':
            t = t.transpose(a[0], a[1])
        elif kind == 'permute':
            t = t.permute(*a[0])
        elif kind == 'slice':
            dim, start, end, step_ = a
            t = t[(slice(None),) * dim + (slice(start, end, step_),)]
        elif kind == 'expand':
            t = t.expand(*a[0])
        elif kind == 'select':
            t = t.select(a[0], a[1])
        elif kind == 'unsqueeze':
            t = t.unsqueeze(a[0])
        else:
            raise ValueError(f'unknown view step {step}')
    return t


# ---------------------------------------------------------------- the torch side of each op

def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else v


def scalar_like(x, v):
    return torch.tensor(v, dtype=x.dtype)


def batch_norm(xs, a):
    x, rm, rv = xs[0], xs[1], xs[2]
    w = xs[3] if a.get('weight') else None
    b = xs[4 if a.get('weight') else 3] if a.get('bias') else None
    rm = rm.clone() if rm.numel() else None
    rv = rv.clone() if rv.numel() else None
    momentum = a.get('momentum', 0.1)
    if momentum is None:
        momentum = 1.0 / (a.get('numBatchesTracked', 0) + 1)
    y = F.batch_norm(x, rm, rv, w, b, training=a.get('training', False), momentum=momentum, eps=a.get('eps', 1e-5))
    outs = [y]
    if rm is not None:
        outs += [rm, rv]
    return outs


def layer_norm(xs, a):
    x = xs[0]
    w = xs[1] if a.get('weight') else None
    b = xs[2 if a.get('weight') else 1] if a.get('bias') else None
    return F.layer_norm(x, a['normalizedShape'], w, b, a.get('eps', 1e-5))


def conv_padding(p):
    return p if isinstance(p, str) else pair(p)


def conv(fn):
    def run(xs, a):
        return fn(xs[0], xs[1], xs[2] if len(xs) > 2 else None, stride=pair(a.get('stride', 1)),
                  padding=conv_padding(a.get('padding', 0)), dilation=pair(a.get('dilation', 1)), groups=a.get('groups', 1))
    return run


def stride_or_kernel(a):
    s = a.get('stride')
    return pair(s) if s is not None else None


TORCH = {
    # elementwise unary
    'neg': lambda x, a: torch.neg(x[0]),
    'exp': lambda x, a: torch.exp(x[0]),
    'log': lambda x, a: torch.log(x[0]),
    'log1p': lambda x, a: torch.log1p(x[0]),
    'sqrt': lambda x, a: torch.sqrt(x[0]),
    'rsqrt': lambda x, a: torch.rsqrt(x[0]),
    'abs': lambda x, a: torch.abs(x[0]),
    'sin': lambda x, a: torch.sin(x[0]),
    'cos': lambda x, a: torch.cos(x[0]),
    'tanh': lambda x, a: torch.tanh(x[0]),
    'sigmoid': lambda x, a: torch.sigmoid(x[0]),
    'relu': lambda x, a: torch.relu(x[0]),
    'leakyRelu': lambda x, a: F.leaky_relu(x[0], a.get('negativeSlope', 0.01)),
    'elu': lambda x, a: F.elu(x[0], a.get('alpha', 1.0)),
    'gelu': lambda x, a: F.gelu(x[0], approximate=a.get('approximate', 'none')),
    'silu': lambda x, a: F.silu(x[0]),
    'softplus': lambda x, a: F.softplus(x[0], a.get('beta', 1), a.get('threshold', 20)),
    'sign': lambda x, a: torch.sign(x[0]),
    'square': lambda x, a: torch.square(x[0]),
    'reciprocal': lambda x, a: torch.reciprocal(x[0]),
    'clamp': lambda x, a: torch.clamp(x[0], a.get('min'), a.get('max')),
    'floor': lambda x, a: torch.floor(x[0]),
    'ceil': lambda x, a: torch.ceil(x[0]),
    'round': lambda x, a: torch.round(x[0]),
    'logicalNot': lambda x, a: torch.logical_not(x[0]),
    'isnan': lambda x, a: torch.isnan(x[0]),
    'toDtype': lambda x, a: x[0].to({'float32': torch.float64, 'int32': torch.int64, 'bool': torch.bool}[a['dtype']]),
    'powScalar': lambda x, a: torch.pow(x[0], a['exponent']),
    'rpow': lambda x, a: torch.pow(a['base'], x[0]),
    # elementwise binary
    'add': lambda x, a: torch.add(x[0], x[1]),
    'sub': lambda x, a: torch.sub(x[0], x[1]),
    'mul': lambda x, a: torch.mul(x[0], x[1]),
    'div': lambda x, a: torch.div(x[0], x[1]),
    'pow': lambda x, a: torch.pow(x[0], x[1]),
    'maximum': lambda x, a: torch.maximum(x[0], x[1]),
    'minimum': lambda x, a: torch.minimum(x[0], x[1]),
    'remainder': lambda x, a: torch.remainder(x[0], x[1]),
    'atan2': lambda x, a: torch.atan2(x[0], x[1]),
    'addScalar': lambda x, a: x[0] + a['other'],
    'rsubScalar': lambda x, a: a['other'] - x[0],
    'mulScalar': lambda x, a: x[0] * a['other'],
    'divScalar': lambda x, a: x[0] / a['other'],
    'rdivScalar': lambda x, a: a['other'] / x[0],
    'maximumScalar': lambda x, a: torch.maximum(x[0], scalar_like(x[0], a['other'])),
    'minimumScalar': lambda x, a: torch.minimum(x[0], scalar_like(x[0], a['other'])),
    'eq': lambda x, a: torch.eq(x[0], x[1]),
    'ne': lambda x, a: torch.ne(x[0], x[1]),
    'lt': lambda x, a: torch.lt(x[0], x[1]),
    'le': lambda x, a: torch.le(x[0], x[1]),
    'gt': lambda x, a: torch.gt(x[0], x[1]),
    'ge': lambda x, a: torch.ge(x[0], x[1]),
    'ltScalar': lambda x, a: torch.lt(x[0], a['other']),
    'eqScalar': lambda x, a: torch.eq(x[0], a['other']),
    'logicalAnd': lambda x, a: torch.logical_and(x[0], x[1]),
    'logicalOr': lambda x, a: torch.logical_or(x[0], x[1]),
    'logicalXor': lambda x, a: torch.logical_xor(x[0], x[1]),
    'where': lambda x, a: torch.where(x[0], x[1], x[2]),
    'whereScalar': lambda x, a: torch.where(x[0], x[1], scalar_like(x[1], a['other'])),
    # reductions
    'sum': lambda x, a: torch.sum(x[0]) if a.get('dim') is None else torch.sum(x[0], a['dim'], a.get('keepdim', False)),
    'mean': lambda x, a: torch.mean(x[0]) if a.get('dim') is None else torch.mean(x[0], a['dim'], a.get('keepdim', False)),
    'max': lambda x, a: torch.max(x[0]) if a.get('dim') is None else list(torch.max(x[0], a['dim'], a.get('keepdim', False))),
    'min': lambda x, a: torch.min(x[0]) if a.get('dim') is None else list(torch.min(x[0], a['dim'], a.get('keepdim', False))),
    'amax': lambda x, a: torch.amax(x[0], a.get('dim', []), a.get('keepdim', False)),
    'amin': lambda x, a: torch.amin(x[0], a.get('dim', []), a.get('keepdim', False)),
    'argmax': lambda x, a: torch.argmax(x[0], a.get('dim'), a.get('keepdim', False)),
    'argmin': lambda x, a: torch.argmin(x[0], a.get('dim'), a.get('keepdim', False)),
    'var': lambda x, a: torch.var(x[0], a.get('dim'), correction=a.get('correction', 0 if a.get('unbiased') is False else 1), keepdim=a.get('keepdim', False)),
    'std': lambda x, a: torch.std(x[0], a.get('dim'), correction=a.get('correction', 0 if a.get('unbiased') is False else 1), keepdim=a.get('keepdim', False)),
    'logsumexp': lambda x, a: torch.logsumexp(x[0], a['dim'], a.get('keepdim', False)),
    'all': lambda x, a: torch.all(x[0]),
    'any': lambda x, a: torch.any(x[0]),
    # shape
    'view': lambda x, a: x[0].view(a['shape']),
    'reshape': lambda x, a: x[0].reshape(a['shape']),
    'flatten': lambda x, a: torch.flatten(x[0], a.get('startDim', 0), a.get('endDim', -1)),
    'unflatten': lambda x, a: x[0].unflatten(a['dim'], a['sizes']),
    'squeeze': lambda x, a: x[0].squeeze() if a.get('dim') is None else x[0].squeeze(a['dim']),
    'unsqueeze': lambda x, a: x[0].unsqueeze(a['dim']),
    'permute': lambda x, a: x[0].permute(*a['dims']),
    'transpose': lambda x, a: x[0].transpose(a['dim0'], a['dim1']),
    't': lambda x, a: x[0].t(),
    'expand': lambda x, a: x[0].expand(*a['shape']),
    'repeat': lambda x, a: x[0].repeat(*a['repeats']),
    'slice': lambda x, a: apply_view(x[0], [['slice', a['dim'] % x[0].dim(), a.get('start'), a.get('end'), a.get('step', 1)]]),
    'narrow': lambda x, a: x[0].narrow(a['dim'], a['start'], a['length']),
    'select': lambda x, a: x[0].select(a['dim'], a['index']),
    'split': lambda x, a: list(torch.split(x[0], a['sizes'], a.get('dim', 0))),
    'chunk': lambda x, a: list(torch.chunk(x[0], a['chunks'], a.get('dim', 0))),
    'flip': lambda x, a: torch.flip(x[0], a['dims']),
    'contiguous': lambda x, a: x[0].contiguous(),
    'clone': lambda x, a: x[0].clone(),
    'pad': lambda x, a: F.pad(x[0], a['padding'], value=a.get('value', 0.0)),
    'cat': lambda x, a: torch.cat(x, a.get('dim', 0)),
    'stack': lambda x, a: torch.stack(x, a.get('dim', 0)),
    # indexing
    'indexSelect': lambda x, a: torch.index_select(x[0], a['dim'], x[1]),
    'gather': lambda x, a: torch.gather(x[0], a['dim'], x[1]),
    'scatter': lambda x, a: torch.scatter(x[0], a['dim'], x[1], x[2]),
    'scatterScalar': lambda x, a: torch.scatter(x[0], a['dim'], x[1], a['value']),
    'scatterAdd': lambda x, a: torch.scatter_add(x[0], a['dim'], x[1], x[2]),
    'maskedFill': lambda x, a: x[0].masked_fill(x[1], a['value']),
    'embedding': lambda x, a: F.embedding(x[0], x[1]),
    # linalg
    'matmul': lambda x, a: torch.matmul(x[0], x[1]),
    'mm': lambda x, a: torch.mm(x[0], x[1]),
    'bmm': lambda x, a: torch.bmm(x[0], x[1]),
    'dot': lambda x, a: torch.dot(x[0], x[1]),
    # activation
    'softmax': lambda x, a: torch.softmax(x[0], a['dim']),
    'logSoftmax': lambda x, a: torch.log_softmax(x[0], a['dim']),
    # conv
    'conv1d': conv(F.conv1d),
    'conv2d': conv(F.conv2d),
    # pool
    'maxPool2d': lambda x, a: F.max_pool2d(x[0], pair(a['kernelSize']), stride_or_kernel(a), pair(a.get('padding', 0)),
                                           pair(a.get('dilation', 1)), ceil_mode=a.get('ceilMode', False)),
    'maxPool2dWithIndices': lambda x, a: list(F.max_pool2d(x[0], pair(a['kernelSize']), stride_or_kernel(a), pair(a.get('padding', 0)),
                                                           pair(a.get('dilation', 1)), ceil_mode=a.get('ceilMode', False), return_indices=True)),
    'avgPool2d': lambda x, a: F.avg_pool2d(x[0], pair(a['kernelSize']), stride_or_kernel(a), pair(a.get('padding', 0)),
                                           ceil_mode=a.get('ceilMode', False), count_include_pad=a.get('countIncludePad', True),
                                           divisor_override=a.get('divisorOverride')),
    'maxPool1d': lambda x, a: F.max_pool1d(x[0], a['kernelSize'], a.get('stride'), a.get('padding', 0), a.get('dilation', 1),
                                           ceil_mode=a.get('ceilMode', False)),
    'avgPool1d': lambda x, a: F.avg_pool1d(x[0], a['kernelSize'], a.get('stride'), a.get('padding', 0),
                                           ceil_mode=a.get('ceilMode', False), count_include_pad=a.get('countIncludePad', True)),
    'adaptiveAvgPool2d': lambda x, a: F.adaptive_avg_pool2d(x[0], pair(a['outputSize'])),
    # norm
    'layerNorm': layer_norm,
    'batchNorm': batch_norm,
}


# ---------------------------------------------------------------- running cases

def jsonable(v):
    """Strict JSON: non-finite floats become the strings 'Infinity', '-Infinity', 'NaN' (the tests turn them back)."""
    if isinstance(v, float) and not math.isfinite(v):
        return 'NaN' if math.isnan(v) else ('Infinity' if v > 0 else '-Infinity')
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def to_storage(t):
    """float64 -> float32, int64 -> int32 (nabla's dtypes)."""
    if t.is_floating_point():
        return t.detach().float().contiguous()
    if t.dtype == torch.bool:
        return t.detach().contiguous()
    assert t.abs().max() < 2 ** 31 if t.numel() else True
    return t.detach().to(torch.int32).contiguous()


class Family:
    def __init__(self, name):
        self.name = name
        self.tensors = {}
        self.meta = {}

    def case(self, name, op, inputs, **args):
        assert name not in self.meta, f'duplicate case {name}'
        assert '/' not in name
        inputs = [as_input(x) for x in inputs]
        leaves = []
        for inp in inputs:
            t = inp.t.double() if inp.t.is_floating_point() else inp.t.clone()
            if inp.grad:
                t.requires_grad_(True)
            leaves.append(t)
        viewed = [apply_view(t, inp.view) for t, inp in zip(leaves, inputs)]
        outs = TORCH[op](viewed, args)
        outs = outs if isinstance(outs, list) else [outs]
        prefix = name + '/'
        for i, inp in enumerate(inputs):
            self.tensors[f'{prefix}in{i}'] = to_storage(inp.t)
        single = len(outs) == 1
        diff_outs, gouts = [], []
        for k, o in enumerate(outs):
            key = 'out' if single else f'out{k}'
            self.tensors[prefix + key] = to_storage(o)
            if o.is_floating_point() and o.requires_grad:
                g = torch.randn(o.shape, generator=gen, dtype=torch.float32)
                self.tensors[prefix + ('gout' if single else f'gout{k}')] = g
                diff_outs.append(o)
                gouts.append(g.double())
        wanted = [t for t, inp in zip(leaves, inputs) if inp.grad]
        if diff_outs and wanted:
            grads = torch.autograd.grad(diff_outs, wanted, gouts, allow_unused=True)
            gi = iter(grads)
            for i, inp in enumerate(inputs):
                if inp.grad:
                    g = next(gi)
                    self.tensors[f'{prefix}grad{i}'] = to_storage(g if g is not None else torch.zeros_like(leaves[i]))
        self.meta[name] = json.dumps({
            'op': op, 'args': jsonable(args),
            'inputs': [{'view': inp.view, 'grad': bool(inp.grad)} for inp in inputs],
            'outputs': len(outs),
        }, separators=(',', ':'), allow_nan=False)

    def write(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        path = os.path.join(OUT_DIR, f'{self.name}.safetensors')
        meta = dict(self.meta)
        meta['__generator__'] = f'tools/gen_op_fixtures.py with torch {torch.__version__}'
        save(self.tensors, meta, path)
        print(f'{path}: {len(self.meta)} cases, {os.path.getsize(path)} bytes')
        return os.path.getsize(path)


# ---------------------------------------------------------------- the cases, by family

def elementwise():
    f = Family('elementwise')
    with_zeros = torch.cat([randn(10), torch.zeros(2)]).reshape(3, 4)
    for op in ['neg', 'exp', 'sin', 'cos', 'tanh', 'sigmoid', 'silu', 'square']:
        f.case(op, op, [randn(3, 4)])
    f.case('tanh_large', 'tanh', [randn(2, 5, scale=6)])
    f.case('sigmoid_large', 'sigmoid', [randn(2, 5, scale=20)])
    f.case('abs', 'abs', [with_zeros])
    f.case('relu', 'relu', [with_zeros])
    f.case('sign', 'sign', [with_zeros])
    f.case('leakyRelu', 'leakyRelu', [with_zeros])
    f.case('leakyRelu_slope', 'leakyRelu', [randn(3, 4)], negativeSlope=0.2)
    f.case('elu', 'elu', [with_zeros])
    f.case('elu_alpha', 'elu', [randn(3, 4)], alpha=0.5)
    f.case('gelu', 'gelu', [randn(3, 4, scale=2)])
    f.case('gelu_tanh', 'gelu', [randn(3, 4, scale=2)], approximate='tanh')
    f.case('softplus', 'softplus', [randn(3, 4, scale=3)])
    f.case('softplus_beta_threshold', 'softplus', [randn(3, 4, scale=3)], beta=2, threshold=3)
    for op in ['log', 'sqrt', 'rsqrt', 'reciprocal']:
        f.case(op, op, [uniform(0.5, 3, 3, 4)])
    f.case('log1p', 'log1p', [uniform(-0.5, 3, 3, 4)])
    halves = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.49, 0.51, 3.0, -3.0, 0.0, 1.2])
    for op in ['floor', 'ceil', 'round']:
        f.case(op, op, [torch.cat([halves, randn(8, scale=3)]).reshape(4, 5)])
    edges = torch.tensor([-0.5, 0.5, -0.7, 0.9, 0.0, 0.2])
    f.case('clamp', 'clamp', [torch.cat([edges, randn(6)]).reshape(3, 4)], min=-0.5, max=0.5)
    f.case('clamp_min', 'clamp', [torch.cat([edges, randn(6)]).reshape(3, 4)], min=-0.5)
    f.case('clamp_max', 'clamp', [torch.cat([edges, randn(6)]).reshape(3, 4)], max=0.5)
    nonfinite = torch.tensor([float('nan'), float('inf'), float('-inf'), 0.0, -1.5, 2.0])
    for op in ['relu', 'leakyRelu', 'abs', 'exp', 'tanh', 'sigmoid', 'neg', 'sign', 'square', 'floor', 'round']:
        f.case(f'{op}_nonfinite', op, [nonfinite])
    f.case('clamp_nonfinite', 'clamp', [nonfinite], min=-1.0, max=1.0)
    f.case('maximum_nonfinite', 'maximum', [nonfinite, torch.tensor([1.0, float('nan'), 0.0, float('inf'), -1.5, 3.0])])
    # 0-d and empty tensors
    f.case('exp_0d', 'exp', [randn()])
    f.case('mul_0d_0d', 'mul', [randn(), randn()])
    f.case('add_empty', 'add', [randn(0, 3), randn(3)])
    f.case('sigmoid_empty', 'sigmoid', [randn(2, 0)])
    f.case('where_0d_condition', 'where', [torch.tensor(True), randn(2, 2), randn(2)])
    f.case('isnan', 'isnan', [torch.tensor([1.0, float('nan'), -2.0, float('inf'), float('nan'), 0.0])], )
    f.case('logicalNot_bool', 'logicalNot', [mask(3, 4)])
    f.case('logicalNot_float', 'logicalNot', [torch.tensor([0.0, 1.0, -2.0, 0.0, 0.5])])
    f.case('toDtype_int', 'toDtype', [I(randn(3, 4, scale=3), grad=False)], dtype='int32')
    f.case('toDtype_bool', 'toDtype', [I(with_zeros, grad=False)], dtype='bool')
    f.case('toDtype_bool_float', 'toDtype', [mask(3, 4)], dtype='float32')
    f.case('toDtype_int_float', 'toDtype', [index(-5, 5, 3, 4)], dtype='float32')
    for e in [2, 3, 0.5, -1, 0, 2.5]:
        f.case(f'powScalar_{e}'.replace('.', 'p').replace('-', 'm'), 'powScalar', [uniform(0.5, 2, 3, 4)], exponent=e)
    f.case('powScalar_2_negative_base', 'powScalar', [randn(3, 4)], exponent=2)
    f.case('powScalar_int', 'powScalar', [index(-3, 4, 3, 4)], exponent=2)
    f.case('rpow', 'rpow', [randn(3, 4)], base=2.0)
    # non-contiguous unary: a transposed and a strided view
    f.case('exp_transposed', 'exp', [I(randn(4, 3), view=[['transpose', 0, 1]])])
    f.case('sigmoid_sliced', 'sigmoid', [I(randn(3, 8), view=[['slice', 1, 1, 8, 2]])])
    f.case('gelu_permuted', 'gelu', [I(randn(2, 3, 4), view=[['permute', [2, 0, 1]]])])

    # binary with broadcasting [3,1,4] and [2,1]
    a, b = randn(3, 1, 4), randn(2, 1)
    pos_a, pos_b = uniform(0.5, 2, 3, 1, 4), uniform(0.5, 2, 2, 1)
    for op in ['add', 'sub', 'mul', 'atan2']:
        f.case(f'{op}_broadcast', op, [a, b])
        f.case(op, op, [randn(3, 4), randn(3, 4)])
    f.case('div_broadcast', 'div', [a, pos_b * torch.tensor([[1.0], [-1.0]])])
    f.case('div', 'div', [randn(3, 4), uniform(0.5, 2, 3, 4)])
    f.case('pow_broadcast', 'pow', [pos_a, b])
    f.case('pow', 'pow', [uniform(0.5, 2, 3, 4), randn(3, 4)])
    f.case('remainder_broadcast', 'remainder', [randn(3, 1, 4, scale=3), torch.tensor([[1.5], [-0.75]])])
    f.case('remainder', 'remainder', [randn(3, 4, scale=4), uniform(0.5, 2, 3, 4)])
    ties_a, ties_b = small_ints(-2, 3, 3, 1, 4), small_ints(-2, 3, 2, 1)
    for op in ['maximum', 'minimum']:
        f.case(f'{op}_broadcast_ties', op, [ties_a, ties_b])
        f.case(op, op, [randn(3, 4), randn(3, 4)])
        f.case(f'{op}_ties', op, [small_ints(-1, 2, 3, 4), small_ints(-1, 2, 3, 4)])
    # non-contiguous binary: transposed + sliced, and an expanded view
    f.case('add_noncontiguous', 'add', [I(randn(4, 3), view=[['transpose', 0, 1]]), I(randn(3, 8), view=[['slice', 1, 0, 8, 2]])])
    f.case('mul_noncontiguous_broadcast', 'mul', [I(randn(4, 2, 3), view=[['permute', [2, 0, 1]]]), I(randn(4, 6), view=[['slice', 1, 1, 5, 2]])])
    f.case('div_expanded', 'div', [I(randn(1, 4), view=[['expand', [3, 4]]]), I(uniform(1, 2, 3, 1), view=[['expand', [3, 4]]])])
    f.case('sub_0d', 'sub', [randn(3, 4), randn()])
    f.case('atan2_broadcast_noncontiguous', 'atan2', [I(randn(4, 3), view=[['transpose', 0, 1]]), randn(4)])
    # scalars on either side
    f.case('addScalar', 'addScalar', [randn(3, 4)], other=2.5)
    f.case('rsubScalar', 'rsubScalar', [randn(3, 4)], other=3.0)
    f.case('mulScalar', 'mulScalar', [randn(3, 4)], other=-1.5)
    f.case('divScalar', 'divScalar', [randn(3, 4)], other=4.0)
    f.case('rdivScalar', 'rdivScalar', [uniform(0.5, 2, 3, 4)], other=2.0)
    f.case('maximumScalar', 'maximumScalar', [torch.tensor([0.25, -1.0, 0.25, 2.0, 0.0, 0.3])], other=0.25)
    f.case('minimumScalar', 'minimumScalar', [torch.tensor([0.25, -1.0, 0.25, 2.0, 0.0, 0.3])], other=0.25)
    # integer and mixed dtypes (type promotion)
    ia, ib = index(-5, 6, 3, 4), index(1, 4, 4)
    f.case('add_int', 'add', [ia, ib])
    f.case('mul_int', 'mul', [ia, ib])
    f.case('sub_int', 'sub', [ia, ib])
    f.case('div_int', 'div', [ia, ib])
    f.case('mul_int_float', 'mul', [ia, randn(4)])
    f.case('addScalar_int', 'addScalar', [ia], other=3)
    f.case('mulScalar_int_float', 'mulScalar', [ia], other=0.5)
    f.case('remainder_int', 'remainder', [ia, ib * torch.tensor([1, -1, 1, -1])])
    # comparisons (ties on purpose), logical ops, where
    ca, cb = small_ints(-2, 3, 3, 1, 4), small_ints(-2, 3, 2, 1)
    for op in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
        f.case(f'{op}_broadcast', op, [ca, cb])
    f.case('lt_noncontiguous', 'lt', [I(small_ints(-2, 3, 4, 3), view=[['transpose', 0, 1]]), small_ints(-2, 3, 3, 4)])
    f.case('eq_int', 'eq', [index(0, 3, 3, 4), index(0, 3, 4)])
    f.case('ltScalar', 'ltScalar', [small_ints(-2, 3, 3, 4)], other=0.0)
    f.case('eqScalar', 'eqScalar', [small_ints(-2, 3, 3, 4)], other=1.0)
    for op in ['logicalAnd', 'logicalOr', 'logicalXor']:
        f.case(f'{op}_broadcast', op, [mask(3, 1, 4), mask(2, 1)])
    f.case('where_broadcast', 'where', [mask(3, 1, 4), randn(2, 1), randn(3, 2, 4)])
    f.case('where', 'where', [mask(3, 4), randn(3, 4), randn(3, 4)])
    f.case('where_noncontiguous', 'where', [I(mask(4, 3), view=[['transpose', 0, 1]]), I(randn(3, 8), view=[['slice', 1, 0, 8, 2]]), randn(4)])
    f.case('whereScalar', 'whereScalar', [mask(3, 4), randn(3, 4)], other=-1.0)
    return f


def reduce_():
    f = Family('reduce')
    x = randn(3, 4, 5)
    xt = I(randn(5, 4, 3), view=[['permute', [2, 1, 0]]])
    for op in ['sum', 'mean']:
        f.case(f'{op}_all', op, [x])
        f.case(f'{op}_dim1', op, [x], dim=1)
        f.case(f'{op}_dim_neg', op, [x], dim=-1, keepdim=True)
        f.case(f'{op}_dims02', op, [x], dim=[0, 2])
        f.case(f'{op}_dims02_keepdim', op, [x], dim=[0, 2], keepdim=True)
        f.case(f'{op}_dims12_keepdim', op, [x], dim=[1, 2], keepdim=True)
        f.case(f'{op}_noncontiguous', op, [xt], dim=[0, 1])
        f.case(f'{op}_noncontiguous_all', op, [xt])
    f.case('sum_int', 'sum', [index(-5, 5, 3, 4)], dim=1)
    f.case('sum_bool', 'sum', [mask(3, 4)])
    ties = small_ints(0, 3, 3, 4, 5)
    for op in ['max', 'min']:
        f.case(f'{op}_all', op, [spaced(3, 4)])
        f.case(f'{op}_all_ties', op, [ties])
        f.case(f'{op}_dim', op, [spaced(3, 4, 5)], dim=1)
        f.case(f'{op}_dim_keepdim', op, [spaced(3, 4, 5)], dim=-1, keepdim=True)
        f.case(f'{op}_dim_ties', op, [ties], dim=2)
        f.case(f'{op}_dim0_ties_keepdim', op, [ties], dim=0, keepdim=True)
        f.case(f'{op}_dim_noncontiguous', op, [I(spaced(5, 4, 3), view=[['transpose', 0, 2]])], dim=0)
    for op in ['amax', 'amin']:
        f.case(f'{op}_all_ties', op, [ties])
        f.case(f'{op}_dim', op, [spaced(3, 4, 5)], dim=1)
        f.case(f'{op}_dims02_ties', op, [ties], dim=[0, 2])
        f.case(f'{op}_dims02_ties_keepdim', op, [ties], dim=[0, 2], keepdim=True)
        f.case(f'{op}_dim_neg_keepdim_ties', op, [ties], dim=-1, keepdim=True)
        f.case(f'{op}_noncontiguous', op, [I(small_ints(0, 3, 5, 4, 3), view=[['permute', [2, 1, 0]]])], dim=[1, 2])
    for op in ['argmax', 'argmin']:
        f.case(f'{op}_all', op, [spaced(3, 4)])
        f.case(f'{op}_all_ties', op, [ties])
        f.case(f'{op}_dim', op, [spaced(3, 4, 5)], dim=1)
        f.case(f'{op}_dim_ties_keepdim', op, [ties], dim=2, keepdim=True)
        f.case(f'{op}_noncontiguous', op, [I(spaced(5, 4), view=[['transpose', 0, 1]])], dim=1)
    for op in ['var', 'std']:
        f.case(f'{op}_all', op, [x])
        f.case(f'{op}_dim', op, [x], dim=1)
        f.case(f'{op}_dims_keepdim', op, [x], dim=[0, 2], keepdim=True)
        f.case(f'{op}_biased', op, [x], dim=-1, unbiased=False)
        f.case(f'{op}_correction2', op, [x], dim=[1, 2], correction=2)
        f.case(f'{op}_correction0_keepdim', op, [x], dim=0, correction=0, keepdim=True)
        f.case(f'{op}_noncontiguous', op, [xt], dim=1)
    f.case('logsumexp_dim', 'logsumexp', [x], dim=1)
    f.case('logsumexp_dims_keepdim', 'logsumexp', [x], dim=[0, 2], keepdim=True)
    f.case('logsumexp_large', 'logsumexp', [randn(3, 4, scale=50) + 100], dim=-1)
    f.case('logsumexp_noncontiguous', 'logsumexp', [xt], dim=[0, 2])
    nan_rows = torch.tensor([[1.0, float('nan'), 3.0], [4.0, 2.0, float('-inf')], [float('inf'), 0.0, float('nan')]])
    f.case('max_all_nan', 'max', [I(nan_rows, grad=False)])
    f.case('max_dim_nan', 'max', [I(nan_rows, grad=False)], dim=1)
    f.case('min_dim_nan', 'min', [I(nan_rows, grad=False)], dim=0)
    f.case('argmax_nan', 'argmax', [nan_rows], dim=1)
    f.case('argmin_nan', 'argmin', [nan_rows])
    f.case('amax_nan', 'amax', [I(nan_rows, grad=False)], dim=0)
    f.case('sum_nonfinite', 'sum', [nan_rows], dim=0)
    f.case('logsumexp_neginf', 'logsumexp', [torch.tensor([[float('-inf'), float('-inf')], [0.0, float('-inf')]])], dim=1)
    f.case('sum_empty_dim', 'sum', [randn(0, 3)], dim=0)
    f.case('sum_empty_all', 'sum', [randn(2, 0)])
    f.case('mean_empty_dim', 'mean', [randn(0, 3)], dim=0)
    f.case('sum_0d', 'sum', [randn()])
    f.case('mean_0d_dim', 'mean', [randn()], dim=0)
    f.case('max_0d', 'max', [randn()])
    f.case('argmax_0d', 'argmax', [randn()])
    f.case('max_0d_dim', 'max', [randn()], dim=0)
    f.case('min_0d_dim_keepdim', 'min', [randn()], dim=-1, keepdim=True)
    f.case('argmin_0d_dim', 'argmin', [randn()], dim=0)
    f.case('amax_0d_dim', 'amax', [randn()], dim=-1)
    f.case('var_0d', 'var', [randn()], dim=0, correction=0)
    f.case('logsumexp_0d', 'logsumexp', [randn()], dim=0)
    f.case('all_empty', 'all', [torch.zeros(0, dtype=torch.bool)])
    f.case('any_empty', 'any', [torch.zeros(0, dtype=torch.bool)])
    f.case('all_true', 'all', [torch.ones(3, 4, dtype=torch.bool)])
    f.case('all_mixed', 'all', [mask(3, 4)])
    f.case('any_false', 'any', [torch.zeros(3, 4, dtype=torch.bool)])
    f.case('any_mixed', 'any', [mask(3, 4, p=0.1)])
    f.case('all_float', 'all', [torch.tensor([1.0, -2.0, 0.5])])
    return f


def shape():
    f = Family('shape')
    x = randn(2, 3, 4)
    xt = I(randn(4, 3, 2), view=[['permute', [2, 1, 0]]])
    f.case('view', 'view', [x], shape=[6, 4])
    f.case('view_infer', 'view', [x], shape=[2, -1])
    f.case('view_transposed_compatible', 'view', [I(randn(4, 6), view=[['transpose', 0, 1]])], shape=[6, 2, 2])
    f.case('reshape', 'reshape', [x], shape=[4, 6])
    f.case('reshape_noncontiguous', 'reshape', [xt], shape=[-1])
    f.case('reshape_0d', 'reshape', [randn(1, 1)], shape=[])
    f.case('flatten', 'flatten', [x])
    f.case('flatten_range', 'flatten', [randn(2, 3, 4, 5)], startDim=1, endDim=2)
    f.case('flatten_noncontiguous', 'flatten', [xt], startDim=1)
    f.case('unflatten', 'unflatten', [randn(2, 12)], dim=1, sizes=[3, 4])
    f.case('squeeze_all', 'squeeze', [randn(2, 1, 3, 1)])
    f.case('squeeze_dim', 'squeeze', [randn(2, 1, 3, 1)], dim=1)
    f.case('squeeze_noop', 'squeeze', [randn(2, 1, 3, 1)], dim=0)
    f.case('unsqueeze', 'unsqueeze', [x], dim=1)
    f.case('unsqueeze_last', 'unsqueeze', [x], dim=-1)
    f.case('unsqueeze_noncontiguous', 'unsqueeze', [xt], dim=2)
    f.case('permute', 'permute', [x], dims=[2, 0, 1])
    f.case('permute_noncontiguous', 'permute', [xt], dims=[1, 2, 0])
    f.case('transpose', 'transpose', [x], dim0=0, dim1=2)
    f.case('transpose_neg', 'transpose', [x], dim0=-1, dim1=-2)
    f.case('t', 't', [randn(3, 5)])
    f.case('t_1d', 't', [randn(4)])
    f.case('expand', 'expand', [randn(3, 1)], shape=[2, 3, 4])
    f.case('expand_keep', 'expand', [randn(1, 4)], shape=[3, -1])
    f.case('expand_noncontiguous', 'expand', [I(randn(4, 1, 3), view=[['permute', [2, 1, 0]]])], shape=[2, 3, 5, 4])
    f.case('repeat', 'repeat', [randn(2, 3)], repeats=[2, 3])
    f.case('repeat_newdims', 'repeat', [randn(2, 3)], repeats=[2, 1, 2])
    f.case('repeat_noncontiguous', 'repeat', [I(randn(3, 2), view=[['transpose', 0, 1]])], repeats=[1, 2])
    f.case('slice', 'slice', [x], dim=2, start=1, end=3)
    f.case('slice_step', 'slice', [randn(3, 9)], dim=1, start=1, end=8, step=3)
    f.case('slice_negative', 'slice', [randn(5, 3)], dim=0, start=-4, end=-1)
    f.case('slice_clamped', 'slice', [randn(5, 3)], dim=0, start=2, end=100)
    f.case('slice_noncontiguous', 'slice', [xt], dim=1, start=0, end=3, step=2)
    f.case('narrow', 'narrow', [x], dim=1, start=1, length=2)
    f.case('narrow_negative_start', 'narrow', [x], dim=-1, start=-3, length=2)
    f.case('select', 'select', [x], dim=1, index=2)
    f.case('select_negative', 'select', [x], dim=-1, index=-1)
    f.case('select_noncontiguous', 'select', [xt], dim=0, index=1)
    f.case('split_int', 'split', [randn(7, 3)], sizes=3)
    f.case('split_list', 'split', [randn(3, 7)], sizes=[2, 4, 1], dim=1)
    f.case('chunk', 'chunk', [randn(7, 3)], chunks=3)
    f.case('chunk_uneven', 'chunk', [randn(3, 5)], chunks=2, dim=-1)
    f.case('flip', 'flip', [x], dims=[0])
    f.case('flip_multi', 'flip', [x], dims=[0, 2])
    f.case('flip_noncontiguous', 'flip', [xt], dims=[1, 2])
    f.case('reshape_empty', 'reshape', [randn(0, 4)], shape=[2, 0, 2])
    f.case('unsqueeze_0d', 'unsqueeze', [randn()], dim=0)
    f.case('expand_0d', 'expand', [randn()], shape=[2, 3])
    f.case('flatten_0d', 'flatten', [randn()])
    f.case('split_empty_part', 'split', [randn(4, 2)], sizes=[0, 3, 1])
    f.case('contiguous', 'contiguous', [xt])
    f.case('clone', 'clone', [xt])
    f.case('pad_last', 'pad', [x], padding=[1, 2])
    f.case('pad_two_dims_value', 'pad', [x], padding=[1, 0, 0, 2], value=1.5)
    f.case('pad_negative', 'pad', [randn(3, 5)], padding=[-1, 2, 1, -1])
    f.case('pad_noncontiguous', 'pad', [xt], padding=[1, 1, 1, 1, 1, 0])
    return f


def join():
    f = Family('join')
    f.case('cat0', 'cat', [randn(2, 3), randn(4, 3)])
    f.case('cat1', 'cat', [randn(2, 3), randn(2, 1), randn(2, 4)], dim=1)
    f.case('cat_neg', 'cat', [randn(2, 3, 2), randn(2, 3, 3)], dim=-1)
    f.case('cat_noncontiguous', 'cat', [I(randn(3, 2), view=[['transpose', 0, 1]]), I(randn(2, 6), view=[['slice', 1, 0, 6, 2]])], dim=1)
    f.case('cat_nograd_mixed', 'cat', [I(randn(2, 3), grad=False), randn(1, 3)])
    f.case('cat_int', 'cat', [index(0, 5, 2, 3), index(0, 5, 1, 3)])
    f.case('cat_skip_empty_1d', 'cat', [randn(2, 3), torch.zeros(0), randn(1, 3)])
    f.case('cat_empty_2d', 'cat', [randn(0, 3), randn(2, 3)])
    f.case('stack_0d', 'stack', [randn(), randn(), randn()])
    f.case('stack0', 'stack', [randn(2, 3), randn(2, 3), randn(2, 3)])
    f.case('stack_last', 'stack', [randn(2, 3), randn(2, 3)], dim=-1)
    f.case('stack_mid_noncontiguous', 'stack', [I(randn(3, 2), view=[['transpose', 0, 1]]), randn(2, 3)], dim=1)
    return f


def indexing():
    f = Family('indexing')
    f.case('indexSelect0', 'indexSelect', [randn(5, 3), index(0, 5, 7)], dim=0)
    f.case('indexSelect1', 'indexSelect', [randn(2, 5, 3), torch.tensor([4, 0, 0, 2])], dim=1)
    f.case('indexSelect_last_noncontiguous', 'indexSelect', [I(randn(4, 3), view=[['transpose', 0, 1]]), torch.tensor([3, 1, 3])], dim=-1)
    f.case('gather0', 'gather', [randn(4, 3), index(0, 4, 5, 3)], dim=0)
    f.case('gather1_smaller_index', 'gather', [randn(3, 5), index(0, 5, 2, 4)], dim=1)
    f.case('gather_3d', 'gather', [randn(2, 3, 4), index(0, 3, 2, 2, 4)], dim=1)
    f.case('gather_noncontiguous', 'gather', [I(randn(5, 3), view=[['transpose', 0, 1]]), index(0, 5, 3, 2)], dim=1)
    perm_rows = torch.stack([torch.randperm(5, generator=gen)[:3] for _ in range(4)], 1)  # [3, 4], distinct per column
    f.case('scatter0', 'scatter', [randn(5, 4), perm_rows, randn(3, 4)], dim=0)
    perm_cols = torch.stack([torch.randperm(6, generator=gen)[:2] for _ in range(3)], 0)  # [3, 2], distinct per row
    f.case('scatter1_larger_src', 'scatter', [randn(3, 6), perm_cols, I(randn(4, 3), grad=False)], dim=1)  # torch has no src grad here
    f.case('scatterScalar', 'scatterScalar', [randn(3, 6), perm_cols], dim=1, value=-2.5)
    f.case('scatterAdd0_duplicates', 'scatterAdd', [randn(4, 3), index(0, 4, 6, 3), randn(6, 3)], dim=0)
    f.case('scatterAdd1', 'scatterAdd', [randn(2, 5), index(0, 5, 2, 7), randn(2, 7)], dim=1)
    f.case('scatterAdd_noncontiguous', 'scatterAdd', [I(randn(3, 4), view=[['transpose', 0, 1]]), index(0, 4, 2, 3), randn(2, 3)], dim=0)
    f.case('maskedFill', 'maskedFill', [randn(3, 4), mask(3, 4)], value=-1.0)
    f.case('maskedFill_broadcast', 'maskedFill', [randn(2, 3, 4), mask(3, 1)], value=float('-inf'))
    f.case('maskedFill_noncontiguous', 'maskedFill', [I(randn(4, 3), view=[['transpose', 0, 1]]), mask(4)], value=2.0)
    f.case('embedding', 'embedding', [index(0, 6, 7), randn(6, 3)])
    f.case('embedding_2d', 'embedding', [index(0, 5, 2, 4), randn(5, 4)])
    return f


def linalg():
    f = Family('linalg')
    f.case('vec_vec', 'matmul', [randn(5), randn(5)])
    f.case('mat_mat', 'matmul', [randn(3, 4), randn(4, 2)])
    f.case('mat_mat_odd', 'matmul', [randn(7, 5), randn(5, 9)])
    f.case('vec_mat', 'matmul', [randn(4), randn(4, 3)])
    f.case('mat_vec', 'matmul', [randn(3, 4), randn(4)])
    f.case('batched', 'matmul', [randn(2, 3, 4), randn(2, 4, 5)])
    f.case('batched_broadcast', 'matmul', [randn(2, 1, 3, 4), randn(5, 4, 2)])
    f.case('batched_mat', 'matmul', [randn(2, 3, 4), randn(4, 5)])
    f.case('mat_batched', 'matmul', [randn(3, 4), randn(2, 4, 5)])
    f.case('batched_vec', 'matmul', [randn(2, 3, 4), randn(4)])
    f.case('vec_batched', 'matmul', [randn(4), randn(2, 4, 3)])
    f.case('transposed_a', 'matmul', [I(randn(4, 3), view=[['transpose', 0, 1]]), randn(4, 5)])
    f.case('transposed_b', 'matmul', [randn(3, 4), I(randn(5, 4), view=[['transpose', 0, 1]])])
    f.case('transposed_both', 'matmul', [I(randn(4, 6), view=[['transpose', 0, 1]]), I(randn(5, 4), view=[['transpose', 0, 1]])])
    f.case('batched_transposed', 'matmul', [I(randn(2, 4, 3), view=[['transpose', 1, 2]]), I(randn(2, 5, 4), view=[['transpose', -1, -2]])])
    f.case('batched_noncontiguous_mat', 'matmul', [I(randn(3, 2, 4), view=[['transpose', 0, 1]]), randn(4, 5)])
    f.case('sliced_operands', 'matmul', [I(randn(3, 8), view=[['slice', 1, 0, 8, 2]]), I(randn(5, 8), view=[['slice', 1, 1, 8, 2], ['transpose', 0, 1]])])
    f.case('expanded_batch', 'matmul', [I(randn(1, 3, 4), view=[['expand', [3, 3, 4]]]), randn(3, 4, 2)])
    f.case('mm', 'mm', [randn(3, 4), randn(4, 2)])
    f.case('bmm', 'bmm', [randn(2, 3, 4), randn(2, 4, 5)])
    f.case('dot', 'dot', [randn(6), randn(6)])
    f.case('empty_k', 'matmul', [randn(2, 0), randn(0, 3)])
    f.case('empty_m', 'matmul', [randn(0, 4), randn(4, 3)])
    f.case('large_k', 'matmul', [randn(3, 300, scale=0.1), randn(300, 2)])
    return f


def activation():
    f = Family('activation')
    x = randn(2, 3, 4, scale=2)
    for op in ['softmax', 'logSoftmax']:
        for d in [0, 1, 2, -1]:
            f.case(f'{op}_dim{d}'.replace('-', 'm'), op, [x], dim=d)
        f.case(f'{op}_noncontiguous', op, [I(randn(4, 3, 2), view=[['permute', [2, 1, 0]]])], dim=1)
        f.case(f'{op}_large', op, [randn(3, 5, scale=30) + 500], dim=1)
        f.case(f'{op}_1d', op, [randn(6)], dim=0)
        f.case(f'{op}_0d', op, [randn()], dim=0)
        f.case(f'{op}_neginf', op, [torch.tensor([[0.0, float('-inf'), 1.0], [float('-inf'), float('-inf'), 2.0]])], dim=1)
    return f


def conv_():
    f = Family('conv')
    x = randn(2, 3, 6, 7)
    f.case('conv2d_basic', 'conv2d', [x, randn(4, 3, 3, 3, scale=0.5), randn(4)])
    f.case('conv2d_stride_pad_nobias', 'conv2d', [x, randn(4, 3, 3, 3, scale=0.5)], stride=2, padding=1)
    f.case('conv2d_nonsquare', 'conv2d', [x, randn(5, 3, 2, 3, scale=0.5), randn(5)], stride=[2, 1], padding=[1, 2], dilation=[2, 1])
    f.case('conv2d_same', 'conv2d', [x, randn(2, 3, 3, 3, scale=0.5), randn(2)], padding='same', dilation=2)
    f.case('conv2d_same_even', 'conv2d', [x, randn(2, 3, 2, 4, scale=0.5)], padding='same')
    f.case('conv2d_valid', 'conv2d', [x, randn(2, 3, 3, 2, scale=0.5), randn(2)], padding='valid')
    f.case('conv2d_groups', 'conv2d', [randn(2, 4, 5, 5), randn(6, 2, 3, 3, scale=0.5), randn(6)], groups=2, padding=1)
    f.case('conv2d_depthwise', 'conv2d', [randn(2, 3, 5, 6), randn(6, 1, 3, 3, scale=0.5), randn(6)], groups=3, stride=[1, 2])
    f.case('conv2d_unbatched', 'conv2d', [randn(3, 5, 5), randn(2, 3, 3, 3, scale=0.5), randn(2)], padding=1)
    f.case('conv2d_noncontiguous', 'conv2d', [I(randn(2, 3, 7, 6), view=[['transpose', 2, 3]]), randn(3, 3, 3, 3, scale=0.5), randn(3)])
    f.case('conv2d_1x1', 'conv2d', [randn(2, 5, 3, 3), randn(4, 5, 1, 1, scale=0.5), randn(4)])
    f.case('conv2d_dilation_stride', 'conv2d', [randn(1, 2, 9, 9), randn(3, 2, 3, 3, scale=0.5)], stride=2, dilation=2, padding=2)
    y = randn(2, 4, 9)
    f.case('conv1d_basic', 'conv1d', [y, randn(3, 4, 3, scale=0.5), randn(3)])
    f.case('conv1d_stride_pad', 'conv1d', [y, randn(3, 4, 3, scale=0.5)], stride=2, padding=1)
    f.case('conv1d_dilation', 'conv1d', [y, randn(2, 4, 3, scale=0.5), randn(2)], dilation=2, padding=2)
    f.case('conv1d_same_even', 'conv1d', [y, randn(2, 4, 4, scale=0.5), randn(2)], padding='same')
    f.case('conv1d_valid', 'conv1d', [y, randn(2, 4, 2, scale=0.5)], padding='valid')
    f.case('conv1d_groups', 'conv1d', [y, randn(6, 2, 3, scale=0.5), randn(6)], groups=2)
    f.case('conv1d_depthwise', 'conv1d', [y, randn(4, 1, 5, scale=0.5)], groups=4, padding=2)
    f.case('conv1d_unbatched', 'conv1d', [randn(4, 9), randn(3, 4, 3, scale=0.5), randn(3)])
    return f


def pool():
    f = Family('pool')
    x = spaced(2, 2, 7, 8)
    f.case('maxPool2d_k2', 'maxPool2d', [x], kernelSize=2)
    f.case('maxPool2d_k3s2p1', 'maxPool2d', [x], kernelSize=3, stride=2, padding=1)
    f.case('maxPool2d_nonsquare', 'maxPool2d', [x], kernelSize=[2, 3], stride=[1, 2])
    f.case('maxPool2d_ceil', 'maxPool2d', [x], kernelSize=3, stride=2, ceilMode=True)
    f.case('maxPool2d_ceil_pad', 'maxPool2d', [spaced(1, 2, 6, 6)], kernelSize=3, stride=2, padding=1, ceilMode=True)
    f.case('maxPool2d_dilation', 'maxPool2d', [x], kernelSize=2, stride=1, dilation=2)
    f.case('maxPool2d_ties', 'maxPool2d', [small_ints(0, 3, 1, 2, 6, 6)], kernelSize=2, stride=1)
    f.case('maxPool2d_unbatched', 'maxPool2d', [spaced(2, 5, 5)], kernelSize=2)
    f.case('maxPool2d_noncontiguous', 'maxPool2d', [I(spaced(2, 2, 8, 7), view=[['transpose', 2, 3]])], kernelSize=2)
    f.case('maxPool2dWithIndices', 'maxPool2dWithIndices', [x], kernelSize=3, stride=2, padding=1)
    f.case('maxPool2dWithIndices_ties', 'maxPool2dWithIndices', [small_ints(0, 3, 1, 2, 5, 5)], kernelSize=2, stride=1)
    f.case('avgPool2d_k2', 'avgPool2d', [x], kernelSize=2)
    f.case('avgPool2d_k3s2p1', 'avgPool2d', [x], kernelSize=3, stride=2, padding=1)
    f.case('avgPool2d_k3s2p1_exclude_pad', 'avgPool2d', [x], kernelSize=3, stride=2, padding=1, countIncludePad=False)
    f.case('avgPool2d_ceil', 'avgPool2d', [x], kernelSize=3, stride=2, ceilMode=True)
    f.case('avgPool2d_ceil_pad', 'avgPool2d', [x], kernelSize=3, stride=2, padding=1, ceilMode=True)
    f.case('avgPool2d_ceil_pad_exclude', 'avgPool2d', [x], kernelSize=3, stride=2, padding=1, ceilMode=True, countIncludePad=False)
    f.case('avgPool2d_divisor', 'avgPool2d', [x], kernelSize=[2, 3], stride=[2, 1], padding=[1, 0], divisorOverride=4)
    f.case('avgPool2d_unbatched', 'avgPool2d', [randn(2, 5, 5)], kernelSize=2, stride=1)
    f.case('avgPool2d_noncontiguous', 'avgPool2d', [I(randn(2, 2, 8, 7), view=[['transpose', 2, 3]])], kernelSize=2)
    z = spaced(2, 3, 11)
    f.case('maxPool1d', 'maxPool1d', [z], kernelSize=3, stride=2, padding=1)
    f.case('maxPool1d_ceil', 'maxPool1d', [z], kernelSize=3, stride=3, ceilMode=True)
    f.case('maxPool1d_dilation', 'maxPool1d', [z], kernelSize=2, dilation=3)
    f.case('maxPool1d_unbatched', 'maxPool1d', [spaced(3, 8)], kernelSize=2)
    f.case('avgPool1d', 'avgPool1d', [z], kernelSize=3, stride=2, padding=1)
    f.case('avgPool1d_exclude_pad', 'avgPool1d', [z], kernelSize=3, stride=2, padding=1, countIncludePad=False)
    f.case('avgPool1d_ceil', 'avgPool1d', [z], kernelSize=4, stride=3, ceilMode=True)
    f.case('avgPool1d_unbatched', 'avgPool1d', [randn(3, 8)], kernelSize=2)
    f.case('adaptiveAvgPool2d_divisible', 'adaptiveAvgPool2d', [randn(2, 3, 6, 6)], outputSize=3)
    f.case('adaptiveAvgPool2d_nondivisible', 'adaptiveAvgPool2d', [randn(2, 3, 7, 5)], outputSize=[3, 2])
    f.case('adaptiveAvgPool2d_none', 'adaptiveAvgPool2d', [randn(2, 2, 5, 7)], outputSize=[None, 3])
    f.case('adaptiveAvgPool2d_global', 'adaptiveAvgPool2d', [randn(2, 3, 4, 5)], outputSize=1)
    f.case('adaptiveAvgPool2d_upsample', 'adaptiveAvgPool2d', [randn(1, 2, 3, 2)], outputSize=[5, 4])
    f.case('adaptiveAvgPool2d_unbatched', 'adaptiveAvgPool2d', [randn(3, 7, 7)], outputSize=[4, 3])
    f.case('adaptiveAvgPool2d_noncontiguous', 'adaptiveAvgPool2d', [I(randn(2, 3, 5, 7), view=[['transpose', 2, 3]])], outputSize=[3, 2])
    return f


def norm():
    f = Family('norm')
    x = randn(3, 4, 5, scale=2) + 1
    f.case('layerNorm_affine', 'layerNorm', [x, randn(5), randn(5)], normalizedShape=[5], weight=True, bias=True)
    f.case('layerNorm_multi', 'layerNorm', [x, randn(4, 5), randn(4, 5)], normalizedShape=[4, 5], weight=True, bias=True)
    f.case('layerNorm_plain', 'layerNorm', [x], normalizedShape=[5])
    f.case('layerNorm_weight_only', 'layerNorm', [x, randn(5)], normalizedShape=[5], weight=True)
    f.case('layerNorm_bias_only_eps', 'layerNorm', [x, randn(4, 5)], normalizedShape=[4, 5], bias=True, eps=1e-2)
    f.case('layerNorm_noncontiguous', 'layerNorm', [I(randn(5, 4, 3), view=[['permute', [2, 1, 0]]]), randn(4, 5), randn(4, 5)],
           normalizedShape=[4, 5], weight=True, bias=True)
    rm, rv = I(randn(3), grad=False), I(uniform(0.5, 2, 3), grad=False)
    none = I(torch.zeros(0), grad=False)
    f.case('batchNorm_train_2d', 'batchNorm', [randn(6, 3) + 2, rm, rv, randn(3), randn(3)], training=True, weight=True, bias=True)
    f.case('batchNorm_train_4d', 'batchNorm', [randn(2, 3, 4, 5) * 3, rm, rv, randn(3), randn(3)], training=True, weight=True, bias=True, momentum=0.3)
    f.case('batchNorm_train_3d_plain', 'batchNorm', [randn(4, 3, 5), none, none], training=True)
    f.case('batchNorm_train_cumulative', 'batchNorm', [randn(4, 3, 2), rm, rv, randn(3)], training=True, weight=True,
           momentum=None, numBatchesTracked=2)
    f.case('batchNorm_train_eps', 'batchNorm', [randn(5, 3, 3), rm, rv], training=True, eps=1e-1)
    f.case('batchNorm_eval_4d', 'batchNorm', [randn(2, 3, 4, 5), rm, rv, randn(3), randn(3)], training=False, weight=True, bias=True)
    f.case('batchNorm_eval_2d_plain', 'batchNorm', [randn(4, 3), rm, rv], training=False)
    f.case('batchNorm_train_noncontiguous', 'batchNorm', [I(randn(5, 3, 2), view=[['transpose', 0, 2]]), rm, rv, randn(3), randn(3)],
           training=True, weight=True, bias=True)
    return f


def main():
    total = 0
    for make in [elementwise, reduce_, shape, join, indexing, linalg, activation, conv_, pool, norm]:
        total += make().write()
    print(f'total {total} bytes')


if __name__ == '__main__':
    main()
