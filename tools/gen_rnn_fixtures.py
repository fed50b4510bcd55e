#!/usr/bin/python3
"""PyTorch parity fixtures for nabla's recurrent layers (test/nn/rnn.test.ts).

Run with Debian's python3-torch (1.13), not a pyenv python:

    /usr/bin/python3 tools/gen_rnn_fixtures.py

Writes test/fixtures/rnn/{rnn_tanh,rnn_relu,lstm,lstm_proj,gru,cells,utils}.safetensors with only the
standard library + torch (Debian ships no python3-safetensors). Each file's metadata maps a case name
to its JSON config; its tensors are named `case:kind:key` with kind one of
  param       the module's state dict (PyTorch's names: weight_ih_l0, bias_hh_l1_reverse, weight_hr_l0, ...)
  input       input (padded, in the case's layout), h0, c0, lengths (int32)
  upstream    random gradients dL/d(output), dL/d(h_n), dL/d(c_n) (for packed cases: of output.data)
  output      output (packed cases: output.data and the padded output), h_n, c_n
  grad        gradients of L = sum(output*g_out) + sum(h_n*g_h) + sum(c_n*g_c) w.r.t. input, h0, c0
  grad_param  the same w.r.t. every parameter
The forward/backward runs in float64 on float32 values, then is stored as float32, so the reference is
exact to float32 rounding.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence, pack_sequence

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'rnn')
NAMES = {torch.float32: 'F32', torch.int32: 'I32'}

T, B, I, H, P = 5, 3, 3, 4, 3


def save(tensors, metadata, path):
    header, chunks, pos = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype == torch.float64:
            t = t.float()
        if t.dtype == torch.int64:
            t = t.int()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [pos, pos + len(raw)]}
        chunks.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))
    return os.path.getsize(path)


def f32(shape):
    """Random values that are exactly float32, as float64."""
    return torch.randn(*shape).float().double()


class Writer:
    def __init__(self):
        self.tensors, self.metadata = {}, {}

    def case(self, name, config):
        assert name not in self.metadata, name
        self.metadata[name] = json.dumps(config, sort_keys=True)
        return lambda kind, key, t: self.tensors.__setitem__(f'{name}:{kind}:{key}', t.detach().clone())


def make_module(kind, num_layers, bidirectional, batch_first, bias=True, proj=0, nonlinearity='tanh'):
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    if kind == 'RNN':
        return nn.RNN(I, H, nonlinearity=nonlinearity, **kwargs)
    if kind == 'LSTM':
        return nn.LSTM(I, H, proj_size=proj, **kwargs)
    return nn.GRU(I, H, **kwargs)


def layer_case(w, name, kind, num_layers, bidirectional, batch_first, initial, packed, bias=True, proj=0,
               nonlinearity='tanh', unbatched=False):
    m = make_module(kind, num_layers, bidirectional, batch_first, bias, proj, nonlinearity)
    config = dict(mode=kind, nonlinearity=nonlinearity, inputSize=I, hiddenSize=H, numLayers=num_layers,
                  bidirectional=bidirectional, batchFirst=batch_first, bias=bias, projSize=proj,
                  initialState=initial, packed=packed, unbatched=unbatched,
                  paramOrder=list(m.state_dict().keys()))
    put = w.case(name, config)
    for k, v in m.state_dict().items():
        put('param', k, v)
    m = m.double()
    D = 2 if bidirectional else 1
    Hout = proj if proj else H
    if unbatched:
        x = f32((T, I)).requires_grad_()
        state_shape_h, state_shape_c = (num_layers * D, Hout), (num_layers * D, H)
    else:
        x = f32((B, T, I) if batch_first else (T, B, I)).requires_grad_()
        state_shape_h, state_shape_c = (num_layers * D, B, Hout), (num_layers * D, B, H)
    put('input', 'input', x)
    hx = None
    leaves = [x]
    if initial:
        h0 = f32(state_shape_h).requires_grad_()
        put('input', 'h0', h0)
        leaves.append(h0)
        if kind == 'LSTM':
            c0 = f32(state_shape_c).requires_grad_()
            put('input', 'c0', c0)
            leaves.append(c0)
            hx = (h0, c0)
        else:
            hx = h0
    if packed:
        lengths = torch.tensor([3, 5, 2][:B])  # unsorted, enforce_sorted=False
        put('input', 'lengths', lengths)
        inp = pack_padded_sequence(x, lengths, batch_first=batch_first, enforce_sorted=False)
    else:
        inp = x
    out, state = m(inp, hx)
    if kind == 'LSTM':
        h_n, c_n = state
    else:
        h_n, c_n = state, None
    out_data = out.data if packed else out
    g_out = f32(out_data.shape)
    g_h = f32(h_n.shape)
    put('upstream', 'output', g_out)
    put('upstream', 'h_n', g_h)
    loss = (out_data * g_out).sum() + (h_n * g_h).sum()
    if c_n is not None:
        g_c = f32(c_n.shape)
        put('upstream', 'c_n', g_c)
        loss = loss + (c_n * g_c).sum()
    put('output', 'output', out_data)
    if packed:
        padded, _ = pad_packed_sequence(out, batch_first=batch_first)
        put('output', 'padded', padded)
        put('output', 'batch_sizes', out.batch_sizes)
    put('output', 'h_n', h_n)
    if c_n is not None:
        put('output', 'c_n', c_n)
    params = dict(m.named_parameters())
    grads = torch.autograd.grad(loss, leaves + list(params.values()))
    put('grad', 'input', grads[0])
    if initial:
        put('grad', 'h0', grads[1])
        if kind == 'LSTM':
            put('grad', 'c0', grads[2])
    for (k, _), g in zip(params.items(), grads[len(leaves):]):
        put('grad_param', k, g)


def layer_file(kind, proj=0, nonlinearity='tanh'):
    w = Writer()
    for num_layers in (1, 2):
        for bidirectional in (False, True):
            variants = [(bf, h0, pk) for bf in (False, True) for h0 in (False, True) for pk in (False, True)]
            for batch_first, initial, packed in variants:
                name = f'l{num_layers}_{"bi" if bidirectional else "uni"}_{"bf" if batch_first else "tm"}' \
                       f'_{"h0" if initial else "noh0"}_{"packed" if packed else "padded"}'
                layer_case(w, name, kind, num_layers, bidirectional, batch_first, initial, packed,
                           proj=proj, nonlinearity=nonlinearity)
    return w


def cell_file():
    w = Writer()
    for kind in ('RNNCell_tanh', 'RNNCell_relu', 'LSTMCell', 'GRUCell'):
        for bias in (True, False):
            for initial in (True, False):
                for unbatched in (False, True):
                    name = f'{kind}_{"bias" if bias else "nobias"}_{"hx" if initial else "nohx"}_{"unbatched" if unbatched else "batched"}'
                    if kind.startswith('RNNCell'):
                        m = nn.RNNCell(I, H, bias=bias, nonlinearity=kind.split('_')[1])
                    elif kind == 'LSTMCell':
                        m = nn.LSTMCell(I, H, bias=bias)
                    else:
                        m = nn.GRUCell(I, H, bias=bias)
                    put = w.case(name, dict(mode=kind.split('_')[0], nonlinearity=kind.split('_')[1] if '_' in kind else 'tanh',
                                            inputSize=I, hiddenSize=H, bias=bias, initialState=initial, unbatched=unbatched,
                                            paramOrder=list(m.state_dict().keys())))
                    for k, v in m.state_dict().items():
                        put('param', k, v)
                    m = m.double()
                    lead = () if unbatched else (B,)
                    x = f32(lead + (I,)).requires_grad_()
                    put('input', 'input', x)
                    leaves = [x]
                    hx = None
                    if initial:
                        h0 = f32(lead + (H,)).requires_grad_()
                        put('input', 'h0', h0)
                        leaves.append(h0)
                        hx = h0
                        if kind == 'LSTMCell':
                            c0 = f32(lead + (H,)).requires_grad_()
                            put('input', 'c0', c0)
                            leaves.append(c0)
                            hx = (h0, c0)
                    out = m(x, hx)
                    outs = list(out) if isinstance(out, tuple) else [out]
                    names = ['h', 'c'][:len(outs)]
                    loss = 0
                    for n_, o in zip(names, outs):
                        g = f32(o.shape)
                        put('upstream', n_, g)
                        put('output', n_, o)
                        loss = loss + (o * g).sum()
                    params = dict(m.named_parameters())
                    grads = torch.autograd.grad(loss, leaves + list(params.values()))
                    put('grad', 'input', grads[0])
                    if initial:
                        put('grad', 'h0', grads[1])
                        if kind == 'LSTMCell':
                            put('grad', 'c0', grads[2])
                    for (k, _), g in zip(params.items(), grads[len(leaves):]):
                        put('grad_param', k, g)
    return w


def utils_file():
    """pad_sequence / pack_sequence / pack_padded_sequence layouts."""
    w = Writer()
    seqs = [f32((n, 2)) for n in (2, 4, 3)]
    for batch_first in (False, True):
        put = w.case(f'pad_sequence_{"bf" if batch_first else "tm"}', dict(batchFirst=batch_first, paddingValue=-1.5))
        for i, s in enumerate(seqs):
            put('input', f'seq{i}', s)
        put('output', 'padded', pad_sequence(seqs, batch_first=batch_first, padding_value=-1.5))
    for enforce_sorted in (False, True):
        ss = sorted(seqs, key=lambda s: -s.shape[0]) if enforce_sorted else seqs
        packed = pack_sequence(ss, enforce_sorted=enforce_sorted)
        put = w.case(f'pack_sequence_{"sorted" if enforce_sorted else "unsorted"}', dict(enforceSorted=enforce_sorted))
        for i, s in enumerate(ss):
            put('input', f'seq{i}', s)
        put('output', 'data', packed.data)
        put('output', 'batch_sizes', packed.batch_sizes)
        if packed.sorted_indices is not None:
            put('output', 'sorted_indices', packed.sorted_indices)
            put('output', 'unsorted_indices', packed.unsorted_indices)
        for total_length in (None, 6):
            for batch_first in (False, True):
                padded, lengths = pad_packed_sequence(packed, batch_first=batch_first, padding_value=0.25, total_length=total_length)
                key = f'padded_{"bf" if batch_first else "tm"}_{total_length or "max"}'
                put('output', key, padded)
                put('output', 'lengths', lengths)
    return w


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    total = 0
    files = {
        'rnn_tanh': layer_file('RNN', nonlinearity='tanh'),
        'rnn_relu': layer_file('RNN', nonlinearity='relu'),
        'lstm': layer_file('LSTM'),
        'lstm_proj': layer_file('LSTM', proj=P),
        'gru': layer_file('GRU'),
    }
    # a few more: no bias, unbatched input
    for kind, key, kw in (('RNN', 'rnn_tanh', {}), ('LSTM', 'lstm', {}), ('LSTM', 'lstm_proj', {'proj': P}), ('GRU', 'gru', {})):
        w = files[key]
        layer_case(w, 'l2_bi_tm_h0_padded_nobias', kind, 2, True, False, True, False, bias=False, **kw)
        layer_case(w, 'l1_uni_unbatched_h0', kind, 1, False, False, True, False, unbatched=True, **kw)
        layer_case(w, 'l2_bi_unbatched_noh0', kind, 2, True, False, False, False, unbatched=True, **kw)
    files['cells'] = cell_file()
    files['utils'] = utils_file()
    for name, w in files.items():
        size = save(w.tensors, w.metadata, os.path.join(OUT, f'{name}.safetensors'))
        total += size
        print(f'{name}.safetensors: {len(w.metadata)} cases, {size} bytes')
    print(f'total {total} bytes, torch {torch.__version__}')


if __name__ == '__main__':
    torch.set_default_dtype(torch.float32)
    main()
