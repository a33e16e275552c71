#!/usr/bin/python3
"""Writes the ONNX import fixtures: small models exported by PyTorch's
torch.onnx.export (Debian's python3-torch), each with fixed inputs and the
outputs PyTorch computes for them, for onnx/import_test.go.

    /usr/bin/python3 onnx/testdata/gen_fixtures.py [outdir]

Every random choice is seeded, so a rerun with the same PyTorch writes the
same weights; the .onnx files are committed, so the tests do not need
PyTorch. Each model is in eval mode (BatchNorm uses its running
statistics), given non-trivial running statistics first, and exported with
a free batch dimension ("batch") at opset 13; the LayerNorm model also at
opset 17, where PyTorch writes the LayerNormalization op instead of the ops
it is made of. Written with PyTorch 1.13 (Debian's python3-torch).
"""
import json
import os
import sys

import torch
from torch import nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def randomize_bn(m, g):
    # Running statistics and affine parameters away from 0 and 1, so that
    # a wrong axis or a missed statistic changes the outputs.
    for mod in m.modules():
        if isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = mod.num_features
            mod.running_mean.copy_(0.3 * torch.randn(n, generator=g))
            mod.running_var.copy_(0.5 + torch.rand(n, generator=g))
            mod.weight.data.copy_(1 + 0.2 * torch.randn(n, generator=g))
            mod.bias.data.copy_(0.2 * torch.randn(n, generator=g))


class MLP(nn.Module):
    """Iris-like: 4 features, 3 classes."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(4, 16), nn.ReLU(),
            nn.Linear(16, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Dropout(0.2),
            nn.Linear(8, 3), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    """Conv-BN-ReLU-MaxPool-Flatten-Linear on 28×28×1 (NCHW, as PyTorch)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1, bias=False), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(6 * 7 * 7, 10), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.head(self.features(x))


class RGB(nn.Module):
    """Three input channels, so that channels first and last differ: two
    convolutions, a max pooling, global average and max pooling
    concatenated, then Linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(),
            nn.Conv2d(5, 4, 3), nn.Tanh(), nn.MaxPool2d(2))
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.max = nn.AdaptiveMaxPool2d(1)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        h = self.conv(x)
        return self.out(torch.cat([torch.flatten(self.avg(h), 1), torch.flatten(self.max(h), 1)], dim=1))


class LayerNorms(nn.Module):
    """nn.LayerNorm three ways: over an image's channels as ConvNeXt's
    blocks have it (permuted to channels last, normalised, permuted back),
    over a flattened channels-first image (whose feature order gradgraph's
    channels-last flatten does not have, so γ and β are reordered), and
    without γ and β (elementwise_affine=False) before the last Linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.norm_channels = nn.LayerNorm(4, eps=1e-6)
        self.norm_flat = nn.LayerNorm(4 * 5 * 5)
        self.fc = nn.Linear(4 * 5 * 5, 8)
        self.norm_plain = nn.LayerNorm(8, elementwise_affine=False)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        h = self.norm_channels(self.conv(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        h = self.norm_flat(torch.flatten(torch.relu(h), 1))
        return self.out(self.norm_plain(torch.tanh(self.fc(h))))


def randomize_ln(m, g):
    # γ and β away from 1 and 0, so that a wrong order or a missed one
    # changes the outputs.
    for mod in m.modules():
        if isinstance(mod, nn.LayerNorm) and mod.elementwise_affine:
            shape = mod.weight.shape
            mod.weight.data.copy_(1 + 0.3 * torch.randn(shape, generator=g))
            mod.bias.data.copy_(0.2 * torch.randn(shape, generator=g))


class TwoInputs(nn.Module):
    """Two inputs, merged by an addition and a concatenation."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 6)
        self.b = nn.Linear(3, 6)
        self.out = nn.Linear(6 + 3, 2)

    def forward(self, x, y):
        h = torch.relu(self.a(x) + self.b(y))
        return torch.sigmoid(self.out(torch.cat([h, y], dim=1)))


def export(name, model, inputs, input_names, output_names, training=torch.onnx.TrainingMode.EVAL, opset=13):
    path = os.path.join(OUT, name + ".onnx")
    axes = {n: {0: "batch"} for n in input_names + output_names}
    torch.onnx.export(model, tuple(inputs), path, input_names=input_names, output_names=output_names,
                      dynamic_axes=axes, opset_version=opset,
                      do_constant_folding=training == torch.onnx.TrainingMode.EVAL, training=training)
    with torch.no_grad():
        outs = model(*inputs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    doc = {
        "producer": "torch " + torch.__version__,
        "inputs": {n: {"dims": list(x.shape), "data": x.flatten().tolist()} for n, x in zip(input_names, inputs)},
        "outputs": {n: {"dims": list(y.shape), "data": y.flatten().tolist()} for n, y in zip(output_names, outs)},
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f)
        f.write("\n")
    print(name, os.path.getsize(path), "bytes")


def main():
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(2)
    mlp = MLP()
    randomize_bn(mlp, g)
    mlp.eval()
    export("torch_mlp", mlp, [torch.randn(5, 4, generator=g)], ["features"], ["probabilities"])

    cnn = CNN()
    randomize_bn(cnn, g)
    cnn.eval()
    # PRESERVE keeps the BatchNormalization node (in inference form, the
    # model being in eval mode) that EVAL would fold into the convolution.
    export("torch_cnn", cnn, [torch.rand(3, 1, 28, 28, generator=g)], ["image"], ["log_probabilities"],
           training=torch.onnx.TrainingMode.PRESERVE)

    two = TwoInputs()
    two.eval()
    export("torch_two_inputs", two, [torch.randn(4, 4, generator=g), torch.randn(4, 3, generator=g)], ["x", "y"], ["score"])

    rgb = RGB()
    rgb.eval()
    export("torch_rgb", rgb, [torch.randn(4, 3, 10, 10, generator=g)], ["image"], ["logits"])

    # Last, so that the models above keep their weights and inputs.
    ln = LayerNorms()
    randomize_ln(ln, g)
    ln.eval()
    x = torch.randn(4, 3, 5, 5, generator=g)
    export("torch_layernorm_opset13", ln, [x], ["image"], ["logits"])
    # PyTorch 1.13 writes a LayerNorm without γ and β at opset 17 as a
    # LayerNormalization node with an empty Scale, which its own checker
    # refuses: at 17 the last one has γ of ones and β of zeros instead,
    # which compute the same outputs.
    ln.norm_plain = nn.LayerNorm(8)
    export("torch_layernorm_opset17", ln, [x], ["image"], ["logits"], opset=17)


if __name__ == "__main__":
    with torch.no_grad():
        main()
