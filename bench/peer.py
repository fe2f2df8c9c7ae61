#!/usr/bin/python3
"""One anchor workload of `make bench`, in a process of its own (so its peak RSS is its own).

    /usr/bin/python3 bench/peer.py --part 1|2|3 --epochs N --threads T

Part 1 trains NumpyANN with NumPy, parts 2 and 3 PyTorchANN and PyTorchCNN with PyTorch, on
the assignment's split (docs/assignment.md) with its hyper-parameters, then prints
"Accuracy on test set: x" as the C++ programs do. The networks and the data loaders are the
golden scripts' own (solution/golden/make_*_golden.py), imported from their files, not
copied: the anchor is the same code that produced the committed golden values. Run it with
Debian's interpreter (/usr/bin/python3); FMNIST_DIR overrides the dataset folder.
"""
import argparse
import importlib.util
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN_DIR = os.path.join(REPO, "solution", "golden")
GOLDEN_SCRIPT = {1: "make_numpy_ann_golden.py", 2: "make_pytorch_ann_golden.py",
                 3: "make_pytorch_cnn_golden.py"}


def parse_args(argv):
    """--part, --epochs, --threads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", type=int, choices=sorted(GOLDEN_SCRIPT), required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    return parser.parse_args(argv)


def pin_threads(threads):
    """Thread counts for OpenBLAS and OpenMP: read once when NumPy/torch load, so set first."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def load_golden(part):
    """Imports solution/golden/make_*_golden.py for `part` as a module (its main() does not run)."""
    name = GOLDEN_SCRIPT[part][:-len(".py")]
    path = os.path.join(GOLDEN_DIR, GOLDEN_SCRIPT[part])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assignment_split(golden, feature_shape):
    """(X_train, y_train, X_val, y_val, X_test, y_test) as float64 NumPy arrays, pixels / 255,
    one-hot labels; the assignment's 2000/200 and 200 draws with random_state 42."""
    import numpy as np
    from sklearn.model_selection import train_test_split
    sides = {}
    for source, (kept, held_out) in (("train", (2000, 200)), ("t10k", (200, 1))):
        images = golden.load_images(source + "-images-idx3-ubyte.gz")
        labels = golden.load_labels(source + "-labels-idx1-ubyte.gz")
        sides[source] = train_test_split(images.reshape((-1,) + feature_shape) / 255.0,
                                         np.eye(10)[labels], train_size=kept,
                                         test_size=held_out, random_state=42)
    X_train, X_val, y_train, y_val = sides["train"]
    X_test, _, y_test, _ = sides["t10k"]
    return X_train, y_train, X_val, y_val, X_test, y_test


def float32_tensors(arrays):
    """The arrays as float32 torch tensors, as the homework feeds PyTorch."""
    import torch
    return [torch.tensor(a, dtype=torch.float32) for a in arrays]


def run_numpy_ann(golden, epochs, _threads):
    """Part 1: 784-64-10, lr 0.01, batch 64 (item 1.10). Returns the test accuracy."""
    X_train, y_train, X_val, y_val, X_test, y_test = assignment_split(golden, (784,))
    net = golden.NumpyANN(784, 64, 10, 0.01)
    net.train(X_train, y_train, X_val, y_val, epochs, 64)
    return float(net.accuracy(X_test, y_test))


def run_pytorch_ann(golden, epochs, threads):
    """Part 2: 784-32-10, SGD lr 0.2, batch 64 (item 2.6). Returns the test accuracy."""
    golden.torch.set_num_threads(threads)  # the golden script pins 1 when imported
    X_train, y_train, X_val, y_val, X_test, y_test = float32_tensors(
        assignment_split(golden, (784,)))
    net = golden.PyTorchANN(784, 32, 10)
    net.train(X_train, y_train, X_val, y_val, epochs, 64, 0.2)
    return net.accuracy(X_test, y_test)


def run_pytorch_cnn(golden, epochs, threads):
    """Part 3: full batch of 2000, Adam lr 0.002 (item 3.2). Returns the test accuracy."""
    golden.torch.set_num_threads(threads)  # the golden script pins 2 when imported
    X_train, y_train, X_val, y_val, X_test, y_test = float32_tensors(
        assignment_split(golden, (1, 28, 28)))
    net = golden.PyTorchCNN()
    net.train(X_train, y_train, X_val, y_val, epochs=epochs, learning_rate=0.002)
    return net.accuracy(X_test, y_test)


WORKLOAD = {1: run_numpy_ann, 2: run_pytorch_ann, 3: run_pytorch_cnn}


def main(argv):
    """Runs one workload and prints its test accuracy line."""
    args = parse_args(argv)
    pin_threads(args.threads)
    golden = load_golden(args.part)
    accuracy = WORKLOAD[args.part](golden, args.epochs, args.threads)
    print(f"Accuracy on test set: {accuracy:.5f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
