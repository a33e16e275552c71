#!/usr/bin/python3
"""PyTorch baseline for gradgraph's MNIST benchmark.

The Keras MNIST recipe: Dense(512, relu) -> Dense(10, softmax), RMSprop
(lr 1e-3, rho 0.9, eps 1e-7 as in Keras), sparse categorical cross-entropy,
batch 128, 60,000 shuffled samples per epoch, float32, pixels / 255.

    /usr/bin/python3 torch_mnist.py [--data DIR] [--threads N] [--epochs E]

Prints one line per epoch and a summary: median epoch seconds, samples/s,
GFLOP/s (nominal 146 GFLOP per epoch, as gradgraph's benchmark counts it),
test accuracy and peak RSS (ru_maxrss).
"""
import argparse
import gzip
import os
import resource
import statistics
import struct
import time

import torch

STEP_FLOPS = 3 * 2 * 128 * (784 * 512 + 512 * 10)


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def find(data, base):
    for name in (base + ".gz", base):
        p = os.path.join(data, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(data, base))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("GRADGRAPH_MNIST", "/work/shared/data/mnist"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr = read_idx(find(a.data, "train-images-idx3-ubyte")).reshape(-1, 784).float() / 255
    ytr = read_idx(find(a.data, "train-labels-idx1-ubyte")).long()
    xte = read_idx(find(a.data, "t10k-images-idx3-ubyte")).reshape(-1, 784).float() / 255
    yte = read_idx(find(a.data, "t10k-labels-idx1-ubyte")).long()

    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    # Keras's glorot-uniform kernels and zero biases.
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    lossf = torch.nn.CrossEntropyLoss()  # log-softmax + NLL: softmax output + sparse CE

    n = xtr.shape[0]
    times = []
    for ep in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        model.train()
        tot = 0.0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=False)  # in place: no new gradient tensors each step
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        dt = time.perf_counter() - t0
        times.append(dt)
        print(f"epoch {ep + 1}: {dt:.3f} s, loss {tot / n:.4f}", flush=True)

    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    med = statistics.median(times)
    best = min(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} threads={a.threads} median_epoch_s={med:.3f} best_epoch_s={best:.3f} "
          f"samples_per_s={n / med:.0f} gflops={STEP_FLOPS * n / a.batch / med / 1e9:.1f} "
          f"test_acc={acc:.4f} peak_rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
