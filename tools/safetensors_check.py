#!/usr/bin/env python3
"""Cross-check nabla's safetensors files against PyTorch.

Debian bookworm ships no python3-safetensors, so this reads and writes the format itself with only
the standard library + torch (struct, json, torch.frombuffer), as strictly as the reference library:

  safetensors_check.py read FILE    print FILE's tensors (header dtype, torch dtype, shape, flat values) as JSON
  safetensors_check.py write FILE   write a fixed set of tensors of every dtype to FILE, print them the same way
  safetensors_check.py halve FILE   print the bit patterns of FILE's F32 tensors as torch's .half() and .bfloat16() round them

Non-finite floats are printed as the strings "nan", "inf", "-inf" so the output stays strict JSON.
"""
import json
import math
import struct
import sys

import torch

DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
    'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8,
    'U8': torch.uint8, 'BOOL': torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def itemsize(dtype):
    return torch.empty(0, dtype=dtype).element_size()


def load(path):
    with open(path, 'rb') as f:
        buf = f.read()
    (n,) = struct.unpack('<Q', buf[:8])
    header = json.loads(buf[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', None) or {}
    data = buf[8 + n:]
    tensors, pos = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]['data_offsets'])):
        begin, end = info['data_offsets']
        if begin != pos:
            raise ValueError(f'{name}: starts at {begin}, expected {pos} (hole or overlap)')
        dtype, shape = DTYPES[info['dtype']], info['shape']
        numel = math.prod(shape)
        if end - begin != numel * itemsize(dtype):
            raise ValueError(f'{name}: data_offsets span {end - begin} bytes for shape {shape} {info["dtype"]}')
        if numel == 0:  # torch.frombuffer refuses empty buffers
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
        pos = end
    if pos != len(data):
        raise ValueError(f'{len(data) - pos} trailing bytes')
    return tensors, metadata, n


def save(tensors, metadata, path):
    header, chunks, pos = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [pos, pos + len(raw)]}
        chunks.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def sample():
    nan, inf = float('nan'), float('inf')
    return {
        'f64': torch.tensor([[0.1, -2.5], [1e-3, 3e38]], dtype=torch.float64),
        'f32': torch.tensor([1.5, -0.0, inf, nan, 1e-45], dtype=torch.float32),
        'f16': torch.tensor([1.0, -2.0, 65504.0, 2 ** -24, 2 ** -15, -inf, nan, -0.0], dtype=torch.float16),
        'bf16': torch.tensor([1.0, -3.140625, 1e38, 2 ** -130], dtype=torch.bfloat16),
        'i64': torch.tensor([0, -1, 2 ** 31 - 1, -2 ** 31], dtype=torch.int64),
        'i32': torch.tensor([[1, -2, 3], [2 ** 31 - 1, -2 ** 31, 0]], dtype=torch.int32),
        'i16': torch.tensor([-32768, 32767, 0], dtype=torch.int16),
        'i8': torch.tensor([-128, 127, 5], dtype=torch.int8),
        'u8': torch.tensor([0, 255, 7], dtype=torch.uint8),
        'bool': torch.tensor([[True, False], [False, True]]),
        'scalar': torch.tensor(7.25),
        'empty': torch.zeros(0, 3),
        'bn.num_batches_tracked': torch.tensor(12345),  # 0-d int64, as BatchNorm keeps it
    }


def value(x):
    if isinstance(x, float) and not math.isfinite(x):
        return 'nan' if math.isnan(x) else ('inf' if x > 0 else '-inf')
    return x


def describe(tensors, metadata, header_len=None):
    out = {'metadata': metadata, 'tensors': {}}
    if header_len is not None:
        out['header_len'] = header_len
    for name, t in tensors.items():
        out['tensors'][name] = {
            'dtype': NAMES[t.dtype],
            'torch_dtype': str(t.dtype),
            'shape': list(t.shape),
            'values': [value(x) for x in t.reshape(-1).tolist()],
        }
    return json.dumps(out)


def halved(tensors):
    bits = lambda t: (t.reshape(-1).view(torch.int16).to(torch.int32) & 0xFFFF).tolist()
    return json.dumps({name: {'f16': bits(t.half()), 'bf16': bits(t.bfloat16())} for name, t in tensors.items() if t.dtype == torch.float32})


def main(argv):
    if len(argv) != 3 or argv[1] not in ('read', 'write', 'halve'):
        sys.exit(f'usage: {argv[0]} read|write|halve FILE')
    if argv[1] == 'halve':
        print(halved(load(argv[2])[0]))
    elif argv[1] == 'read':
        tensors, metadata, n = load(argv[2])
        print(describe(tensors, metadata, n))
    else:
        tensors, metadata = sample(), {'format': 'pt', 'written_by': 'torch ' + torch.__version__}
        save(tensors, metadata, argv[2])
        print(describe(tensors, metadata))


if __name__ == '__main__':
    main(sys.argv)
