"""What the PyTorch twins of bench/ print as their system name: the version, the BLAS actually loaded, the threads."""


def blas_name():
    """The BLAS library actually loaded (Debian's torch links libblas.so.3: reference BLAS unless an alternative is installed)."""
    with open('/proc/self/maps') as f:
        maps = f.read()
    for key, name in (('openblas', 'OpenBLAS'), ('mkl', 'MKL'), ('blis', 'BLIS')):
        if key in maps:
            return name
    return 'reference BLAS' if 'libblas.so' in maps else 'BLAS'


def system_name(torch, threads):
    """'PyTorch 1.13.0 (OpenBLAS, 2 threads)', as the bench tables show it."""
    version = torch.__version__.split('a')[0].split('+')[0]
    return f'PyTorch {version} ({blas_name()}, {threads} thread{"s" if threads > 1 else ""})'
