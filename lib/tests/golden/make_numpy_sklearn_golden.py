#!/usr/bin/python3
"""Golden data for nnkit::numpy::RandomState and nnkit::data::train_test_split.

Run from the repository root with Debian's interpreter (python3-numpy 1.24,
python3-sklearn 1.2):

    /usr/bin/python3 lib/tests/golden/make_numpy_sklearn_golden.py

(or `tools/make_golden.sh`). Writes lib/tests/golden/numpy_sklearn.json:

- random_state.sequences: per seed, a list of calls made in order on ONE
  np.random.RandomState, each with NumPy's result. The C++ test replays the calls on one
  nnkit RandomState, so the carried state (the cached Gaussian of the legacy polar method,
  the position in the MT19937 block) is checked as well as each value.
- random_state.errors: randint arguments for which NumPy raises ValueError.
- train_test_split.cases / .errors: sklearn's train_test_split on np.arange(n), both
  sides recorded, and inputs for which it raises ValueError.

Floats are written with Python's repr (shortest round-trip form), so a C++ parser reads
back the exact float64 NumPy produced; sizes keep their Python type (200 vs 0.25), which
nlohmann::json preserves as integer vs float.
"""
import json
import math
import os
import platform
import sys

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

SCRIPT = "lib/tests/golden/make_numpy_sklearn_golden.py"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "numpy_sklearn.json")
MASK64 = (1 << 64) - 1

SEEDS = [0, 1, 42, 123, 2**32 - 1]


def bits_checksum(values):
    """sum((i + 1) * bits(values[i])) mod 2**64 over the float64 bit patterns."""
    bits = np.ascontiguousarray(values, dtype=np.float64).ravel().view(np.uint64).tolist()
    total = 0
    for i, b in enumerate(bits):
        total = (total + (i + 1) * b) & MASK64
    return total


def int_checksum(values):
    """sum((i + 1) * values[i]) mod 2**64 over integers (two's complement)."""
    total = 0
    for i, v in enumerate(np.asarray(values).ravel().tolist()):
        total = (total + (i + 1) * (v & MASK64)) & MASK64
    return total


def sample_positions(count, head=100, tail=100, step=257):
    picked = set(range(min(head, count)))
    picked.update(range(max(count - tail, 0), count))
    picked.update(range(0, count, step))
    return sorted(picked)


class Recorder:
    """Calls a RandomState and records each call with its result."""

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)
        self.ops = []

    def randn(self, *shape):
        values = self.rs.randn(*shape)
        self.ops.append({"op": "randn", "shape": list(shape),
                         "values": np.ravel(values).tolist()})

    def rand(self, *shape):
        values = self.rs.rand(*shape)
        self.ops.append({"op": "rand", "shape": list(shape),
                         "values": np.ravel(values).tolist()})

    def randn_sampled(self, *shape):
        values = np.ravel(self.rs.randn(*shape))
        positions = sample_positions(values.size)
        self.ops.append({"op": "randn_sampled", "shape": list(shape),
                         "positions": positions,
                         "values": values[positions].tolist(),
                         "checksum": bits_checksum(values)})

    def randint(self, low, high, size=None):
        values = self.rs.randint(low, high, size=size)
        assert np.asarray(values).dtype == np.int64
        self.ops.append({"op": "randint", "low": low, "high": high, "size": size,
                         "values": np.ravel(values).tolist()})

    def randint_high(self, high):
        value = self.rs.randint(high)
        self.ops.append({"op": "randint_high", "high": high, "values": [int(value)]})

    def permutation(self, n):
        values = self.rs.permutation(n)
        self.ops.append({"op": "permutation", "n": n, "values": values.tolist()})

    def permutation_sampled(self, n):
        values = self.rs.permutation(n)
        positions = sample_positions(n, head=300, tail=100, step=199)
        self.ops.append({"op": "permutation_sampled", "n": n, "positions": positions,
                         "values": values[positions].tolist(),
                         "checksum": int_checksum(values)})

    def shuffle(self, values):
        array = np.array(values, dtype=np.float64)
        self.rs.shuffle(array)
        self.ops.append({"op": "shuffle", "input": list(values), "values": array.tolist()})

    def seed(self, seed):
        self.rs.seed(seed)
        self.ops.append({"op": "seed", "seed": seed})


def seed_sequence(seed):
    r = Recorder(seed)
    r.randn(60, 50)            # C-order fill of a matrix
    r.randn(7)                 # odd count: the 8th Gaussian stays cached
    r.rand(40, 25)             # uniforms consume the stream but keep the cache
    r.randn(5)                 # starts with the cached value
    r.rand(1001)
    r.randn()                  # scalar forms
    r.rand()
    r.randn(3, 3)
    r.randint(0, 10, 50)       # small range, 4-bit mask with rejections
    r.randint(0, 16, 50)       # power of two: mask == range, no rejection
    r.randint(-5, 5, 20)       # negative offset
    r.randint(0, 2**31, 10)
    r.randint(0, 2**32, 10)    # range 2**32 - 1: a plain 32-bit draw
    r.randint(0, 2**32 + 1, 10)  # just over 32 bits: 64-bit draws
    r.randint(-2**40, 2**40, 10)
    r.randint(-2**63, 2**63 - 1, 5)
    r.randint(7, 8, 5)         # one possible value: no draw at all
    r.randint(100, 1000)       # scalar call
    r.randint_high(3)          # randint(high)
    r.permutation(0)
    r.permutation(1)
    r.permutation(2)
    r.permutation(10)
    r.permutation(1000)
    r.shuffle([0.5 * i for i in range(13)])
    r.randn(1)                 # leaves a cached Gaussian ...
    r.seed((seed + 1) % 2**32)  # ... which seed() must drop
    r.randn(4)
    r.rand(3)
    return {"name": f"seed_{seed}", "seed": seed, "ops": r.ops}


def assignment_sequences():
    # NumpyANN's constructor: seed 42, W1 = randn(784, 64) * 0.01, then W2 = randn(64, 10).
    ann = Recorder(42)
    ann.randn_sampled(784, 64)
    ann.randn(64, 10)
    # The permutations behind the assignment's two splits.
    perm = Recorder(42)
    perm.permutation(10000)
    perm2 = Recorder(42)
    perm2.permutation_sampled(60000)
    perm3 = Recorder(0)
    perm3.permutation_sampled(60000)
    return [
        {"name": "numpy_ann_init_seed_42", "seed": 42, "ops": ann.ops},
        {"name": "permutation_10000_seed_42", "seed": 42, "ops": perm.ops},
        {"name": "permutation_60000_seed_42", "seed": 42, "ops": perm2.ops},
        {"name": "permutation_60000_seed_0", "seed": 0, "ops": perm3.ops},
    ]


def randint_errors():
    errors = []
    for args in [(5, 5), (5, 3), (0, -10), (0,), (-3,)]:
        try:
            np.random.RandomState(0).randint(*args)
        except ValueError as exc:
            if len(args) == 2:
                errors.append({"low": args[0], "high": args[1], "message": str(exc),
                               "must_mention": [f"low={args[0]}", f"high={args[1]}"]})
            else:
                errors.append({"high": args[0], "message": str(exc),
                               "must_mention": [f"high={args[0]}"]})
        else:
            raise AssertionError(f"NumPy accepted randint{args}")
    return errors


def size_json(size):
    if isinstance(size, float) and math.isnan(size):
        return "nan"
    return size


SPLIT_CASES = [
    # (n, test_size, train_size, random_state, shuffle)
    (60000, 200, 2000, 42, True),     # the assignment's train/validation split
    (10000, 1, 200, 42, True),        # the assignment's test split
    (100, 0.25, None, 0, True),
    (100, None, 0.3, 1, True),
    (150, 0.33, 0.5, 123, True),
    (1000, None, None, 42, True),     # defaults: test_size = 0.25
    (10, None, None, 0, True),        # ceil(2.5) = 3 test rows
    (1000, 0.1, 0.9, 7, True),        # fractions summing to exactly 1
    (10, 0.7, 0.3, 3, True),
    (50, 10, 0.5, 5, True),           # count + fraction
    (50, 0.2, 30, 6, True),
    (7, 2, None, 8, True),
    (7, None, 3, 9, True),
    (2, 1, None, 0, True),            # smallest possible split
    (3, 0.5, None, 11, True),
    (5, None, 0.5, 12, True),
    (500, 0.2, None, 2**32 - 1, True),
    (20, 5, 10, 0, False),            # shuffle=False: first n_train rows, then n_test
    (20, 0.3, None, 0, False),
    (10000, 1, 200, 42, False),
]

# (n, test_size, train_size, shuffle, tokens the message must contain)
SPLIT_ERRORS = [
    (100, 0, None, True, ["test_size=0"]),
    (100, 100, None, True, ["test_size=100"]),
    (100, 0.0, None, True, ["test_size=0.0"]),
    (100, 1.0, None, True, ["test_size=1.0"]),
    (100, 1.5, None, True, ["test_size=1.5"]),
    (100, None, 0, True, ["train_size=0"]),
    (100, None, 100, True, ["train_size=100"]),
    (100, None, 1.0, True, ["train_size=1.0"]),
    (100, None, -0.1, True, ["train_size=-0.1"]),
    (100, 0.25, 250, True, ["train_size=250"]),
    (100, 0.6, 0.5, True, [str(0.5 + 0.6)]),
    (100, 60, 50, True, ["110"]),
    (100, 0.5, 60, True, ["110"]),
    (100, 60, 50, False, ["110"]),
    (2, 0.9, None, True, ["n_samples=2", "test_size=0.9"]),
    (10, None, 0.05, True, ["n_samples=10", "train_size=0.05"]),
    (1, None, None, True, ["n_samples=1"]),
    (0, None, None, True, ["n_samples=0"]),
    (1, 1, None, True, ["test_size=1"]),
    (10000, 1, 10000, True, ["train_size=10000"]),
    (60000, 200, 60000, True, ["train_size=60000"]),
    (100, float("nan"), None, True, ["test_size=nan"]),
]


def split_cases():
    cases = []
    for n, test_size, train_size, random_state, shuffle in SPLIT_CASES:
        train, test = train_test_split(np.arange(n), test_size=test_size,
                                       train_size=train_size, random_state=random_state,
                                       shuffle=shuffle)
        cases.append({"n_samples": n, "test_size": size_json(test_size),
                      "train_size": size_json(train_size), "random_state": random_state,
                      "shuffle": shuffle, "train": train.tolist(), "test": test.tolist()})
    return cases


def split_errors():
    errors = []
    for n, test_size, train_size, shuffle, tokens in SPLIT_ERRORS:
        try:
            train_test_split(np.arange(n), test_size=test_size, train_size=train_size,
                             random_state=0, shuffle=shuffle)
        except ValueError as exc:
            message = str(exc)
        else:
            raise AssertionError(f"sklearn accepted n={n} test_size={test_size} "
                                 f"train_size={train_size}")
        # The tokens are what sklearn's own message names (NaN fails later, in math.ceil).
        if not (isinstance(test_size, float) and math.isnan(test_size)):
            for token in tokens:
                assert token in message, (token, message)
        errors.append({"n_samples": n, "test_size": size_json(test_size),
                       "train_size": size_json(train_size), "shuffle": shuffle,
                       "message": message, "must_mention": tokens})
    return errors


def emit(value, indent=0):
    """JSON with objects indented and arrays of scalars on one line (compact but diffable)."""
    pad = " " * indent
    if isinstance(value, dict):
        items = [f'{pad} {json.dumps(k)}: {emit(v, indent + 1)}' for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [pad + " " + emit(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def main():
    sequences = [seed_sequence(seed) for seed in SEEDS] + assignment_sequences()
    doc = {
        "generated_by": {
            "script": SCRIPT,
            "python": platform.python_version(),
            "interpreter": sys.executable,
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
        },
        "random_state": {"sequences": sequences, "errors": randint_errors()},
        "train_test_split": {"cases": split_cases(), "errors": split_errors()},
    }
    text = emit(doc) + "\n"
    json.loads(text)  # well-formed, no NaN/inf
    with open(OUT, "w") as f:
        f.write(text)

    n_randn = sum(len(op["values"]) for s in sequences for op in s["ops"]
                  if op["op"] in ("randn", "randn_sampled"))
    n_rand = sum(len(op["values"]) for s in sequences for op in s["ops"] if op["op"] == "rand")
    print(f"wrote {OUT}: {len(text)} bytes, {n_randn} stored randn values, "
          f"{n_rand} rand values (numpy {np.__version__}, sklearn {sklearn.__version__})")


if __name__ == "__main__":
    main()
