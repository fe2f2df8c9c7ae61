#!/usr/bin/python3
"""Golden values for the logistic-regression example assignment (logistic_regression.hpp).

Run with Debian's interpreter and its python3-numpy (1.24), single-threaded:
    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 make_logistic_regression_golden.py
It holds LogisticRegression written the natural NumPy way and writes
logistic_regression.json beside this script with:
  * example: the doc-comment examples of logistic_regression.hpp: LogisticRegression(5, 3)
    with seed 42 (W, b), predict_proba of two rows, predict_proba with logits near 1000,
    then 3 epochs of train on a 6-sample set with lr 0.1 (the data and W, b after), and
    predict and accuracy of the trained model on that set;
  * printed: the repr NumPy prints for each, as the doc comments show them.
Regenerating on the same Debian packages must leave `git diff` empty.
"""
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class LogisticRegression:
    """Softmax regression as a student would write it in NumPy."""

    def __init__(self, input_size, output_size, random_seed=42):
        np.random.seed(random_seed)
        self.W = np.random.randn(input_size, output_size) * 0.01
        self.b = np.zeros((1, output_size))

    def predict_proba(self, X):
        z = X @ self.W + self.b
        exp_z = np.exp(z - np.max(z, axis=1, keepdims=True))
        return exp_z / np.sum(exp_z, axis=1, keepdims=True)

    def train(self, X, Y, epochs, lr):
        m = X.shape[0]
        for _ in range(epochs):
            dZ = self.predict_proba(X) - Y
            dW = X.T @ dZ / m
            db = np.sum(dZ, axis=0, keepdims=True) / m
            self.W -= lr * dW
            self.b -= lr * db

    def predict(self, X):
        return np.argmax(self.predict_proba(X), axis=1)

    def accuracy(self, X, Y):
        return np.mean(self.predict(X) == np.argmax(Y, axis=1))


def as_list(a):
    return np.asarray(a).tolist()


def examples():
    model = LogisticRegression(5, 3)
    out = {"args": {"input_size": 5, "output_size": 3, "random_seed": 42},
           "W": as_list(model.W), "b": as_list(model.b)}
    printed = {"W": repr(model.W), "b": repr(model.b)}

    X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [-1.0, 0.0, 1.0, 0.0, -1.0]])
    p = model.predict_proba(X)
    out["predict_proba"] = {"X": as_list(X), "out": as_list(p)}
    printed["predict_proba"] = repr(p)

    # Logits near 1000: exp overflows unless the row maximum is subtracted first.
    large = LogisticRegression(5, 3)
    large.b = np.array([[1000.0, 1001.0, 1002.0]])
    X_zero = np.zeros((1, 5))
    p_large = large.predict_proba(X_zero)
    out["large_logits"] = {"b": as_list(large.b), "X": as_list(X_zero), "out": as_list(p_large)}
    printed["large_logits"] = repr(p_large)

    # Six samples labelled by the largest of their first three features.
    rs = np.random.RandomState(7)
    X_small = rs.randn(6, 5)
    Y_small = np.eye(3)[np.argmax(X_small[:, :3], axis=1)]
    model.train(X_small, Y_small, 3, 0.1)
    out["train"] = {"X": as_list(X_small), "Y": as_list(Y_small), "epochs": 3, "lr": 0.1,
                    "W": as_list(model.W), "b": as_list(model.b)}
    printed["train_W"] = repr(model.W)
    printed["train_b"] = repr(model.b)

    labels = model.predict(X_small)
    acc = float(model.accuracy(X_small, Y_small))
    out["predict"] = {"X": as_list(X_small), "out": as_list(labels)}
    out["accuracy"] = {"X": as_list(X_small), "Y": as_list(Y_small), "out": acc}
    printed["predict"] = repr(labels)
    printed["accuracy"] = repr(acc)
    return out, printed


def main():
    example, printed = examples()
    golden = {
        "about": "written by make_logistic_regression_golden.py (numpy %s, OPENBLAS_NUM_THREADS=%s)"
                 % (np.__version__, os.environ["OPENBLAS_NUM_THREADS"]),
        "example": example,
        "printed": printed,
    }
    with open(os.path.join(HERE, "logistic_regression.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    for key, text in printed.items():
        print(f"{key}:\n{text}")


if __name__ == "__main__":
    main()
