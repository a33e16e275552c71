#!/usr/bin/python3
"""Accuracy of the benchmark matrix's PyTorch twin of cmd/mnist's resnet.

Trains resnet_model from train/testdata/torch_matrix.py (the matrix's twin,
imported, not copied) with the recipe of `go run ./cmd/mnist -model resnet`:
all 60,000 training images, pixels / 255, batch 64 (the last batch of 32),
shuffled each epoch, Adam (lr 1e-3, eps 1e-7 as Keras's) with the learning
rate set at each epoch's start to lr * (1 + cos(pi * k / epochs)) / 2
(cmd/mnist's cosineLR), BatchNorm momentum 0.9 in Keras's convention
(PyTorch's 0.1), 10 epochs. After each epoch it evaluates the 10,000 test
images with the moving statistics (model.eval(), as Keras's evaluate and
gradgraph's Trainer.Evaluate do) and prints one line:

    twin epoch=E lr=LR train_loss=L train_acc=A test_loss=L test_acc=A epoch_s=S

then `twin seed=S test_acc=A peak_rss_mb=M`. It runs on one thread (torch's
and the BLAS's); run it as BENCHMARKS.md says, with glibc's malloc
thresholds raised:

    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=17179869184 \
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 cmd/mnistbench/torch_resnet_accuracy.py \
        --data /usr/share/datasets/fashion-mnist --seed 1
"""
import argparse
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "train", "testdata"))
from torch_matrix import blas_thread_setter, loaded_blas, resnet_model  # noqa: E402
from torch_mnist import find, read_idx  # noqa: E402


def load(data, split):
    x = read_idx(find(data, split + "-images-idx3-ubyte")).reshape(-1, 1, 28, 28).float() / 255
    y = read_idx(find(data, split + "-labels-idx1-ubyte")).long()
    return x.contiguous(), y


def evaluate(model, x, y, lossf):
    model.eval()
    loss, right = 0.0, 0
    with torch.no_grad():
        for i in range(0, x.shape[0], 1000):
            out = model(x[i:i + 1000])
            loss += lossf(out, y[i:i + 1000]).item() * out.shape[0]
            right += (out.argmax(1) == y[i:i + 1000]).sum().item()
    return loss / x.shape[0], right / x.shape[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--samples", type=int, default=60000, help="the first N training images (a quick check)")
    a = ap.parse_args()

    torch.set_num_threads(1)
    blas_thread_setter(loaded_blas())(1)
    torch.manual_seed(a.seed)
    xtr, ytr = load(a.data, "train")
    xtr, ytr = xtr[:a.samples].contiguous(), ytr[:a.samples]
    xte, yte = load(a.data, "t10k")
    model, opt = resnet_model()
    lossf = torch.nn.CrossEntropyLoss()  # log-softmax + NLL: softmax output + sparse CE
    n = xtr.shape[0]
    acc = 0.0
    for epoch in range(a.epochs):
        lr = a.lr * 0.5 * (1 + math.cos(math.pi * epoch / a.epochs))
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        tot, right = 0.0, 0
        for i in range(0, n, a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=False)
            out = model(xb)
            loss = lossf(out, yb)
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
            right += (out.argmax(1) == yb).sum().item()
        secs = time.perf_counter() - t0
        test_loss, acc = evaluate(model, xte, yte, lossf)
        print(f"twin epoch={epoch + 1} lr={lr:.6g} train_loss={tot / n:.4f} train_acc={right / n:.4f} "
              f"test_loss={test_loss:.4f} test_acc={acc:.4f} epoch_s={secs:.1f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"twin seed={a.seed} test_acc={acc:.4f} peak_rss_mb={rss:.1f}", flush=True)


if __name__ == "__main__":
    main()
