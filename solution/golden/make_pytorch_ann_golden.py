#!/usr/bin/python3
"""Golden values for part 2, PyTorchANN (solution/pytorch_ann.*, public_tests/test_pytorch_ann.cpp).

Run with Debian's interpreter (torch 1.13, numpy 1.24, scikit-learn 1.2), single-threaded:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 solution/golden/make_pytorch_ann_golden.py
(`python3` from a pyenv on PATH has no torch.) It holds the original homework's PyTorchANN
written the natural PyTorch way and writes, beside this script:

  pytorch_ann_examples.json -- the doc-comment examples of solution/pytorch_ann.hpp (what
      torch prints for PyTorchANN(20, 10, 10), PyTorchANN(5, 10, 3).forward(rand(5)) and
      .predict(rand(5, 5))), which the program pytorch_ann checks before training. They are
      computed here with the class below and asserted equal to the library's golden file
      lib/tests/golden/torch/seeding.json ("pytorch_ann_doc"), so the two cannot drift apart.
  pytorch_ann.json -- for the public tests:
    * example: the same doc examples plus the models' parameter names and counts;
    * train_small: a synthetic set drawn by torch.rand (so nnkit redraws it bit for bit:
      no data in the file) of 130 samples with 8 features and 3 classes, trained by
      PyTorchANN(8, 16, 3) with batch 64 (3 updates per epoch, the last on 2 samples),
      lr 0.5, 20 epochs: the per-epoch metrics, progress lines and final parameters;
    * run: the assignment's run (784-32-10, lr 0.2, 100 epochs, batch 64, on the split of
      docs/assignment.md): every epoch's train/val loss and accuracy (the float32 values
      torch computed), the 20 progress lines, the test accuracy with its printed line and
      the 200 test predictions (no labels: the tests read those from the dataset).
Regenerating on the same Debian packages must leave `git diff` empty. FMNIST_DIR
overrides /usr/share/datasets/fashion-mnist, as for `make data`.
"""
import contextlib
import gzip
import io
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch/NumPy load OpenBLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.optim as optim  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SEEDING_JSON = os.path.join(REPO, "lib", "tests", "golden", "torch", "seeding.json")
DATA_DIR = os.environ.get("FMNIST_DIR") or "/usr/share/datasets/fashion-mnist"


class PyTorchANN:
    """The homework's network, as a student would write it with PyTorch."""

    def __init__(self, input_size, hidden_size, output_size, random_seed=42):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.seed = random_seed
        torch.manual_seed(random_seed)
        self.model = nn.Sequential(
            nn.Linear(input_size, hidden_size),
            nn.ReLU(),
            nn.Linear(hidden_size, output_size),
        )
        self.train_val_metrics = {"train_losses": [], "train_accs": [], "val_losses": [],
                                  "val_accs": []}

    def forward(self, X):
        return self.model(X)

    def train(self, X_train, y_train, X_val, y_val, epochs, batch_size, learning_rate):
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.SGD(self.model.parameters(), lr=learning_rate)
        for epoch in range(epochs):
            for X_batch, y_batch in zip(torch.split(X_train, batch_size),
                                        torch.split(y_train, batch_size)):
                self.model.train()
                optimizer.zero_grad()
                outputs = self.forward(X_batch)
                loss = criterion(outputs, torch.argmax(y_batch, dim=1))
                loss.backward()
                optimizer.step()
            self.model.eval()
            with torch.no_grad():
                train_loss = criterion(self.forward(X_train), y_train).item()
                train_acc = self.accuracy(X_train, y_train)
                val_loss = criterion(self.forward(X_val), y_val).item()
                val_acc = self.accuracy(X_val, y_val)
            self.train_val_metrics["train_losses"].append(train_loss)
            self.train_val_metrics["train_accs"].append(train_acc)
            self.train_val_metrics["val_losses"].append(val_loss)
            self.train_val_metrics["val_accs"].append(val_acc)
            if (epoch + 1) % 5 == 0:
                print(f"[{epoch + 1} / {epochs}] | Train Loss: {train_loss:.5f} | "
                      f"Train Accuracy: {train_acc:.5f} | Val Loss: {val_loss:.5f} | "
                      f"Val Accuracy: {val_acc:.5f}")

    def predict(self, X):
        self.model.eval()
        with torch.no_grad():
            return torch.argmax(self.forward(X), dim=1)

    def accuracy(self, X, y):
        return (self.predict(X) == torch.argmax(y, dim=1)).float().mean().item()


def T(t):
    """Tensor -> {"shape", "dtype", "data"} as lib/tests/golden does (float32 values as doubles)."""
    t = t.detach().contiguous()
    dtype = {torch.float32: "float32", torch.int64: "int64"}[t.dtype]
    return {"shape": list(t.shape), "dtype": dtype, "data": t.reshape(-1).tolist()}


def named_parameters(model):
    return [{"name": name, "shape": list(p.shape), "numel": p.numel()}
            for name, p in model.named_parameters()]


def train_capturing(net, *args):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        net.train(*args)
    return buffer.getvalue().splitlines()


def doc_examples():
    """The examples of pytorch_ann.hpp, in the order a doc comment runs them."""
    net20 = PyTorchANN(input_size=20, hidden_size=10, output_size=10)
    ann_20_10_10 = {"args": [20, 10, 10], "str_model": str(net20.model),
                    "named_parameters": named_parameters(net20.model),
                    "num_parameters": sum(p.numel() for p in net20.model.parameters())}

    net = PyTorchANN(5, 10, 3)
    x = torch.rand(5)
    y = net.forward(x)
    x2 = torch.rand(5, 5)
    pred = net.predict(x2)
    ann_5_10_3 = {"args": [5, 10, 3], "str_model": str(net.model),
                  "forward_x": T(x), "forward_out": T(y), "repr_forward_out": repr(y),
                  "predict_x": T(x2), "predict": T(pred), "repr_predict": repr(pred)}

    net = PyTorchANN(5, 10, 3)
    x3 = torch.rand(5, 5)
    pred3 = net.predict(x3)
    predict_first = {"args": [5, 10, 3], "predict_x": T(x3), "predict": T(pred3),
                     "repr_predict": repr(pred3)}
    return {"ann_20_10_10": ann_20_10_10, "ann_5_10_3": ann_5_10_3,
            "ann_5_10_3_predict_first": predict_first}


def check_against_seeding(examples):
    """The library's golden file was made independently: both must say the same."""
    with open(SEEDING_JSON) as f:
        doc = json.load(f)["pytorch_ann_doc"]
    a, b = examples["ann_20_10_10"], doc["ann_20_10_10"]
    assert a["str_model"] == b["str_model"], "ann_20_10_10 str_model differs from seeding.json"
    a, b = examples["ann_5_10_3"], doc["ann_5_10_3"]
    for key in ("str_model", "forward_x", "forward_out", "repr_forward_out", "predict_x",
                "predict", "repr_predict"):
        assert a[key] == b[key], f"ann_5_10_3.{key} differs from seeding.json"
    a, b = examples["ann_5_10_3_predict_first"], doc["ann_5_10_3_predict_first"]
    for key in ("predict_x", "predict", "repr_predict"):
        assert a[key] == b[key], f"ann_5_10_3_predict_first.{key} differs from seeding.json"


def synthetic_set(n, features, classes):
    """n samples of torch.rand(features), labelled by the largest of the first `classes`
    features (one-hot float32): drawn from the seeded stream, so nnkit redraws them exactly."""
    X = torch.rand(n, features)
    y = torch.eye(classes)[torch.argmax(X[:, :classes], dim=1)]
    return X, y


def train_small():
    torch.manual_seed(7)
    X, y = synthetic_set(130, 8, 3)
    X_val, y_val = synthetic_set(30, 8, 3)
    net = PyTorchANN(8, 16, 3)
    epochs, batch_size, lr = 20, 64, 0.5
    lines = train_capturing(net, X, y, X_val, y_val, epochs, batch_size, lr)
    return {"data": "torch.manual_seed(7); X = rand(130, 8); X_val = rand(30, 8) (drawn right "
                    "after X); labels: one-hot of argmax of the first 3 columns",
            "data_seed": 7, "n_train": 130, "n_val": 30,
            "args": {"input_size": 8, "hidden_size": 16, "output_size": 3, "random_seed": 42,
                     "epochs": epochs, "batch_size": batch_size, "learning_rate": lr},
            "y_train_classes": torch.argmax(y, dim=1).tolist(),
            "y_val_classes": torch.argmax(y_val, dim=1).tolist(),
            "metrics": net.train_val_metrics,
            "progress_lines": lines,
            "params": {name: T(p) for name, p in net.model.named_parameters()}}


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
    as_tensor = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    X_train, y_train, X_val, y_val, X_test, y_test = map(
        as_tensor, (X_train, y_train, X_val, y_val, X_test, y_test))

    hidden, epochs, batch_size, lr = 32, 100, 64, 0.2
    net = PyTorchANN(784, hidden, 10)
    lines = train_capturing(net, X_train, y_train, X_val, y_val, epochs, batch_size, lr)
    test_accuracy = net.accuracy(X_test, y_test)
    return {"args": {"input_size": 784, "hidden_size": hidden, "output_size": 10,
                     "random_seed": 42, "epochs": epochs, "batch_size": batch_size,
                     "learning_rate": lr},
            "metrics": net.train_val_metrics,
            "progress_lines": lines,
            "test_accuracy": test_accuracy,
            "test_accuracy_line": f"Accuracy on test set: {test_accuracy:.5f}",
            "test_predictions": net.predict(X_test).tolist()}


def write(name, obj):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(obj, f, indent=1, allow_nan=False)
        f.write("\n")


def main():
    about = ("written by the instructors' PyTorch script (torch %s, numpy %s, "
             "scikit-learn %s, torch.set_num_threads(1), OPENBLAS_NUM_THREADS=%s)"
             % (torch.__version__, np.__version__, sklearn.__version__,
                os.environ["OPENBLAS_NUM_THREADS"]))
    examples = doc_examples()
    check_against_seeding(examples)
    write("pytorch_ann_examples.json", {"about": about, **examples})
    golden = {"about": about, "example": examples, "train_small": train_small(),
              "run": assignment_run()}
    write("pytorch_ann.json", golden)
    run = golden["run"]
    for line in run["progress_lines"]:
        print(line)
    print(run["test_accuracy_line"])
    print("last epoch: train acc %.5f, val acc %.5f" % (run["metrics"]["train_accs"][-1],
                                                       run["metrics"]["val_accs"][-1]),
          file=sys.stderr)


if __name__ == "__main__":
    main()
