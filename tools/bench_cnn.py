#!/usr/bin/python3
"""PyTorch twin of bench/cnn.ts: samples/s of the course's SimpleCNN (training step and inference).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_cnn.py --threads 1

Run it with Debian's python3-torch (/usr/bin/python3), not pyenv's python. Debian's torch 1.13 has
BLAS_INFO=generic: it links libblas.so.3, i.e. whatever `update-alternatives` points that at. With
only libblas3 installed that is the reference (netlib) BLAS, and the training step runs ~5x slower
(the issue measured ~520 vs ~2,900 samples/s at 1 thread). One-time setup for OpenBLAS, as root:

    apt-get install -y libopenblas0-pthread   # registers openblas-pthread/libblas.so.3 at priority 100
    update-alternatives --display libblas.so.3-x86_64-linux-gnu   # should point into openblas-pthread/

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some of these machines) make OpenBLAS pick slower
kernels/blocking, so leave them unset for this command (the bench driver does).

Model and step as in the course: conv(1->32, 3x3, pad 1) -> relu -> maxpool 2 -> conv(32->64) -> relu ->
maxpool 2 -> fc(3136->512) -> relu -> fc(512->10); CrossEntropyLoss; SGD(lr=0.01, momentum=0.9);
random float32 inputs [64,1,28,28] and int64 labels. Inference under torch.no_grad() for batch 64
and batch 1000. Each figure is the median over timed repetitions after warm-up. Prints one JSON
row per figure: {"group", "name", "system", "value", "unit", "detail"}; detail has the repetitions,
samples per CPU-second, which BLAS library was loaded, its build string and torch's threads.
"""
import argparse
import ctypes
import json
import os
import re
import time

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--min-seconds', type=float, default=2.0, help='time each case for at least this long')
ap.add_argument('--warmup', type=int, default=3)
args = ap.parse_args()
# OpenBLAS's pthread build sizes its own pool from this when it loads, i.e. before torch imports
os.environ['OPENBLAS_NUM_THREADS'] = str(args.threads)
os.environ['OMP_NUM_THREADS'] = str(args.threads)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 64 * 7 * 7)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class _DlInfo(ctypes.Structure):
    _fields_ = [('dli_fname', ctypes.c_char_p), ('dli_fbase', ctypes.c_void_p),
                ('dli_sname', ctypes.c_char_p), ('dli_saddr', ctypes.c_void_p)]


def sgemm_provider(paths):
    """The file whose sgemm_ libtorch_cpu binds to (dlsym through its dependency tree, then dladdr).

    Several BLAS-like libraries can be mapped at once (e.g. openblas-pthread's liblapack.so.3 pulls in
    libopenblas next to a reference libblas.so.3), so being mapped says little: ask who provides sgemm_.
    """
    torch_cpu = next((p for p in paths if os.path.basename(p).startswith('libtorch_cpu.so')), None)
    try:
        handle = ctypes.CDLL(torch_cpu, mode=os.RTLD_NOLOAD | os.RTLD_LAZY) if torch_cpu else ctypes.CDLL(None)
        address = ctypes.cast(handle.sgemm_, ctypes.c_void_p)
        info = _DlInfo()
        libc = ctypes.CDLL(None)
        libc.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
        if libc.dladdr(address, ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(info.dli_fname.decode())
    except (OSError, AttributeError):
        pass
    return None


def blas_info():
    """(short name, details) of the BLAS that torch's sgemm_ calls actually reach."""
    with open('/proc/self/maps') as f:
        paths = sorted({line.split()[-1] for line in f if '/' in line})
    provider = sgemm_provider(paths)
    details = {'sgemm_from': provider, 'mapped': [p for p in paths if re.search(r'blas|lapack|mkl|blis', os.path.basename(p))]}
    base = os.path.basename(provider or '')
    if 'openblas' in (provider or ''):
        try:
            lib = ctypes.CDLL(provider, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            details['openblas_config'] = lib.openblas_get_config().decode()
            details['openblas_core'] = lib.openblas_get_corename().decode()
            details['openblas_threads'] = lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            pass
        version = re.search(r'OpenBLAS (\d+\.\d+\.\d+)', details.get('openblas_config', ''))
        return (f'OpenBLAS {version.group(1)}' if version else 'OpenBLAS'), details
    if 'mkl' in base:
        return 'MKL', details
    if 'blis' in base:
        return 'BLIS', details
    if base.startswith('libblas.so'):
        return 'reference BLAS', details
    return 'unknown BLAS', details


def median_seconds(fn, warmup, min_seconds, min_runs=5):
    """(median wall seconds, median process CPU seconds, runs) per call after `warmup` calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    start = time.perf_counter()
    while len(wall) < min_runs or time.perf_counter() - start < min_seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    wall.sort()
    cpu.sort()
    return wall[len(wall) // 2], cpu[len(cpu) // 2], len(wall)


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = SimpleCNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x64 = torch.randn(64, 1, 28, 28)
    y64 = torch.randint(0, 10, (64,))
    x1000 = torch.randn(1000, 1, 28, 28)

    def train_step():
        optimizer.zero_grad()
        loss = criterion(model(x64), y64)
        loss.backward()
        optimizer.step()
        return loss.item()

    def infer(x):
        with torch.no_grad():
            return model(x)

    model.train()
    train = median_seconds(train_step, args.warmup, args.min_seconds)
    model.eval()
    infer64 = median_seconds(lambda: infer(x64), args.warmup, args.min_seconds)
    infer1000 = median_seconds(lambda: infer(x1000), max(1, args.warmup - 1), args.min_seconds, 3)

    blas, blas_details = blas_info()
    version = re.match(r'\d+\.\d+', torch.__version__).group(0)
    threads = f'{args.threads} thread{"s" if args.threads > 1 else ""}'
    system = f'PyTorch {version} ({blas}, {threads})'
    config = {
        'torch': torch.__version__,
        'blas': blas,
        **{f'blas_{k}': v for k, v in blas_details.items()},
        'torch_num_threads': torch.get_num_threads(),
        'mkldnn_enabled': torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        'parallel_info': [l.strip() for l in torch.__config__.parallel_info().splitlines() if ':' in l],
        'build_blas_info': (re.search(r'BLAS_INFO=([^,]+)', torch.__config__.show()) or [None, None])[1],
        'openblas_env': {k: os.environ.get(k) for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS')},
    }
    for name, batch, (wall, cpu, runs) in (
        ('SimpleCNN train step, batch 64 (SGD momentum 0.9)', 64, train),
        ('SimpleCNN inference, batch 64', 64, infer64),
        ('SimpleCNN inference, batch 1000', 1000, infer1000),
    ):
        # value: samples per wall-clock second; samplesPerCpuSecond: per second of this process's CPU
        # time (all threads), a load-robust figure on a shared machine for the 1-thread runs
        detail = {'runs': runs, 'samplesPerCpuSecond': batch / cpu if cpu > 0 else None, **config}
        print(json.dumps({'group': 'cnn', 'name': name, 'system': system, 'value': batch / wall,
                          'unit': 'samples/s', 'detail': detail}))


if __name__ == '__main__':
    main()
