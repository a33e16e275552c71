#!/usr/bin/python3
"""PyTorch side of gradgraph's benchmark matrix (go run ./cmd/mnistbench -matrix).

Runs one shape of the matrix, first on one thread and then on all threads,
and prints machine-readable lines that cmd/mnistbench parses:

    torch shape=NAME threads=N median_epoch_s=S best_epoch_s=S loss=L
    torch shape=NAME version=V blas=PATH peak_rss_mb=M

The convnet shape (--convnet): Keras's MNIST convnet (see convnet_model),
batch 64, RMSprop as below, pixels / 255.

The resnet shape (--resnet): cmd/mnist's small ResNet (see resnet_model),
batch 64, Adam (lr 1e-3, eps 1e-7 as in Keras), pixels / 255.

MNIST shapes (--hidden 512 or 1024,1024 ...): Dense layers with ReLU and a
10-way softmax output, RMSprop (lr 1e-3, rho 0.9, eps 1e-7 as in Keras),
sparse categorical cross-entropy, batch 128, the first --samples training
images, pixels / 255, optionally standardised ((x - 0.1307) / 0.3081).

Iris shape (--iris CSV, rows of 4 standardised features and a class index,
written by the Go side so that both train on the same split):
Dense(64, relu) -> BatchNorm -> Dropout(0.5), twice, -> Dense(3, softmax),
Adam (lr 1e-3, eps 1e-7 as in Keras), batch 8; BatchNorm with Keras's
momentum 0.99 and epsilon 1e-3.

Both run at PyTorch's best: the BLAS's own thread count set with torch's
(through ctypes, for OpenBLAS and BLIS), gradients zeroed in place
(zero_grad(set_to_none=False): no new tensors each step), and the caller sets
MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ so that glibc keeps freed
tensors instead of returning them to the OS.

    /usr/bin/python3 torch_matrix.py --shape NAME (--hidden 512 | --convnet | --resnet | --iris CSV)
        [--data DIR] [--samples N] [--standardise] [--epochs E] [--seed S]
"""
import argparse
import ctypes
import csv
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_mnist import find, read_idx  # noqa: E402


def loaded_blas():
    """The BLAS library torch's matrix products went to (after one has run),
    resolved through Debian's alternatives symlinks: its path tells
    netlib's reference BLAS (blas/libblas.so.3, tens of times slower) from
    OpenBLAS or BLIS."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "libblas.so" in path or "libopenblas" in path or "libblis" in path:
                return os.path.realpath(path)
    if torch.backends.mkl.is_available():
        return "mkl-in-libtorch"  # pip's torch links MKL in; set_num_threads reaches it
    return "unknown"


def blas_thread_setter(path):
    """A function setting the BLAS's own thread count, which
    torch.set_num_threads does not reach with Debian's OpenBLAS or BLIS
    (their pthread builds otherwise use every core, or BLIS_NUM_THREADS)."""
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return lambda n: None
    for name in ("openblas_set_num_threads", "bli_thread_set_num_threads"):
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.argtypes = [ctypes.c_long] if name.startswith("bli") else [ctypes.c_int]
            return lambda n: fn(n)
    return lambda n: None


def keras_init(model):
    # Keras's glorot-uniform kernels and zero biases.
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)


def mnist_model(hidden):
    layers, width = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, 10))
    model = torch.nn.Sequential(*layers)
    keras_init(model)
    return model, torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)


def convnet_model():
    # Keras's MNIST convnet, channels-first as PyTorch wants (the Go side is
    # channels-last; the arithmetic is the same): Conv2D(32, 3, relu) ->
    # MaxPool(2) -> Conv2D(64, 3, relu) -> MaxPool(2) -> Conv2D(128, 3,
    # relu) -> Flatten -> Dense(10, softmax); 104,202 params; RMSprop.
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(64, 128, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(1152, 10))
    for m in model:
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    return model, torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)


class ResidualBlock(torch.nn.Module):
    """He et al.'s basic block as cmd/mnist/resnet.go lays it: Conv-BN-ReLU-
    Conv-BN, plus the input (or its 1x1 strided Conv-BN projection when the
    shape changes), then ReLU. A stride-2 3x3 convolution pads as
    TensorFlow's "same" does (nothing above and left, one row and column
    below and right), so that it sees the windows the Go side sees."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        pad = [torch.nn.ZeroPad2d((0, 1, 0, 1))] if stride == 2 else []
        self.body = torch.nn.Sequential(
            *pad, torch.nn.Conv2d(cin, cout, 3, stride, padding=0 if pad else 1), keras_bn(cout), torch.nn.ReLU(),
            torch.nn.Conv2d(cout, cout, 3, 1, padding=1), keras_bn(cout))
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride), keras_bn(cout))

    def forward(self, x):
        s = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(self.body(x) + s)


def keras_bn(c):
    # Keras momentum 0.9 (the recipe's) is PyTorch momentum 0.1; epsilon 1e-3.
    return torch.nn.BatchNorm2d(c, eps=1e-3, momentum=0.1)


def resnet_model():
    # cmd/mnist's resnet, channels-first: Conv2D(32, 3, same, relu) ->
    # MaxPool(2) -> block(32 -> 32) -> block(32 -> 64, stride 2, projection)
    # -> global average pooling -> Dense(10, softmax); 78,026 params, biases
    # on every convolution as on the Go side; Glorot-uniform kernels, zero
    # biases, BatchNorm gamma 1 and beta 0; Adam.
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        ResidualBlock(32, 32, 1), ResidualBlock(32, 64, 2),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(64, 10))
    for m in model.modules():
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def iris_model():
    def block(i):
        # Keras momentum 0.99 is PyTorch momentum 0.01.
        return [torch.nn.Linear(i, 64), torch.nn.ReLU(), torch.nn.BatchNorm1d(64, eps=1e-3, momentum=0.01),
                torch.nn.Dropout(0.5)]
    model = torch.nn.Sequential(*block(4), *block(64), torch.nn.Linear(64, 3))
    keras_init(model)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def load_mnist(a):
    x = read_idx(find(a.data, "train-images-idx3-ubyte"))[:a.samples].reshape(-1, 784).float() / 255
    y = read_idx(find(a.data, "train-labels-idx1-ubyte"))[:a.samples].long()
    if a.standardise:
        x = (x - 0.1307) / 0.3081
    return x.contiguous(), y


def load_iris(path):
    xs, ys = [], []
    with open(path, newline="") as f:
        for row in csv.reader(f):
            xs.append([float(v) for v in row[:-1]])
            ys.append(int(row[-1]))
    return torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=torch.long)


def time_epochs(a, threads, x, y, make, set_blas_threads):
    torch.set_num_threads(threads)
    set_blas_threads(threads)
    torch.manual_seed(a.seed)
    model, opt = make()
    lossf = torch.nn.CrossEntropyLoss()  # log-softmax + NLL: softmax output + sparse CE
    n, times, tot = x.shape[0], [], 0.0
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        model.train()
        tot = 0.0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=False)
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", required=True)
    ap.add_argument("--hidden", default="")
    ap.add_argument("--iris", default="")
    ap.add_argument("--data", default=os.environ.get("GRADGRAPH_MNIST", "/work/shared/data/mnist"))
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--standardise", action="store_true")
    ap.add_argument("--convnet", action="store_true")
    ap.add_argument("--resnet", action="store_true")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--all-threads", type=int, default=len(os.sched_getaffinity(0)))
    a = ap.parse_args()

    if a.iris:
        a.batch = 8
        x, y = load_iris(a.iris)
        make = iris_model
    elif a.convnet or a.resnet:
        a.batch = 64
        x, y = load_mnist(a)
        x = x.reshape(-1, 1, 28, 28).contiguous()
        make = convnet_model if a.convnet else resnet_model
    else:
        a.batch = 128
        x, y = load_mnist(a)
        hidden = [int(h) for h in a.hidden.split(",") if h]
        make = lambda: mnist_model(hidden)  # noqa: E731
    blas = loaded_blas()
    set_blas_threads = blas_thread_setter(blas)
    for threads in sorted({1, a.all_threads}):
        med, best, loss = time_epochs(a, threads, x, y, make, set_blas_threads)
        print(f"torch shape={a.shape} threads={threads} median_epoch_s={med:.6f} best_epoch_s={best:.6f} "
              f"loss={loss:.4f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch shape={a.shape} version={torch.__version__} blas={blas} peak_rss_mb={rss:.1f}", flush=True)


if __name__ == "__main__":
    main()
