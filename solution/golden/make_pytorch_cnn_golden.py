#!/usr/bin/python3
"""Golden values for part 3, PyTorchCNN (solution/pytorch_cnn.*, public_tests/test_pytorch_cnn.cpp,
the program pytorch_cnn).

Run from anywhere with Debian's interpreter (torch 1.13, numpy 1.24, scikit-learn 1.2):
    /usr/bin/python3 solution/golden/make_pytorch_cnn_golden.py
(`python3` from a pyenv on PATH has no torch.) It takes about 5 minutes on 2 cores. It
holds the original homework's PyTorchCNN as a student would write it in PyTorch and writes
pytorch_cnn.json beside this script with:
  * model: str(model) with seed 42, named_parameters (names, shapes), the parameter count,
    named_buffers, and every initial parameter as a summary (first 50 and last 10 values,
    exact double sums of the float32 values, min, max): equal values prove equal seeding;
  * examples: the doc-comment examples of solution/pytorch_cnn.hpp --
      PyTorchCNN() then x = torch.rand(2, 1, 28, 28): eval-mode logits and predict(x);
      PyTorchCNN() then x = torch.rand(4, 1, 28, 28): train-mode logits (four dropout
      masks drawn in forward order after x) and the BatchNorm buffers afterwards;
  * run: the assignment's run (torch.manual_seed(42), Adam lr 0.002, full batch of 2000
    images, 60 epochs, CrossEntropyLoss against one-hot float targets, validation under
    no_grad in eval mode) on the split of docs/assignment.md: per-epoch metrics at full
    precision, the 60 progress lines, the test accuracy and its printed line, wall time.
The run's later epochs depend on float32 summation order (torch runs conv through oneDNN
with 2 threads), so the C++ tests compare its first epoch tightly and the rest by shape;
regenerating on another machine may change the later digits. FMNIST_DIR overrides
/usr/share/datasets/fashion-mnist, as for `make data`.
"""
import contextlib
import gzip
import io
import json
import math
import os
import sys
import time

import numpy as np
import sklearn
import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.environ.get("FMNIST_DIR") or "/usr/share/datasets/fashion-mnist"
THREADS = 2

torch.set_num_threads(THREADS)


class PyTorchCNN:
    """The homework's CNN, as the original wrote it."""

    def __init__(self, num_classes=10, random_seed=42):
        self.num_classes = num_classes
        torch.manual_seed(random_seed)
        np.random.seed(random_seed)
        self.model = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(32),
            nn.Dropout(0.3),
            nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(64),
            nn.Dropout(0.3),
            nn.Conv2d(64, 128, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(128),
            nn.Dropout(0.3),
            nn.Conv2d(128, 256, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(256),
            nn.Dropout(0.3),
            nn.Flatten(),
            nn.Linear(256, 128),
            nn.ReLU(),
            nn.Linear(128, num_classes),
        )
        self.train_val_metrics = {"train_losses": [], "train_accs": [], "val_losses": [],
                                  "val_accs": []}

    def forward(self, X):
        return self.model(X)

    def train(self, X_train, y_train, X_val, y_val, epochs=10, learning_rate=0.001):
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.Adam(self.model.parameters(), lr=learning_rate)
        for epoch in range(epochs):
            self.model.train()
            optimizer.zero_grad()
            outputs = self.forward(X_train)
            loss = criterion(outputs, y_train)
            loss.backward()
            optimizer.step()
            train_loss = loss.item()
            train_acc = self.accuracy(X_train, y_train)
            self.model.eval()
            with torch.no_grad():
                val_outputs = self.forward(X_val)
                val_loss = criterion(val_outputs, y_val).item()
                val_acc = self.accuracy(X_val, y_val)
            self.train_val_metrics["train_losses"].append(train_loss)
            self.train_val_metrics["train_accs"].append(train_acc)
            self.train_val_metrics["val_losses"].append(val_loss)
            self.train_val_metrics["val_accs"].append(val_acc)
            print(f"[{epoch + 1} / {epochs}] | Train Loss: {train_loss:.5f} | "
                  f"Train Accuracy: {train_acc:.5f} | Val Loss: {val_loss:.5f} | "
                  f"Val Accuracy: {val_acc:.5f}", flush=True)

    def predict(self, X):
        self.model.eval()
        with torch.no_grad():
            return torch.argmax(self.forward(X), dim=1)

    def accuracy(self, X, y):
        return (self.predict(X) == torch.argmax(y, dim=1)).float().mean().item()


# ----------------------------------------------------------------------------- helpers

def T(t):
    """Tensor -> {"shape", "dtype", "data"} (flat, row-major; float32 values as Python floats)."""
    t = t.detach().contiguous()
    dtype = {torch.float32: "float32", torch.int64: "int64"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "data": t.reshape(-1).tolist()}


def summary(t, head=50, tail=10):
    """A parameter as first/last values and exact double sums of its float32 values."""
    flat = t.detach().contiguous().reshape(-1).tolist()
    return {"shape": list(t.shape), "numel": len(flat), "head": flat[:head], "tail": flat[-tail:],
            "sum": math.fsum(flat), "sum_abs": math.fsum(abs(v) for v in flat),
            "min": min(flat), "max": max(flat)}


def model_section():
    cnn = PyTorchCNN()
    m = cnn.model
    return {
        "seed": 42,
        "str": str(m),
        "num_parameters": sum(p.numel() for p in m.parameters()),
        "named_parameters": [{"name": n, "shape": list(p.shape)} for n, p in m.named_parameters()],
        "named_buffers": [{"name": n, "shape": list(b.shape), "dtype": str(b.dtype).replace("torch.", "")}
                          for n, b in m.named_buffers()],
        "initial_parameters": {n: summary(p) for n, p in m.named_parameters()},
    }


def examples_section():
    out = {}
    cnn = PyTorchCNN()
    x = torch.rand(2, 1, 28, 28)
    cnn.model.eval()
    with torch.no_grad():
        logits = cnn.forward(x)
    pred = cnn.predict(x)
    out["eval"] = {
        "code": "cnn = PyTorchCNN(); x = torch.rand(2, 1, 28, 28); cnn.model.eval(); "
                "cnn.forward(x); cnn.predict(x)",
        "x": summary(x), "logits": T(logits), "predict": T(pred),
        "printed_logits": repr(logits), "printed_predict": repr(pred)}

    cnn = PyTorchCNN()
    x = torch.rand(4, 1, 28, 28)
    cnn.model.train()
    logits = cnn.forward(x)
    out["train"] = {
        "code": "cnn = PyTorchCNN(); x = torch.rand(4, 1, 28, 28); cnn.model.train(); cnn.forward(x)",
        "x": summary(x), "logits": T(logits), "printed_logits": repr(logits),
        "buffers_after": {n: (T(b) if b.dim() > 0 else int(b.item()))
                          for n, b in cnn.model.named_buffers() if n.startswith("3.")}}
    return out


def load_images(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)


def load_labels(name):
    with gzip.open(os.path.join(DATA_DIR, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


def assignment_run(epochs=60, learning_rate=0.002):
    # As the homework: N×1×28×28 images / 255, one-hot labels, float32 tensors.
    X = load_images("train-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28) / 255.0
    y = np.eye(10)[load_labels("train-labels-idx1-ubyte.gz")]
    X_test_all = load_images("t10k-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28) / 255.0
    y_test_all = np.eye(10)[load_labels("t10k-labels-idx1-ubyte.gz")]
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=2000, test_size=200, random_state=42)
    X_test, _, y_test, _ = train_test_split(
        X_test_all, y_test_all, train_size=200, test_size=1, random_state=42)
    as_tensor = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    X_train, y_train, X_val, y_val, X_test, y_test = map(
        as_tensor, (X_train, y_train, X_val, y_val, X_test, y_test))

    cnn = PyTorchCNN()
    initial = {n: summary(p) for n, p in cnn.model.named_parameters()}
    buffer = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        cnn.train(X_train, y_train, X_val, y_val, epochs=epochs, learning_rate=learning_rate)
    seconds = time.perf_counter() - start
    lines = buffer.getvalue().splitlines()
    test_accuracy = cnn.accuracy(X_test, y_test)
    return {
        "args": {"num_classes": 10, "random_seed": 42, "epochs": epochs,
                 "learning_rate": learning_rate, "batch": "full (2000 images)"},
        "data": {"X_train": list(X_train.shape), "X_val": list(X_val.shape),
                 "X_test": list(X_test.shape), "X_train_sum": float(X_train.double().sum()),
                 "y_train_class_counts": torch.bincount(y_train.argmax(1), minlength=10).tolist()},
        "initial_parameters": initial,
        "train_val_metrics": cnn.train_val_metrics,
        "progress_lines": lines,
        "test_accuracy": test_accuracy,
        "test_accuracy_line": f"Accuracy on test set: {test_accuracy:.5f}",
        "wall_seconds": round(seconds, 1),
    }


def main():
    golden = {
        "about": "written by the instructors' PyTorch script (torch %s, numpy %s, "
                 "scikit-learn %s, python %s, torch.set_num_threads(%d))"
                 % (torch.__version__, np.__version__, sklearn.__version__, sys.version.split()[0],
                    THREADS),
        "model": model_section(),
        "examples": examples_section(),
    }
    golden["run"] = assignment_run()
    with open(os.path.join(HERE, "pytorch_cnn.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    for line in golden["run"]["progress_lines"]:
        print(line)
    print(golden["run"]["test_accuracy_line"])
    print(f"({golden['run']['wall_seconds']} s)")


if __name__ == "__main__":
    main()
