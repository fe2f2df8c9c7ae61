#!/usr/bin/python3
"""Golden values for part 1, NumpyANN (solution/numpy_ann.*, public_tests/test_numpy_ann.cpp).

Run with Debian's interpreter (numpy 1.24, scikit-learn 1.2), single-threaded:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 solution/golden/make_numpy_ann_golden.py
(`python3` from a pyenv on PATH has no numpy.) It holds the original homework's NumpyANN
written the natural NumPy way, and writes numpy_ann.json beside this script with:
  * example: the doc-comment examples of solution/numpy_ann.hpp, NumpyANN(5, 3, 2, 0.01)
    with seed 42 -- the full arrays, plus `printed`, the repr NumPy prints for each;
  * train_small: a 10-sample set trained with batch 4 (3 updates per epoch, the last one
    on 2 samples) for 20 epochs: its data, the two progress lines and the final weights;
  * run: the assignment's run (784-64-10, lr 0.01, 250 epochs, batch 64, on the split of
    docs/assignment.md): the 25 progress lines, the full-precision values behind them,
    and the test accuracy with its printed line.
Regenerating on the same Debian packages must leave `git diff` empty. FMNIST_DIR
overrides /usr/share/datasets/fashion-mnist, as for `make data`.
"""
import contextlib
import gzip
import io
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.environ.get("FMNIST_DIR") or "/usr/share/datasets/fashion-mnist"


class NumpyANN:
    """The homework's network, as a student would write it in NumPy."""

    def __init__(self, input_size, hidden_size, output_size, lr, random_seed=42):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.lr = lr
        np.random.seed(random_seed)
        self.W1 = np.random.randn(input_size, hidden_size) * 0.01
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size) * 0.01
        self.b2 = np.zeros((1, output_size))
        self.history = []  # not in the homework: the unrounded values behind each progress line

    def _relu(self, z):
        return np.maximum(0, z)

    def _relu_grad(self, z):
        return (z > 0).astype(float)

    def _softmax(self, z):
        exp_z = np.exp(z - np.max(z, axis=1, keepdims=True))
        return exp_z / np.sum(exp_z, axis=1, keepdims=True)

    def _cross_entropy(self, y_pred, y_true):
        m = y_true.shape[0]
        return -np.sum(y_true * np.log(y_pred)) / m

    def _forward(self, X, training=True):
        z1 = X @ self.W1 + self.b1
        a1 = self._relu(z1)
        z2 = a1 @ self.W2 + self.b2
        a2 = self._softmax(z2)
        if training:
            self.z1, self.a1, self.z2, self.a2 = z1, a1, z2, a2
        return a2

    def _backward(self, X, y_true):
        m = X.shape[0]
        dz2 = self.a2 - y_true
        dW2 = self.a1.T @ dz2 / m
        db2 = np.sum(dz2, axis=0, keepdims=True) / m
        dz1 = (dz2 @ self.W2.T) * self._relu_grad(self.z1)
        dW1 = X.T @ dz1 / m
        db1 = np.sum(dz1, axis=0, keepdims=True) / m
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1

    def train(self, X_train, y_train, X_val, y_val, epochs, batch_size):
        for epoch in range(epochs):
            for i in range(0, X_train.shape[0], batch_size):
                X_batch = X_train[i:i + batch_size]
                y_batch = y_train[i:i + batch_size]
                self._forward(X_batch)
                self._backward(X_batch, y_batch)
            train_loss = self._cross_entropy(self._forward(X_train, training=False), y_train)
            train_acc = self.accuracy(X_train, y_train)
            val_loss = self._cross_entropy(self._forward(X_val, training=False), y_val)
            val_acc = self.accuracy(X_val, y_val)
            if (epoch + 1) % 10 == 0:
                self.history.append({"epoch": epoch + 1, "train_loss": train_loss,
                                     "train_accuracy": train_acc, "val_loss": val_loss,
                                     "val_accuracy": val_acc})
                print(f"[{epoch + 1} / {epochs}] | Train Loss: {train_loss:.5f} | "
                      f"Train Accuracy: {train_acc:.5f} | Val Loss: {val_loss:.5f} | "
                      f"Val Accuracy: {val_acc:.5f}")

    def predict(self, X):
        return self._forward(X, training=False)

    def accuracy(self, X, y_true):
        return np.mean(np.argmax(self.predict(X), axis=1) == np.argmax(y_true, axis=1))


def as_list(a):
    return np.asarray(a).tolist()


def train_capturing(net, *args):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        net.train(*args)
    return buffer.getvalue().splitlines()


def doc_examples():
    net = NumpyANN(5, 3, 2, 0.01)
    out = {"args": {"input_size": 5, "hidden_size": 3, "output_size": 2, "lr": 0.01,
                    "random_seed": 42},
           "W1": as_list(net.W1), "b1": as_list(net.b1),
           "W2": as_list(net.W2), "b2": as_list(net.b2)}
    printed = {"W1": repr(net.W1), "W2": repr(net.W2)}

    z = np.array([-1.0, 0.0, 1.0])
    out["relu"] = {"z": as_list(z), "out": as_list(net._relu(z))}
    out["relu_grad"] = {"z": as_list(z), "out": as_list(net._relu_grad(z))}
    printed["relu"] = repr(net._relu(z))
    printed["relu_grad"] = repr(net._relu_grad(z))

    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1000.0]])
    out["softmax"] = {"z": as_list(z), "out": as_list(net._softmax(z))}
    printed["softmax"] = repr(net._softmax(z))
    z10 = np.arange(20, dtype=float).reshape(2, 10) / 7.0 - 1.0  # 10 classes: NumPy's 8-way row sum
    out["softmax10"] = {"z": as_list(z10), "out": as_list(net._softmax(z10))}

    y_pred = np.array([[0.5, 0.5], [0.5, 0.5]])
    y_true = np.array([[1.0, 0.0], [0.0, 1.0]])
    ce = net._cross_entropy(y_pred, y_true)
    out["cross_entropy"] = {"y_pred": as_list(y_pred), "y_true": as_list(y_true), "out": ce}
    printed["cross_entropy"] = repr(ce)
    y_pred2 = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.25, 0.5]])
    y_true2 = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    out["cross_entropy3"] = {"y_pred": as_list(y_pred2), "y_true": as_list(y_true2),
                             "out": net._cross_entropy(y_pred2, y_true2)}

    X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    a2 = net._forward(X)
    out["forward"] = {"X": as_list(X), "z1": as_list(net.z1), "a1": as_list(net.a1),
                      "z2": as_list(net.z2), "a2": as_list(a2)}
    printed["forward"] = repr(a2)
    printed["z1"] = repr(net.z1)

    y = np.array([[0.0, 1.0]])
    net._backward(X, y)
    out["backward"] = {"X": as_list(X), "y_true": as_list(y), "W1": as_list(net.W1),
                       "b1": as_list(net.b1), "W2": as_list(net.W2), "b2": as_list(net.b2)}
    printed["backward_W2"] = repr(net.W2)
    printed["backward_b2"] = repr(net.b2)

    p = net.predict(X)
    out["predict"] = {"X": as_list(X), "out": as_list(p)}
    printed["predict"] = repr(p)

    X_acc = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [5.0, 4.0, 3.0, 2.0, 1.0],
                      [-1.0, 0.0, 1.0, 0.0, -1.0]])
    y_acc = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    acc = net.accuracy(X_acc, y_acc)
    out["accuracy"] = {"X": as_list(X_acc), "y_true": as_list(y_acc), "out": float(acc),
                       "argmax": as_list(np.argmax(net.predict(X_acc), axis=1))}
    printed["accuracy"] = repr(float(acc))
    out["printed"] = printed
    return out


def train_small():
    rs = np.random.RandomState(7)
    X = rs.randn(10, 5)
    y = np.eye(2)[(X.sum(axis=1) > 0).astype(int)]
    X_val = rs.randn(4, 5)
    y_val = np.eye(2)[(X_val.sum(axis=1) > 0).astype(int)]
    net = NumpyANN(5, 3, 2, 0.5)
    lines = train_capturing(net, X, y, X_val, y_val, 20, 4)
    return {"args": {"input_size": 5, "hidden_size": 3, "output_size": 2, "lr": 0.5,
                     "random_seed": 42, "epochs": 20, "batch_size": 4},
            "X_train": as_list(X), "y_train": as_list(y),
            "X_val": as_list(X_val), "y_val": as_list(y_val),
            "progress_lines": lines,
            "W1": as_list(net.W1), "b1": as_list(net.b1),
            "W2": as_list(net.W2), "b2": as_list(net.b2)}


def load_images(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)


def load_labels(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


def assignment_run():
    X = load_images("train-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y = np.eye(10)[load_labels("train-labels-idx1-ubyte.gz")]
    X_test_all = load_images("t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0
    y_test_all = np.eye(10)[load_labels("t10k-labels-idx1-ubyte.gz")]
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=2000, test_size=200, random_state=42)
    X_test, _, y_test, _ = train_test_split(
        X_test_all, y_test_all, train_size=200, test_size=1, random_state=42)

    hidden, lr, epochs, batch_size = 64, 0.01, 250, 64
    net = NumpyANN(784, hidden, 10, lr)
    lines = train_capturing(net, X_train, y_train, X_val, y_val, epochs, batch_size)
    test_accuracy = float(net.accuracy(X_test, y_test))
    return {"args": {"input_size": 784, "hidden_size": hidden, "output_size": 10, "lr": lr,
                     "random_seed": 42, "epochs": epochs, "batch_size": batch_size},
            "progress_lines": lines,
            "history": net.history,
            "test_accuracy": test_accuracy,
            "test_accuracy_line": f"Accuracy on test set: {test_accuracy:.5f}"}


def main():
    golden = {
        "about": "written by the instructors' NumPy script (numpy %s, scikit-learn %s, "
                 "OPENBLAS_NUM_THREADS=%s)" % (np.__version__, sklearn.__version__,
                                               os.environ["OPENBLAS_NUM_THREADS"]),
        "example": doc_examples(),
        "train_small": train_small(),
        "run": assignment_run(),
    }
    with open(os.path.join(HERE, "numpy_ann.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    for line in golden["run"]["progress_lines"]:
        print(line)
    print(golden["run"]["test_accuracy_line"])


if __name__ == "__main__":
    main()
