#!/usr/bin/python3
"""Golden values for the assignment's data split (lib/tests/test_fashion_mnist.cpp).

Run with Debian's interpreter (numpy 1.24, scikit-learn 1.2):
    /usr/bin/python3 lib/tests/golden/make_fashion_mnist_split_golden.py
It loads the four .gz files with NumPy, prepares X and y as the original homework did
(X = images reshaped to [N, 784] in float64 / 255, y one-hot), makes the homework's two
train_test_split calls, and writes fashion_mnist_split.json beside this script with, for
each of X_train / X_val / X_test:
  * indices: the rows of the source set, in order (the same calls on np.arange(n));
  * labels: the class of every row, in order;
  * pixel_sums: the sum of the 784 uint8 pixels of every row (recovered as rint(X * 255));
  * fnv1a64: FNV-1a 64 over all uint8 pixels of the side, row-major, as 16 hex digits;
so the C++ test proves it picks the same images in the same order.
FMNIST_DIR overrides /usr/share/datasets/fashion-mnist, as for `make data`.
"""
import gzip
import json
import os

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.environ.get("FMNIST_DIR") or "/usr/share/datasets/fashion-mnist"


def load_images(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)


def load_labels(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def describe(X, y_onehot, indices):
    pixels = np.rint(X * 255.0).astype(np.uint8)  # exact: k / 255 * 255 rounds back to k
    assert np.array_equal(pixels.astype(np.float64) / 255.0, X)
    return {
        "count": int(X.shape[0]),
        "indices": [int(i) for i in indices],
        "labels": [int(c) for c in y_onehot.argmax(axis=1)],
        "pixel_sums": [int(s) for s in pixels.astype(np.int64).sum(axis=1)],
        "fnv1a64": fnv1a64(pixels.tobytes()),
    }


def main():
    train_images = load_images("train-images-idx3-ubyte.gz")
    train_labels = load_labels("train-labels-idx1-ubyte.gz")
    test_images = load_images("t10k-images-idx3-ubyte.gz")
    test_labels = load_labels("t10k-labels-idx1-ubyte.gz")

    # As the homework: flatten, divide by 255 in float64, one-hot labels.
    X = train_images.reshape(-1, 784) / 255.0
    y = np.eye(10)[train_labels]
    X_test_all = test_images.reshape(-1, 784) / 255.0
    y_test_all = np.eye(10)[test_labels]

    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=2000, test_size=200, random_state=42)
    X_test, _, y_test, _ = train_test_split(
        X_test_all, y_test_all, train_size=200, test_size=1, random_state=42)

    # The same calls on row numbers give the rows picked, in order.
    idx_train, idx_val = train_test_split(
        np.arange(len(X)), train_size=2000, test_size=200, random_state=42)
    idx_test, _ = train_test_split(
        np.arange(len(X_test_all)), train_size=200, test_size=1, random_state=42)
    assert np.array_equal(X[idx_train], X_train) and np.array_equal(X[idx_val], X_val)
    assert np.array_equal(X_test_all[idx_test], X_test)

    golden = {
        "about": "written by make_fashion_mnist_split_golden.py (numpy %s, scikit-learn %s)"
                 % (np.__version__, sklearn.__version__),
        "X_train": describe(X_train, y_train, idx_train),
        "X_val": describe(X_val, y_val, idx_val),
        "X_test": describe(X_test, y_test, idx_test),
    }
    with open(os.path.join(HERE, "fashion_mnist_split.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
