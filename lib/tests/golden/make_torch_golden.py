#!/usr/bin/python3
"""Golden values from PyTorch 1.13 (Debian's python3-torch) for nnkit's tests.

Run from the repository root with Debian's interpreter (the one that has torch):

    /usr/bin/python3 lib/tests/golden/make_torch_golden.py

It writes lib/tests/golden/torch/{seeding,ops,optim,repr}.json. Every case records its
inputs, parameters, outputs and gradients, so the C++ tests rebuild it without any RNG
(except seeding.json, whose whole point is the RNG stream).

Conventions shared by every file:
  * a tensor is {"shape": [...], "dtype": "float32" | "int64", "data": [flat row-major]};
    a 0-d tensor has "shape": [] and one element in "data";
  * float32 values are written as the Python float of the float32 value, so parsing
    them as double and casting to float gives the float32 bit pattern back exactly;
  * large tensors that only check the RNG are stored as a "summary" (see seeding.json).
"""

import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

SCRIPT = "lib/tests/golden/make_torch_golden.py"
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch")


# ----------------------------------------------------------------------------- helpers

def T(t):
    """Tensor -> {"shape", "dtype", "data"} (detached, contiguous, row-major)."""
    t = t.detach().contiguous()
    if t.dtype == torch.float32:
        dtype = "float32"
    elif t.dtype == torch.int64:
        dtype = "int64"
    else:
        raise TypeError(f"unexpected dtype {t.dtype}")
    return {"shape": list(t.shape), "dtype": dtype, "data": t.reshape(-1).tolist()}


def summary(t, head=50, tail=10):
    """Large tensor -> first/last values and exact double sums of its float32 values."""
    t = t.detach().contiguous()
    assert t.dtype == torch.float32
    flat = t.reshape(-1).tolist()
    return {
        "shape": list(t.shape),
        "dtype": "float32",
        "numel": len(flat),
        "head": flat[:head],
        "tail": flat[-tail:],
        "sum": math.fsum(flat),
        "sum_abs": math.fsum(abs(v) for v in flat),
        "min": min(flat),
        "max": max(flat),
    }


def full_or_summary(t, limit=400):
    return T(t) if t.numel() <= limit else summary(t)


def header(description):
    return {
        "torch_version": torch.__version__,
        "python": sys.version.split()[0],
        "script": SCRIPT,
        "regenerate": "make golden",
        "num_threads": torch.get_num_threads(),
        "description": description,
    }


def named_params(module, full=True):
    out = {}
    for name, p in module.named_parameters():
        out[name] = T(p) if full else full_or_summary(p)
    return out


def write(name, obj):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path


def away_from_zero(t, margin=0.1):
    """Pushes every value at least `margin` away from 0 (kinks of ReLU)."""
    return torch.where(t >= 0, t + margin, t - margin)


def distinct_values(shape, seed):
    """Values without ties (a shuffled ramp plus a little noise), for max pooling."""
    g = torch.Generator().manual_seed(seed)
    n = math.prod(shape)
    perm = torch.randperm(n, generator=g).to(torch.float32)
    return ((perm - n / 2) / (n / 4)).reshape(shape)


def kaiming_bounds(fan_in):
    """The bounds torch's default Linear/Conv init uses, computed in double as torch does."""
    a = math.sqrt(5)
    gain = math.sqrt(2.0 / (1 + a ** 2))
    std = gain / math.sqrt(fan_in)
    return {"fan_in": fan_in, "weight_bound": math.sqrt(3.0) * std, "bias_bound": 1 / math.sqrt(fan_in)}


def cnn_model(num_classes=10):
    layers = []
    chans = [1, 32, 64, 128, 256]
    for cin, cout in zip(chans[:-1], chans[1:]):
        layers += [nn.Conv2d(cin, cout, kernel_size=3, stride=1, padding=1), nn.ReLU(),
                   nn.MaxPool2d(2), nn.BatchNorm2d(cout), nn.Dropout(0.3)]
    layers += [nn.Flatten(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, num_classes)]
    return nn.Sequential(*layers)


def mlp_model(input_size=784, hidden_size=32, output_size=10):
    return nn.Sequential(nn.Linear(input_size, hidden_size), nn.ReLU(), nn.Linear(hidden_size, output_size))


# ----------------------------------------------------------------------------- seeding

def make_seeding():
    out = {"header": header(
        "torch RNG streams after manual_seed: rand, randn, default Linear/Conv2d init, "
        "dropout masks, and the printed strings of the part-2 doc examples")}

    out["notes"] = [
        "torch's CPU generator is MT19937 seeded with init_genrand(seed): the same 32-bit "
        "stream as numpy.random.RandomState(seed)'s raw outputs (verified by this script).",
        "rand (float32): u = (next32 & 0xFFFFFF) * 2^-24; uniform_(a, b) computes "
        "u * (b - a) + a in float32 with a, b cast to float32 first (verified).",
        "Linear/Conv2d default init: weight ~ uniform(-wb, wb), then bias ~ uniform(-bb, bb), "
        "with wb = sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in) and bb = 1 / sqrt(fan_in) "
        "in double (they can differ in the last bit: see init.*.bounds).",
        "randn with numel < 16 (or non-contiguous): per element a double Box-Muller with "
        "next64 = (first32 << 32) | second32, u = (next64 & (2^53-1)) * 2^-53, "
        "u1, u2 consecutive, r = sqrt(-2 log1p(-u2)), theta = 2 pi u1; first value "
        "r cos(theta), the next value is the cached r sin(theta) (verified).",
        "randn with numel >= 16 (float32, contiguous): normal_fill: first numel float32 "
        "uniforms (24-bit, as rand), then per block of 16: u1 = 1 - d[j], u2 = d[j+8] "
        "(j < 8), d[j] = r cos(2 pi u2), d[j+8] = r sin(2 pi u2), r = sqrt(-2 log u1); "
        "a tail numel % 16 != 0 draws 16 fresh uniforms into the last 16 slots and redoes "
        "them. This build runs the AVX2 variant (float32 avx_mathfun log/sincos): a "
        "double-precision emulation matches it only to ~2.4e-7 absolute, see "
        "randn[*].double_emulation_max_abs_diff.",
        "dropout (CPU, not fused): mask = bernoulli(1 - p) drawn per element as "
        "u = (next64 & (2^53-1)) * 2^-53 (two 32-bit draws), keep iff u < 1 - p (double); "
        "kept values are multiplied by float32(1) / float32(1 - p) (verified).",
    ]

    # --- rand streams for several seeds
    streams = []
    for s in (0, 42, 1234):
        torch.manual_seed(s)
        r5 = torch.rand(5)
        r34 = torch.rand(3, 4)
        torch.manual_seed(s)
        n10 = torch.randn(10)
        torch.manual_seed(s)
        n20 = torch.randn(20)
        streams.append({"seed": s, "rand_5": T(r5), "then_rand_3x4": T(r34),
                        "repr_rand_5": repr(r5), "repr_then_rand_3x4": repr(r34),
                        "randn_10": T(n10), "randn_20": T(n20)})
    out["rand_streams"] = streams

    # --- raw MT19937 words (via numpy) so the C++ generator can be checked directly
    try:
        import numpy as np
        raw = np.random.RandomState(42)._bit_generator.random_raw(8).tolist()
        torch.manual_seed(42)
        check = torch.rand(8).tolist()
        assert check == [((w & 0xFFFFFF) * 2.0 ** -24) for w in raw]
        out["mt19937_seed42_first8_u32"] = [int(w) for w in raw]
    except ImportError:  # numpy is optional for this file
        pass

    # --- randn around the size-16 switch
    randn_cases = []
    for n in (10, 15, 16, 17, 20, 32):
        torch.manual_seed(42)
        v = torch.randn(n)
        case = {"seed": 42, "n": n, "path": "normal_fill(16-blocks)" if n >= 16 else "scalar double Box-Muller",
                "values": T(v), "repr": repr(v)}
        if n >= 16:
            case["double_emulation_max_abs_diff"] = _normal_fill_emulation_diff(v, 42)
        randn_cases.append(case)
    out["randn"] = randn_cases
    torch.manual_seed(42)
    a = torch.randn(10)
    b = torch.randn(20)
    out["randn_10_then_20"] = {"seed": 42, "first": T(a), "second": T(b)}

    # --- default init, each module freshly seeded with 42
    init = {}
    for key, ctor, fan_in in [
        ("linear_4_3", "nn.Linear(4, 3)", 4),
        ("linear_5_10", "nn.Linear(5, 10)", 5),
        ("linear_784_32", "nn.Linear(784, 32)", 784),
        ("conv2d_1_32_3_p1", "nn.Conv2d(1, 32, 3, padding=1)", 9),
        ("conv2d_3_4_3", "nn.Conv2d(3, 4, 3)", 27),
    ]:
        torch.manual_seed(42)
        m = eval(ctor)
        init[key] = {"seed": 42, "ctor": ctor, "bounds": kaiming_bounds(fan_in),
                     "weight": full_or_summary(m.weight, limit=1000), "bias": T(m.bias)}
    out["init"] = init

    # --- whole models of the assignment, seeded with 42 (parameters in registration order)
    torch.manual_seed(42)
    mlp = mlp_model()
    out["mlp_784_32_10_init"] = {"seed": 42, "ctor": "Sequential(Linear(784,32), ReLU(), Linear(32,10))",
                                  "params": named_params(mlp, full=False)}
    torch.manual_seed(42)
    cnn = cnn_model()
    out["cnn_init"] = {"seed": 42, "ctor": "PyTorchCNN model of the assignment's part 3",
                       "params": named_params(cnn, full=False)}

    # --- Sequential(Linear(5,10), ReLU(), Linear(10,3)) then rand(5)
    torch.manual_seed(42)
    m = nn.Sequential(nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 3))
    x = torch.rand(5)
    y = m(x)
    out["sequential_5_10_3"] = {
        "seed": 42,
        "code": "manual_seed(42); m = Sequential(Linear(5,10), ReLU(), Linear(10,3)); x = rand(5); y = m(x)",
        "params": named_params(m), "x": T(x), "out": T(y),
        "repr_x": repr(x), "repr_out": repr(y), "repr_out_detached": repr(y.detach()),
        "str_model": str(m),
    }

    # --- PyTorchANN doc examples
    torch.manual_seed(42)
    ann20 = mlp_model(20, 10, 10)
    doc = {"ann_20_10_10": {"seed": 42, "str_model": str(ann20), "params": named_params(ann20)}}
    torch.manual_seed(42)
    ann = mlp_model(5, 10, 3)
    x1 = torch.rand(5)
    y1 = ann(x1)
    x2 = torch.rand(5, 5)
    ann.eval()
    with torch.no_grad():
        logits2 = ann(x2)
        pred = torch.argmax(logits2, dim=1)
    doc["ann_5_10_3"] = {
        "seed": 42,
        "code": "manual_seed(42); model = Sequential(Linear(5,10), ReLU(), Linear(10,3)); "
                "y = model(rand(5)); then (same stream) model.eval(); no_grad: "
                "logits = model(rand(5,5)); pred = argmax(logits, dim=1)",
        "params": named_params(ann), "str_model": str(ann),
        "forward_x": T(x1), "forward_out": T(y1), "repr_forward_out": repr(y1),
        "repr_forward_out_detached": repr(y1.detach()),
        "predict_x": T(x2), "predict_logits": T(logits2), "predict": T(pred), "repr_predict": repr(pred),
    }
    # predict straight after construction (no forward before it): a different stream position
    torch.manual_seed(42)
    ann = mlp_model(5, 10, 3)
    x3 = torch.rand(5, 5)
    with torch.no_grad():
        pred3 = torch.argmax(ann(x3), dim=1)
    doc["ann_5_10_3_predict_first"] = {"seed": 42, "predict_x": T(x3), "predict": T(pred3),
                                       "repr_predict": repr(pred3)}
    out["pytorch_ann_doc"] = doc

    # --- dropout
    torch.manual_seed(42)
    d20 = F.dropout(torch.ones(20), p=0.3, training=True)
    torch.manual_seed(42)
    d2000 = F.dropout(torch.ones(2000), p=0.3, training=True)
    torch.manual_seed(42)
    d3 = nn.Dropout(0.3)(torch.ones(2, 3, 4))  # module in training mode, 3-d input
    torch.manual_seed(42)
    x_eval = torch.rand(6)
    drop_eval = nn.Dropout(0.3).eval()
    out["dropout"] = {
        "p": 0.3,
        "scale": (torch.ones(1) / torch.tensor(1 - 0.3, dtype=torch.float32)).item(),
        "ones_20": {"seed": 42, "out": T(d20), "repr": repr(d20)},
        "ones_2000": {"seed": 42, "num_zeros": int((d2000 == 0).sum()),
                      "mask": "".join("1" if v != 0 else "0" for v in d2000.tolist())},
        "module_ones_2x3x4": {"seed": 42, "out": T(d3)},
        "eval_identity": {"x": T(x_eval), "out": T(drop_eval(x_eval))},
    }
    return out


def _normal_fill_emulation_diff(values, seed):
    """Max |torch - double emulation of normal_fill|: documents how close a scalar port gets."""
    try:
        import numpy as np
    except ImportError:
        return None
    n = values.numel()
    raw = np.random.RandomState(seed)._bit_generator.random_raw(n + 16).tolist()
    d = [(w & 0xFFFFFF) * 2.0 ** -24 for w in raw[:n]]

    def fill16(o):
        for j in range(8):
            r = math.sqrt(-2.0 * math.log(1.0 - d[o + j]))
            th = 2.0 * math.pi * d[o + j + 8]
            d[o + j], d[o + j + 8] = r * math.cos(th), r * math.sin(th)

    for i in range(0, n - 15, 16):
        fill16(i)
    if n % 16:
        for i in range(16):
            d[n - 16 + i] = (raw[n + i] & 0xFFFFFF) * 2.0 ** -24
        fill16(n - 16)
    emu = torch.tensor(d, dtype=torch.float32)
    return float((emu - values).abs().max())


# ----------------------------------------------------------------------------- ops

def grads_case(fn, inputs, seed):
    """Runs fn(*inputs), backward with a recorded random upstream gradient."""
    leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    torch.manual_seed(seed + 1000)
    g = torch.randn_like(out)
    out.backward(g)
    return out, g, [l.grad for l in leaves]


def make_ops():
    out = {"header": header(
        "forward and backward of nnkit's ops against torch: upstream gradient grad_out is "
        "random and recorded; grad_<name> = d(sum(out * grad_out))/d<name>")}

    # --- linear
    cases = []
    for i, (n, fin, fout, bias) in enumerate([(1, 4, 3, True), (3, 5, 2, True), (4, 7, 6, True),
                                             (8, 16, 10, True), (2, 3, 4, False), (None, 5, 10, True)]):
        seed = 100 + i
        torch.manual_seed(seed)
        lin = nn.Linear(fin, fout, bias=bias)
        x = torch.randn(fin) if n is None else torch.randn(n, fin)
        ins = [x, lin.weight] + ([lin.bias] if bias else [])
        o, g, grads = grads_case(lambda *a: F.linear(*a), ins, seed)
        case = {"name": f"linear_x{list(x.shape)}_in{fin}_out{fout}" + ("" if bias else "_nobias"),
                "params": {"in_features": fin, "out_features": fout, "bias": bias},
                "x": T(x), "weight": T(lin.weight), "out": T(o), "grad_out": T(g),
                "grad_x": T(grads[0]), "grad_weight": T(grads[1])}
        if bias:
            case["bias"] = T(lin.bias)
            case["grad_bias"] = T(grads[2])
        cases.append(case)
    out["linear"] = cases

    # --- relu
    cases = []
    for i, shape in enumerate([(3, 5), (2, 3, 4, 4), (7,)]):
        seed = 200 + i
        torch.manual_seed(seed)
        x = away_from_zero(torch.randn(*shape))
        o, g, (gx,) = grads_case(F.relu, [x], seed)
        cases.append({"name": f"relu_{list(shape)}", "x": T(x), "out": T(o), "grad_out": T(g), "grad_x": T(gx)})
    out["relu"] = cases

    # --- conv2d
    cases = []
    conv_specs = [
        # N, Cin, Cout, H, W, k, stride, padding, bias
        (2, 3, 4, 7, 9, 3, 1, 1, True),
        (2, 2, 3, 7, 9, 3, 2, 0, True),
        (1, 3, 2, 8, 8, 5, 1, 2, True),
        (2, 2, 3, 9, 7, 4, 2, 1, True),
        (3, 1, 4, 6, 6, 3, 1, 1, True),
        (2, 3, 2, 5, 6, 3, 1, 0, False),
        (1, 2, 2, 10, 12, 6, 2, 2, True),
    ]
    for i, (n, cin, cout, h, w, k, s, p, bias) in enumerate(conv_specs):
        seed = 300 + i
        torch.manual_seed(seed)
        conv = nn.Conv2d(cin, cout, k, stride=s, padding=p, bias=bias)
        x = torch.randn(n, cin, h, w)
        ins = [x, conv.weight] + ([conv.bias] if bias else [])
        fn = (lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride=s, padding=p)) if bias else \
             (lambda x_, w_: F.conv2d(x_, w_, None, stride=s, padding=p))
        o, g, grads = grads_case(fn, ins, seed)
        case = {"name": f"conv2d_N{n}_Cin{cin}_Cout{cout}_{h}x{w}_k{k}_s{s}_p{p}" + ("" if bias else "_nobias"),
                "params": {"in_channels": cin, "out_channels": cout, "kernel_size": k,
                           "stride": s, "padding": p, "bias": bias},
                "x": T(x), "weight": T(conv.weight), "out": T(o), "grad_out": T(g),
                "grad_x": T(grads[0]), "grad_weight": T(grads[1])}
        if bias:
            case["bias"] = T(conv.bias)
            case["grad_bias"] = T(grads[2])
        cases.append(case)
    # Q3 (1a) of the written part: 6x6 image, 4x4 filter, padding 1, stride 1 -> 5x5, no bias
    X = torch.tensor([[8, 1, 7, -2, 5, 0], [-2, 1, 4, 6, 3, 3], [5, 1, 1, 3, -2, 6],
                      [-1, 5, 0, 3, -2, 9], [8, -2, -1, -1, 4, 9], [-2, 0, -2, 9, -1, 7]],
                     dtype=torch.float32).reshape(1, 1, 6, 6)
    Fw = torch.tensor([[2, -1, 2, -1], [1, 3, 1, 3], [2, -1, 2, -1], [1, 3, 1, 3]],
                      dtype=torch.float32).reshape(1, 1, 4, 4)
    o, g, grads = grads_case(lambda x_, w_: F.conv2d(x_, w_, None, stride=1, padding=1), [X, Fw], 399)
    cases.append({"name": "conv2d_written_q3_1a",
                  "params": {"in_channels": 1, "out_channels": 1, "kernel_size": 4,
                             "stride": 1, "padding": 1, "bias": False},
                  "x": T(X), "weight": T(Fw), "out": T(o), "grad_out": T(g),
                  "grad_x": T(grads[0]), "grad_weight": T(grads[1])})
    out["conv2d"] = cases

    # --- max_pool2d (inputs without ties; indices are flat h*W+w per (n, c) plane, as torch)
    cases = []
    pool_specs = [
        # shape, kernel, stride (None = kernel), padding
        ((2, 3, 6, 8), 2, None, 0),
        ((1, 2, 5, 7), 2, None, 0),
        ((1, 2, 7, 9), 3, 2, 0),
        ((2, 2, 5, 7), 2, 1, 0),
        ((1, 2, 5, 5), 3, 1, 1),
    ]
    for i, (shape, k, s, p) in enumerate(pool_specs):
        seed = 400 + i
        x = distinct_values(shape, seed)
        stride = k if s is None else s
        o, g, (gx,) = grads_case(lambda x_: F.max_pool2d(x_, k, stride, p), [x], seed)
        _, idx = F.max_pool2d(x, k, stride, p, return_indices=True)
        cases.append({"name": f"max_pool2d_{list(shape)}_k{k}_s{stride}_p{p}",
                      "params": {"kernel_size": k, "stride": stride, "padding": p,
                                 "stride_given": s is not None},
                      "x": T(x), "out": T(o), "indices": T(idx), "grad_out": T(g), "grad_x": T(gx)})
    out["max_pool2d"] = cases

    # --- batch_norm2d
    bn_train = []
    for i, (n, c, h, w) in enumerate([(4, 3, 5, 5), (2, 4, 3, 3)]):
        seed = 500 + i
        torch.manual_seed(seed)
        bn = nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)
        with torch.no_grad():
            bn.weight.copy_(torch.rand(c) * 1.5 + 0.5)
            bn.bias.copy_(torch.randn(c) * 0.5)
        xs = [torch.randn(n, c, h, w) * 2 + 1 for _ in range(3)]
        weight0, bias0 = bn.weight.detach().clone(), bn.bias.detach().clone()
        bn.train()
        x0 = xs[0].clone().requires_grad_(True)
        o = bn(x0)
        torch.manual_seed(seed + 1000)
        g = torch.randn_like(o)
        o.backward(g)
        calls = [{"x": T(xs[0]), "out": T(o), "running_mean_after": T(bn.running_mean),
                  "running_var_after": T(bn.running_var),
                  "num_batches_tracked_after": int(bn.num_batches_tracked)}]
        for x in xs[1:]:
            with torch.no_grad():
                o2 = bn(x)
            calls.append({"x": T(x), "out": T(o2), "running_mean_after": T(bn.running_mean),
                          "running_var_after": T(bn.running_var),
                          "num_batches_tracked_after": int(bn.num_batches_tracked)})
        bn_train.append({
            "name": f"batch_norm2d_train_{[n, c, h, w]}",
            "params": {"num_features": c, "eps": 1e-5, "momentum": 0.1},
            "weight": T(weight0), "bias": T(bias0),
            "running_mean_initial": T(torch.zeros(c)), "running_var_initial": T(torch.ones(c)),
            "calls": calls,
            "grad_out": T(g), "grad_x": T(x0.grad), "grad_weight": T(bn.weight.grad),
            "grad_bias": T(bn.bias.grad),
            "note": "calls[0] is forward + backward (grads below refer to it); calls[1..2] "
                    "continue in train mode on the same module. running_var uses the unbiased "
                    "batch variance, normalisation the biased one.",
        })
    out["batch_norm2d_train"] = bn_train

    bn_eval = []
    for i, (n, c, h, w) in enumerate([(3, 3, 4, 5), (2, 2, 3, 3)]):
        seed = 520 + i
        torch.manual_seed(seed)
        bn = nn.BatchNorm2d(c, eps=1e-5, momentum=0.1)
        with torch.no_grad():
            bn.weight.copy_(torch.rand(c) * 1.5 + 0.5)
            bn.bias.copy_(torch.randn(c) * 0.5)
            bn.running_mean.copy_(torch.randn(c) * 0.5)
            bn.running_var.copy_(torch.rand(c) + 0.5)
        x = torch.randn(n, c, h, w) * 2 + 1
        bn.eval()
        xl = x.clone().requires_grad_(True)
        o = bn(xl)
        torch.manual_seed(seed + 1000)
        g = torch.randn_like(o)
        o.backward(g)
        bn_eval.append({
            "name": f"batch_norm2d_eval_{[n, c, h, w]}",
            "params": {"num_features": c, "eps": 1e-5, "momentum": 0.1},
            "weight": T(bn.weight), "bias": T(bn.bias),
            "running_mean": T(bn.running_mean), "running_var": T(bn.running_var),
            "x": T(x), "out": T(o), "grad_out": T(g), "grad_x": T(xl.grad),
            "grad_weight": T(bn.weight.grad), "grad_bias": T(bn.bias.grad),
            "note": "eval mode: running stats are used and left unchanged",
        })
    out["batch_norm2d_eval"] = bn_eval

    # --- flatten
    torch.manual_seed(600)
    x = torch.randn(2, 3, 4, 5)
    o, g, (gx,) = grads_case(nn.Flatten(), [x], 600)
    out["flatten"] = [{"name": "flatten_[2,3,4,5]", "params": {"start_dim": 1, "end_dim": -1},
                       "x": T(x), "out": T(o), "grad_out": T(g), "grad_x": T(gx)}]

    # --- softmax / log_softmax on dim 1
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        cases = []
        for i, (shape, scale, offset) in enumerate([((4, 5), 2.0, 0.0), ((3, 6), 3.0, 50.0), ((1, 10), 1.0, 0.0)]):
            seed = 700 + i
            torch.manual_seed(seed)
            x = torch.randn(*shape) * scale + offset
            o, g, (gx,) = grads_case(lambda x_: fn(x_, dim=1), [x], seed)
            cases.append({"name": f"{op}_{list(shape)}_scale{scale}_offset{offset}", "params": {"dim": 1},
                          "x": T(x), "out": T(o), "grad_out": T(g), "grad_x": T(gx)})
        out[op] = cases

    # --- cross_entropy, mean reduction; loss.backward() with gradient 1
    cases = []
    ce_specs = [("class_indices", 5, 4, 2.0), ("class_indices", 1, 3, 1.0), ("class_indices", 6, 10, 30.0),
                ("one_hot", 5, 4, 2.0), ("soft", 5, 4, 2.0), ("soft", 4, 10, 1.0)]
    for i, (kind, n, c, scale) in enumerate(ce_specs):
        seed = 800 + i
        torch.manual_seed(seed)
        logits = torch.randn(n, c) * scale
        target = torch.randint(0, c, (n,))
        if kind == "one_hot":
            target = F.one_hot(target, c).to(torch.float32)
        elif kind == "soft":
            target = F.softmax(torch.randn(n, c), dim=1)
        lg = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(lg, target)
        loss.backward()
        cases.append({"name": f"cross_entropy_{kind}_N{n}_C{c}_scale{scale}",
                      "params": {"target_kind": kind, "reduction": "mean"},
                      "logits": T(logits), "target": T(target), "loss": T(loss),
                      "grad_logits": T(lg.grad), "repr_loss": repr(loss)})
    out["cross_entropy"] = cases

    # --- a CNN block chain, train mode, with loss backward
    torch.manual_seed(900)
    chain = nn.Sequential(nn.Conv2d(2, 4, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(4),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
    with torch.no_grad():
        chain[3].weight.copy_(torch.rand(4) + 0.5)
        chain[3].bias.copy_(torch.randn(4) * 0.3)
    x = torch.randn(3, 2, 8, 8)
    target = torch.randint(0, 5, (3,))
    params0 = named_params(chain)
    chain.train()
    xl = x.clone().requires_grad_(True)
    acts = []
    h = xl
    for layer in chain:
        h = layer(h)
        acts.append(T(h))
    loss = F.cross_entropy(h, target)
    loss.backward()
    grads = {name: T(p.grad) for name, p in chain.named_parameters()}
    buffers = {name: (T(b) if b.dtype != torch.int64 or b.dim() > 0 else int(b))
               for name, b in chain.named_buffers()}
    chain.eval()
    with torch.no_grad():
        out_eval = chain(x)
    out["cnn_chain"] = {
        "name": "Conv2d(2,4,3,1,1)-ReLU-MaxPool2d(2)-BatchNorm2d(4)-Flatten-Linear(64,5)",
        "str_model": str(chain),
        "x": T(x), "target": T(target), "params": params0,
        "activations": acts, "out": acts[-1], "loss": T(loss),
        "grad_x": T(xl.grad), "grads": grads, "buffers_after": buffers, "out_eval_after": T(out_eval),
        "note": "train mode, cross_entropy(mean) on class-index targets; activations[i] is the output "
                "of module i; buffers_after are BN's running stats after the one train forward; "
                "out_eval_after is the same x through the chain in eval mode afterwards",
    }
    return out


# ----------------------------------------------------------------------------- optim

def make_optim():
    out = {"header": header(
        "10-step optimizer trajectories on Linear(4,3) + cross_entropy(mean) with fixed data; "
        "each step: zero_grad, forward, loss, backward, step")}
    torch.manual_seed(1)
    base = nn.Linear(4, 3)
    x = torch.randn(8, 4)
    target = torch.randint(0, 3, (8,))
    w0, b0 = base.weight.detach().clone(), base.bias.detach().clone()
    out["problem"] = {"in_features": 4, "out_features": 3, "x": T(x), "target": T(target),
                      "weight0": T(w0), "bias0": T(b0), "steps": 10}

    sgd_defaults = {"lr": None, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}
    adam_defaults = {"lr": None, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    runs = [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.002}),
        ("Adam", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6}),
        ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ]
    results = []
    for kind, opts in runs:
        model = nn.Linear(4, 3)
        with torch.no_grad():
            model.weight.copy_(w0)
            model.bias.copy_(b0)
        opt = (torch.optim.SGD if kind == "SGD" else torch.optim.Adam)(model.parameters(), **opts)
        full = dict(sgd_defaults if kind == "SGD" else adam_defaults)
        full.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()})
        steps = []
        for _ in range(10):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), target)
            loss.backward()
            grads = {"weight": T(model.weight.grad), "bias": T(model.bias.grad)}
            opt.step()
            steps.append({"loss": loss.item(), "grad": grads,
                          "weight": T(model.weight), "bias": T(model.bias)})
        call = kind + "(" + ", ".join(f"{k}={v}" for k, v in opts.items()) + ")"
        results.append({"name": call, "optimizer": kind, "options": full, "steps": steps})
    out["runs"] = results
    return out


# ----------------------------------------------------------------------------- repr

def make_repr():
    out = {"header": header("exact repr()/str() strings of tensors and modules, default print options")}
    out["print_options"] = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}

    tensors = []

    def add(name, expr, t, extra=None):
        rec = {"name": name, "expr": expr, "tensor": T(t), "requires_grad": bool(t.requires_grad),
               "grad_fn": type(t.grad_fn).__name__ if t.grad_fn is not None else None,
               "repr": repr(t), "str": str(t)}
        if extra:
            rec.update(extra)
        tensors.append(rec)

    add("scalar_0d", "torch.tensor(3.5)", torch.tensor(3.5))
    add("scalar_0d_int", "torch.tensor(7)", torch.tensor(7))
    add("scalar_0d_large", "torch.tensor(123456.7)", torch.tensor(123456.7))
    add("scalar_0d_small", "torch.tensor(1.5e-5)", torch.tensor(1.5e-5))
    torch.manual_seed(0)
    add("rand_3", "manual_seed(0); rand(3)", torch.rand(3))
    torch.manual_seed(1)
    add("randn_10", "manual_seed(1); randn(10)", torch.randn(10))
    torch.manual_seed(2)
    add("randn_2x3", "manual_seed(2); randn(2,3)", torch.randn(2, 3))
    torch.manual_seed(3)
    add("randn_4x6_mixed", "manual_seed(3); randn(4,6)", torch.randn(4, 6))
    torch.manual_seed(4)
    add("randn_3x12_wrap", "manual_seed(4); randn(3,12)", torch.randn(3, 12))
    torch.manual_seed(5)
    add("rand_2x2x3", "manual_seed(5); rand(2,2,3)", torch.rand(2, 2, 3))
    torch.manual_seed(6)
    add("randn_2x1x2x3", "manual_seed(6); randn(2,1,2,3)", torch.randn(2, 1, 2, 3))
    torch.manual_seed(7)
    add("large_1e5", "manual_seed(7); randn(5) * 1e5", torch.randn(5) * 1e5)
    torch.manual_seed(8)
    add("large_1e5_2x3", "manual_seed(8); randn(2,3) * 1e5", torch.randn(2, 3) * 1e5)
    torch.manual_seed(9)
    add("small_1e-5", "manual_seed(9); randn(4) * 1e-5", torch.randn(4) * 1e-5)
    add("int_valued", "torch.tensor([1., 2.])", torch.tensor([1., 2.]))
    add("int_valued_mixed_sign", "torch.tensor([-1., 2., 0., 30.])", torch.tensor([-1., 2., 0., 30.]))
    add("int_valued_large", "torch.tensor([1e9, 1.])", torch.tensor([1e9, 1.]))
    add("zeros_3", "torch.zeros(3)", torch.zeros(3))
    add("ratio_1000", "torch.tensor([0.001, 1.0])", torch.tensor([0.001, 1.0]))
    add("ratio_1500", "torch.tensor([0.001, 1.5])", torch.tensor([0.001, 1.5]))
    add("below_1e-4", "torch.tensor([5e-5, 0.5])", torch.tensor([5e-5, 0.5]))
    add("thousands", "torch.tensor([1234.5678, -0.5, 12.25])", torch.tensor([1234.5678, -0.5, 12.25]))
    add("thousands_no_sci", "torch.tensor([1234.5678, 12.25])", torch.tensor([1234.5678, 12.25]))
    add("empty", "torch.zeros(0)", torch.zeros(0))
    add("empty_0x3", "torch.zeros(0, 3)", torch.zeros(0, 3))
    torch.manual_seed(10)
    logits = torch.randn(6, 10)
    add("argmax_int64", "manual_seed(10); argmax(randn(6,10), dim=1)", torch.argmax(logits, dim=1))
    add("int64_2x2", "torch.tensor([[1, 2], [3, 40]])", torch.tensor([[1, 2], [3, 40]]))
    add("int64_negative", "torch.tensor([-5, 3, 100])", torch.tensor([-5, 3, 100]))
    torch.manual_seed(11)
    leaf = torch.rand(3, requires_grad=True)
    add("requires_grad_leaf", "manual_seed(11); rand(3, requires_grad=True)", leaf)
    torch.manual_seed(12)
    lin = nn.Linear(4, 3)
    xin = torch.rand(2, 4)
    y2 = lin(xin)
    add("linear_out_2d", "manual_seed(12); lin = Linear(4,3); x = rand(2,4); lin(x)", y2,
        {"inputs": {"weight": T(lin.weight), "bias": T(lin.bias), "x": T(xin)}})
    y1 = lin(xin[0])
    add("linear_out_1d", "lin(x[0]) with the same lin and x", y1)
    add("relu_out", "relu(lin(x))", F.relu(y2))
    add("softmax_out", "softmax(lin(x), dim=1)", F.softmax(y2, dim=1))
    loss = F.cross_entropy(y2, torch.tensor([0, 2]))
    add("cross_entropy_class", "cross_entropy(lin(x), tensor([0, 2]))", loss)
    loss_p = F.cross_entropy(y2, torch.tensor([[1., 0., 0.], [0., 0., 1.]]))
    add("cross_entropy_prob", "cross_entropy(lin(x), one-hot of [0, 2])", loss_p)
    add("accuracy_mean", "torch.tensor([1., 0., 1., 1.]).mean()", torch.tensor([1., 0., 1., 1.]).mean())
    torch.manual_seed(13)
    add("rand_100", "manual_seed(13); rand(100)", torch.rand(100))
    torch.manual_seed(14)
    add("rand_2000x10", "manual_seed(14); rand(2000,10)", torch.rand(2000, 10))
    torch.manual_seed(15)
    add("argmax_2000", "manual_seed(15); randint(0, 10, (2000,))", torch.randint(0, 10, (2000,)))
    torch.manual_seed(16)
    add("randn_1001", "manual_seed(16); randn(1001)", torch.randn(1001))
    add("arange_1000", "arange(1000.)", torch.arange(1000.))
    out["tensors"] = tensors

    modules = []
    for expr in ["nn.Linear(784, 32)", "nn.Linear(4, 3, bias=False)", "nn.ReLU()",
                 "nn.Conv2d(1, 32, 3, 1, 1)", "nn.Conv2d(3, 8, kernel_size=5, stride=2)",
                 "nn.Conv2d(3, 8, 3, bias=False)", "nn.Conv2d(2, 4, 4, stride=2, padding=1)",
                 "nn.MaxPool2d(2)", "nn.MaxPool2d(3, stride=1, padding=1)", "nn.MaxPool2d(3, stride=2)",
                 "nn.BatchNorm2d(32)", "nn.BatchNorm2d(4, eps=1e-3, momentum=0.2)",
                 "nn.Dropout(0.3)", "nn.Dropout()", "nn.Flatten()", "nn.CrossEntropyLoss()",
                 "nn.Sequential()"]:
        m = eval(expr)
        modules.append({"expr": expr, "str": str(m), "repr": repr(m)})
    out["modules"] = modules

    def describe(model, ctor):
        return {
            "ctor": ctor, "str": str(model),
            "named_parameters": [{"name": n, "shape": list(p.shape), "numel": p.numel()}
                                 for n, p in model.named_parameters()],
            "named_buffers": [{"name": n, "shape": list(b.shape), "dtype": str(b.dtype).replace("torch.", "")}
                              for n, b in model.named_buffers()],
            "state_dict_keys": list(model.state_dict().keys()),
            "num_parameters": sum(p.numel() for p in model.parameters()),
        }

    out["models"] = {
        "cnn": describe(cnn_model(), "PyTorchCNN model, the assignment's part 3"),
        "mlp": describe(mlp_model(), "PyTorchANN model 784-32-10, the assignment's part 2"),
    }
    return out


# ----------------------------------------------------------------------------- main

def main():
    files = {
        "seeding.json": make_seeding,
        "ops.json": make_ops,
        "optim.json": make_optim,
        "repr.json": make_repr,
    }
    total = 0
    for name, make in files.items():
        path = write(name, make())
        size = os.path.getsize(path)
        total += size
        print(f"wrote {os.path.relpath(path)} ({size / 1024:.1f} KiB)")
    print(f"total {total / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
