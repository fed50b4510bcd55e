#!/usr/bin/python3
"""PyTorch 1.13 parity fixtures for nabla's attention and Transformer layers.

Run with Debian's python3-torch (not a pyenv python):

    /usr/bin/python3 tools/gen_attention_fixtures.py

writes test/fixtures/attention/{sdpa,mha,encoder,decoder,transformer,positional}.safetensors. Each file holds
several cases; a case `NAME` stores

    NAME:param:<state-dict key>      the module's parameters (random, biases and norms included)
    NAME:input:<name>                inputs (float) and masks (bool or float)
    NAME:upstream:<output>           random upstream gradients the loss is dotted with
    NAME:output:<output>             forward results (`out`, and `weights` for attention weights)
    NAME:grad_input:<name>           gradients of the float inputs
    NAME:grad_param:<key>            gradients of every parameter

and the file metadata maps NAME to a JSON object of the constructor and forward options. The loss
is sum(out * upstream.out) (+ sum(weights * upstream.weights)). Dropout is 0 everywhere.

torch 1.13 has no public scaled_dot_product_attention, so the SDPA reference here is
softmax(q kᵀ * scale + mask) v with PyTorch 2's mask convention (bool: True = take part).
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_check import save  # noqa: E402  (struct/json writer; Debian has no python3-safetensors)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'attention')

torch.manual_seed(1234)


def randomize(module):
    """Random parameters everywhere (PyTorch zero-initialises biases, which would test nothing)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith('norm1.weight') or name.endswith('norm2.weight') or name.endswith('norm3.weight') or name == 'norm.weight' or name.endswith('.norm.weight'):
                p.copy_(1 + 0.3 * torch.randn_like(p))
            else:
                p.copy_(0.4 * torch.randn_like(p))


class Case:
    def __init__(self, store, name, config):
        self.store, self.name = store, name
        store.meta[name] = json.dumps(config, sort_keys=True)

    def put(self, kind, key, t):
        self.store.tensors[f'{self.name}:{kind}:{key}'] = t.detach().clone().contiguous()


class Store:
    def __init__(self, filename):
        self.filename, self.tensors, self.meta = filename, {}, {}

    def case(self, name, config, module=None):
        if module is not None:  # PyTorch's own state-dict key order, for the key-order checks
            config = {**config, 'stateDictKeys': list(module.state_dict().keys())}
        return Case(self, name, config)

    def write(self):
        os.makedirs(OUT_DIR, exist_ok=True)
        path = os.path.join(OUT_DIR, self.filename)
        save(self.tensors, self.meta, path)
        print(f'{os.path.relpath(path)}: {len(self.meta)} cases, {len(self.tensors)} tensors, {os.path.getsize(path)} bytes')


def run_case(case, module, inputs, forward, outputs_with_grad=('out',)):
    """inputs: name -> tensor (float ones get requires_grad). forward(module, inputs) -> dict of outputs."""
    if module is not None:
        for key, p in module.state_dict().items():
            case.put('param', key, p)
    leaves = {}
    for name, t in inputs.items():
        if t.dtype == torch.float32 and not name.endswith('_mask'):
            t = t.clone().requires_grad_(True)
        leaves[name] = t
        case.put('input', name, t)
    outs = forward(module, leaves)
    loss = 0
    for name, o in outs.items():
        if o is None:
            continue
        case.put('output', name, o)
        if name in outputs_with_grad:
            g = torch.randn_like(o)
            case.put('upstream', name, g)
            loss = loss + (o * g).sum()
    if not isinstance(loss, int):
        loss.backward()
    for name, t in leaves.items():
        if t.requires_grad:
            case.put('grad_input', name, t.grad if t.grad is not None else torch.zeros_like(t))
    if module is not None:
        for name, p in module.named_parameters():
            case.put('grad_param', name, p.grad if p.grad is not None else torch.zeros_like(p))


# ---------------------------------------------------------------------------------------------
# Scaled dot-product attention (PyTorch 2's semantics, written out for 1.13)

def sdpa_reference(q, k, v, attn_mask=None, is_causal=False, scale=None):
    L, S, E = q.size(-2), k.size(-2), q.size(-1)
    scale = 1 / math.sqrt(E) if scale is None else scale
    scores = q @ k.transpose(-2, -1) * scale
    if is_causal:
        keep = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        scores = scores.masked_fill(~keep, float('-inf'))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float('-inf'))
        else:
            scores = scores + attn_mask
    return torch.softmax(scores, dim=-1) @ v


def gen_sdpa():
    st = Store('sdpa.safetensors')
    B, H, L, S, E, Ev = 2, 2, 4, 5, 4, 3

    def qkv(qb=(B, H), kb=(B, H), l=L, s=S, e=E, ev=Ev):
        return {'query': torch.randn(*qb, l, e), 'key': torch.randn(*kb, s, e), 'value': torch.randn(*kb, s, ev)}

    def fwd(opts):
        def f(_, x):
            return {'out': sdpa_reference(x['query'], x['key'], x['value'], attn_mask=x.get('attn_mask'), **opts)}
        return f

    run_case(st.case('plain', {}), None, qkv(), fwd({}))
    bool_mask = torch.rand(L, S) > 0.4
    bool_mask[:, 0] = True  # every query keeps a key
    run_case(st.case('bool_mask', {}), None, {**qkv(), 'attn_mask': bool_mask}, fwd({}))
    bool_mask4 = torch.rand(B, 1, L, S) > 0.4
    bool_mask4[..., 2] = True
    run_case(st.case('bool_mask_batch', {}), None, {**qkv(), 'attn_mask': bool_mask4}, fwd({}))
    run_case(st.case('float_mask', {}), None, {**qkv(), 'attn_mask': torch.randn(B, H, L, S)}, fwd({}))
    run_case(st.case('causal_square', {'isCausal': True}), None, qkv(s=L), fwd({'is_causal': True}))
    run_case(st.case('causal_rect', {'isCausal': True}), None, qkv(l=3, s=5), fwd({'is_causal': True}))
    run_case(st.case('scale', {'scale': 0.3}), None, qkv(), fwd({'scale': 0.3}))
    run_case(st.case('three_dim', {}), None, qkv(qb=(3,), kb=(3,)), fwd({}))
    run_case(st.case('broadcast_kv', {}), None, qkv(qb=(B, H), kb=(1, H)), fwd({}))
    # a fully masked row gives NaN, and NaN gradients
    nan_mask = torch.ones(L, S, dtype=torch.bool)
    nan_mask[1] = False
    x = qkv()
    out = sdpa_reference(x['query'], x['key'], x['value'], attn_mask=nan_mask)
    c = st.case('fully_masked_row', {'forwardOnly': True})
    for name, t in {**x, 'attn_mask': nan_mask}.items():
        c.put('input', name, t)
    c.put('output', 'out', out)
    st.write()


# ---------------------------------------------------------------------------------------------
# nn.MultiheadAttention

def gen_mha():
    st = Store('mha.safetensors')
    E, H = 8, 2

    def mha_case(name, ctor, L, S, B, self_attn, kpm=None, attn_mask=None, need_weights=True, average=True, unbatched=False):
        m = torch.nn.MultiheadAttention(E, H, **ctor)
        randomize(m)
        bf = ctor.get('batch_first', False)
        kdim, vdim = ctor.get('kdim', E), ctor.get('vdim', E)

        def shape(n, d):
            if unbatched:
                return (n, d)
            return (B, n, d) if bf else (n, B, d)
        inputs = {'query': torch.randn(*shape(L, E))}
        if not self_attn:
            inputs['key'] = torch.randn(*shape(S, kdim))
            inputs['value'] = torch.randn(*shape(S, vdim))
        if kpm is not None:
            inputs['key_padding_mask'] = kpm
        if attn_mask is not None:
            inputs['attn_mask'] = attn_mask

        def fwd(mod, x):
            q = x['query']
            k = q if self_attn else x['key']
            v = q if self_attn else x['value']
            out, w = mod(q, k, v, key_padding_mask=x.get('key_padding_mask'), need_weights=need_weights,
                         attn_mask=x.get('attn_mask'), average_attn_weights=average)
            return {'out': out, 'weights': w}
        config = {
            'embedDim': E, 'numHeads': H, 'bias': ctor.get('bias', True), 'batchFirst': bf,
            'kdim': kdim, 'vdim': vdim, 'addBiasKv': ctor.get('add_bias_kv', False),
            'addZeroAttn': ctor.get('add_zero_attn', False), 'selfAttention': self_attn,
            'needWeights': need_weights, 'averageAttnWeights': average,
        }
        run_case(st.case(name, config, m), m, inputs, fwd, outputs_with_grad=('out', 'weights'))

    def kpm(B, S, pattern):
        m = torch.zeros(B, S, dtype=torch.bool)
        for b, cols in enumerate(pattern):
            for j in cols:
                m[b, j] = True
        return m

    mha_case('self_bias', {}, 4, 4, 3, True)
    mha_case('self_nobias_batchfirst', {'bias': False, 'batch_first': True}, 4, 4, 3, True,
             kpm=kpm(3, 4, [[3], [], [1, 2]]), average=False)
    mha_case('cross_kdim_vdim', {'kdim': 6, 'vdim': 5}, 4, 5, 2, False,
             kpm=kpm(2, 5, [[4], [0, 3]]), attn_mask=torch.tensor([[False, True, False, False, False],
                                                                   [False, False, True, False, False],
                                                                   [True, False, False, False, True],
                                                                   [False, False, False, True, False]]))
    mha_case('self_mask3d_float', {}, 5, 5, 2, True, attn_mask=torch.randn(2 * H, 5, 5), need_weights=False)
    mask3 = torch.rand(3 * H, 3, 4) > 0.7
    mask3[..., 0] = False  # keep one key per row (bool attn_mask: True = NOT allowed)
    mha_case('cross_mask3d_bool_batchfirst', {'batch_first': True}, 3, 4, 3, False, attn_mask=mask3,
             kpm=kpm(3, 4, [[], [3], [1]]), average=False)
    mha_case('cross_mask2d_float_batchfirst', {'batch_first': True, 'bias': False}, 4, 3, 2, False,
             attn_mask=torch.randn(4, 3), kpm=kpm(2, 3, [[2], []]))
    mha_case('bias_kv_zero_attn', {'add_bias_kv': True, 'add_zero_attn': True}, 3, 4, 2, False,
             kpm=kpm(2, 4, [[0], [1, 3]]), attn_mask=torch.randn(3, 4))
    mha_case('unbatched_self', {}, 4, 4, 1, True, unbatched=True, kpm=torch.tensor([False, False, True, False]))
    mha_case('float_kpm', {'batch_first': True}, 3, 3, 2, True,
             kpm=torch.tensor([[0.0, -1.5, 0.2], [0.0, 0.0, float('-inf')]]))
    st.write()


# ---------------------------------------------------------------------------------------------
# Encoder / decoder layers, stacks and nn.Transformer

def square_mask(n):
    return torch.triu(torch.full((n, n), float('-inf')), diagonal=1)


def layer_config(E, H, FF, act, bf, nf):
    return {'dModel': E, 'nhead': H, 'dimFeedforward': FF, 'dropout': 0.0, 'activation': act,
            'batchFirst': bf, 'normFirst': nf, 'layerNormEps': 1e-5}


def gen_encoder():
    st = Store('encoder.safetensors')
    E, H, FF, L, B = 8, 2, 16, 5, 3
    for name, act, bf, nf, masks in [
        ('post_relu', 'relu', False, False, True),
        ('pre_gelu_batchfirst', 'gelu', True, True, True),
        ('post_gelu_batchfirst_nomask', 'gelu', True, False, False),
        ('pre_relu', 'relu', False, True, False),
    ]:
        layer = torch.nn.TransformerEncoderLayer(E, H, FF, 0.0, act, batch_first=bf, norm_first=nf)
        randomize(layer)
        src = torch.randn(B, L, E) if bf else torch.randn(L, B, E)
        inputs = {'src': src}
        if masks:
            inputs['src_mask'] = square_mask(L)
            inputs['src_key_padding_mask'] = torch.tensor([[False] * 5, [False] * 4 + [True], [False] * 3 + [True] * 2])
        run_case(st.case(f'layer_{name}', layer_config(E, H, FF, act, bf, nf), layer), layer, inputs,
                 lambda m, x: {'out': m(x['src'], src_mask=x.get('src_mask'), src_key_padding_mask=x.get('src_key_padding_mask'))})
    # a 2-layer stack with a final norm (training mode: no nested-tensor fast path)
    layer = torch.nn.TransformerEncoderLayer(E, H, FF, 0.0, 'relu')
    enc = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(E))
    randomize(enc)
    inputs = {'src': torch.randn(L, B, E), 'src_mask': torch.rand(L, L) > 0.8,
              'src_key_padding_mask': torch.tensor([[False] * 5, [False] * 4 + [True], [False] * 5])}
    inputs['src_mask'].fill_diagonal_(False)
    run_case(st.case('stack2_norm', {**layer_config(E, H, FF, 'relu', False, False), 'numLayers': 2, 'norm': True}, enc), enc, inputs,
             lambda m, x: {'out': m(x['src'], mask=x['src_mask'], src_key_padding_mask=x['src_key_padding_mask'])})
    st.write()


def gen_decoder():
    st = Store('decoder.safetensors')
    E, H, FF, T, S, B = 8, 2, 16, 4, 5, 2
    for name, act, bf, nf in [('post_relu', 'relu', False, False), ('pre_gelu_batchfirst', 'gelu', True, True),
                              ('post_gelu', 'gelu', False, False), ('pre_relu_batchfirst', 'relu', True, True)]:
        layer = torch.nn.TransformerDecoderLayer(E, H, FF, 0.0, act, batch_first=bf, norm_first=nf)
        randomize(layer)
        inputs = {
            'tgt': torch.randn(B, T, E) if bf else torch.randn(T, B, E),
            'memory': torch.randn(B, S, E) if bf else torch.randn(S, B, E),
            'tgt_mask': square_mask(T),
            'memory_mask': torch.randn(T, S),
            'tgt_key_padding_mask': torch.tensor([[False] * 4, [False] * 3 + [True]]),
            'memory_key_padding_mask': torch.tensor([[False] * 3 + [True] * 2, [False] * 5]),
        }
        run_case(st.case(f'layer_{name}', layer_config(E, H, FF, act, bf, nf), layer), layer, inputs,
                 lambda m, x: {'out': m(x['tgt'], x['memory'], tgt_mask=x['tgt_mask'], memory_mask=x['memory_mask'],
                                        tgt_key_padding_mask=x['tgt_key_padding_mask'],
                                        memory_key_padding_mask=x['memory_key_padding_mask'])})
    layer = torch.nn.TransformerDecoderLayer(E, H, FF, 0.0, 'relu')
    dec = torch.nn.TransformerDecoder(layer, 2, norm=torch.nn.LayerNorm(E))
    randomize(dec)
    inputs = {'tgt': torch.randn(T, B, E), 'memory': torch.randn(S, B, E), 'tgt_mask': square_mask(T)}
    run_case(st.case('stack2_norm', {**layer_config(E, H, FF, 'relu', False, False), 'numLayers': 2, 'norm': True}, dec), dec, inputs,
             lambda m, x: {'out': m(x['tgt'], x['memory'], tgt_mask=x['tgt_mask'])})
    st.write()


def gen_transformer():
    st = Store('transformer.safetensors')
    E, H, FF, S, T, B = 8, 2, 16, 5, 4, 2
    for name, bf, nf, act in [('post_relu', False, False, 'relu'), ('pre_gelu_batchfirst', True, True, 'gelu')]:
        model = torch.nn.Transformer(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=FF,
                                     dropout=0.0, activation=act, batch_first=bf, norm_first=nf)
        randomize(model)

        def seq(n):
            return torch.randn(B, n, E) if bf else torch.randn(n, B, E)
        src_mask = torch.zeros(S, S)
        src_mask[0, 4] = float('-inf')
        src_mask[2, 1] = -2.0
        inputs = {
            'src': seq(S), 'tgt': seq(T),
            'src_mask': src_mask,
            'tgt_mask': torch.nn.Transformer.generate_square_subsequent_mask(T),
            'memory_mask': torch.rand(T, S) > 0.8,
            'src_key_padding_mask': torch.tensor([[False] * 5, [False] * 3 + [True] * 2]),
            'tgt_key_padding_mask': torch.tensor([[False] * 3 + [True], [False] * 4]),
            'memory_key_padding_mask': torch.tensor([[False] * 5, [False] * 4 + [True]]),
        }
        inputs['memory_mask'][:, 0] = False
        config = {'dModel': E, 'nhead': H, 'numEncoderLayers': 2, 'numDecoderLayers': 2, 'dimFeedforward': FF,
                  'dropout': 0.0, 'activation': act, 'batchFirst': bf, 'normFirst': nf}
        run_case(st.case(name, config, model), model, inputs,
                 lambda m, x: {'out': m(x['src'], x['tgt'], src_mask=x['src_mask'], tgt_mask=x['tgt_mask'],
                                        memory_mask=x['memory_mask'], src_key_padding_mask=x['src_key_padding_mask'],
                                        tgt_key_padding_mask=x['tgt_key_padding_mask'],
                                        memory_key_padding_mask=x['memory_key_padding_mask'])})
    c = st.case('square_subsequent_mask', {'size': 4, 'forwardOnly': True})
    c.put('output', 'mask', torch.nn.Transformer.generate_square_subsequent_mask(4))
    st.write()


def tutorial_positional_encoding(d_model, max_len):
    """The PyTorch tutorial's PositionalEncoding buffer (Transformer / nn.TransformerEncoder tutorial)."""
    position = torch.arange(max_len).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, 1, d_model)
    pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe[:, 0, 1::2] = torch.cos(position * div_term)
    return pe


def gen_positional():
    st = Store('positional.safetensors')
    for d, n in [(8, 64), (4, 5000)]:
        c = st.case(f'pe_d{d}_len{n}', {'dModel': d, 'maxLen': n, 'forwardOnly': True})
        c.put('output', 'pe', tutorial_positional_encoding(d, n))
    st.write()


if __name__ == '__main__':
    print('torch', torch.__version__)
    gen_sdpa()
    gen_mha()
    gen_encoder()
    gen_decoder()
    gen_transformer()
    gen_positional()
