"""Writes conv_reference.json: reference outputs for Conv2D and MaxPooling2D
computed by direct loops over the definition (TensorFlow's padding rules:
"same" gives ceil(n/s) outputs and pads max((out-1)*s + k - n, 0), the odd
one after), independently of gradgraph's im2col. Run: python3 conv_reference.py
"""
import json


def val(n, h, w, c, seed):
    return (((n * 7 + h * 5 + w * 3 + c * 11 + seed) % 13) - 6) / 4.0


def geometry(size, k, s, padding):
    if padding == "valid":
        return (size - k) // s + 1, 0
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2


def conv(x, kern, bias, strides, padding):
    B, H, W, C = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    KH, KW, F = len(kern), len(kern[0]), len(kern[0][0][0])
    OH, top = geometry(H, KH, strides[0], padding)
    OW, left = geometry(W, KW, strides[1], padding)
    out = []
    for n in range(B):
        rows = []
        for oy in range(OH):
            cols = []
            for ox in range(OW):
                vals = []
                for f in range(F):
                    acc = bias[f]
                    for i in range(KH):
                        for j in range(KW):
                            iy, ix = oy * strides[0] - top + i, ox * strides[1] - left + j
                            if 0 <= iy < H and 0 <= ix < W:
                                for c in range(C):
                                    acc += x[n][iy][ix][c] * kern[i][j][c][f]
                    vals.append(acc)
                cols.append(vals)
            rows.append(cols)
        out.append(rows)
    return out


def maxpool(x, pool, strides, padding):
    B, H, W, C = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    OH, top = geometry(H, pool[0], strides[0], padding)
    OW, left = geometry(W, pool[1], strides[1], padding)
    out = []
    for n in range(B):
        rows = []
        for oy in range(OH):
            cols = []
            for ox in range(OW):
                vals = []
                for c in range(C):
                    m = None
                    for i in range(pool[0]):
                        for j in range(pool[1]):
                            iy, ix = oy * strides[0] - top + i, ox * strides[1] - left + j
                            if 0 <= iy < H and 0 <= ix < W:
                                v = x[n][iy][ix][c]
                                m = v if m is None or v > m else m
                    vals.append(m)
                cols.append(vals)
            rows.append(cols)
        out.append(rows)
    return out


def flat(a):
    if isinstance(a, list):
        return [v for e in a for v in flat(e)]
    return [a]


def image(B, H, W, C, seed):
    return [[[[val(n, h, w, c, seed) for c in range(C)] for w in range(W)] for h in range(H)] for n in range(B)]


cases = []
for name, shape, k, f, strides, padding in [
    ("conv same stride 2", (2, 5, 4, 2), (3, 3), 3, (2, 2), "same"),
    ("conv valid stride 1x2", (2, 5, 6, 2), (2, 3), 2, (1, 2), "valid"),
    ("conv same stride 1 even kernel", (1, 4, 4, 3), (2, 2), 2, (1, 1), "same"),
]:
    x = image(*shape, seed=1)
    kern = [[[[(((i * 3 + j * 5 + c * 7 + ff * 2) % 9) - 4) / 8.0 for ff in range(f)] for c in range(shape[3])] for j in range(k[1])] for i in range(k[0])]
    bias = [ff * 0.25 - 0.25 for ff in range(f)]
    cases.append({"name": name, "layer": "conv", "input_shape": list(shape), "x": flat(x), "kernel_size": list(k),
                  "filters": f, "strides": list(strides), "padding": padding, "kernel": flat(kern), "bias": bias,
                  "want": flat(conv(x, kern, bias, strides, padding))})
for name, shape, pool, strides, padding in [
    ("maxpool same 2", (2, 5, 3, 2), (2, 2), (2, 2), "same"),
    ("maxpool valid 3 stride 1", (1, 5, 4, 2), (3, 3), (1, 1), "valid"),
    ("maxpool valid 2 odd input", (1, 5, 5, 1), (2, 2), (2, 2), "valid"),
]:
    x = image(*shape, seed=4)
    cases.append({"name": name, "layer": "maxpool", "input_shape": list(shape), "x": flat(x), "pool_size": list(pool),
                  "strides": list(strides), "padding": padding, "want": flat(maxpool(x, pool, strides, padding))})

with open("conv_reference.json", "w") as fh:
    json.dump(cases, fh, indent=1)
    fh.write("\n")
