#!/usr/bin/python3
"""`make bench`: nnkit's three reference programs against their anchors, side by side.

    /usr/bin/python3 bench/run_bench.py [--build build] [--parts 1,2,3] [--epochs N]
        [--epochs-numpy N] [--epochs-ann N] [--epochs-cnn N] [--threads 1,2]
        [--nnkit-threads N] [--data DIR] [--out out/bench]

Runs, one after the other on this machine: bench/sgemm_peak (the float32 and float64 GEMM
ceilings), then per part the anchor (NumPy for part 1, PyTorch for parts 2 and 3; bench/peer.py) at
every thread count of --threads, and the C++ program build/bin/<part> once. Every run is a
child process: wall time from start to exit, peak RSS from os.wait4. The fastest anchor run
is the anchor; the table gives each run's time and peak RSS as a ratio to it, and for parts
1 and 3 the achieved GFLOP/s against the GEMM peak of their precision (dgemm, sgemm). Writes
bench.md, bench.json and the logs into --out. Only the standard library here: NumPy,
scikit-learn and torch load in the peers. bench/README.md explains the columns and the FLOP
counts.
"""
import argparse
import dataclasses
import datetime
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER_PYTHON = "/usr/bin/python3"  # Debian's, with python3-numpy/sklearn/torch
PEER_SCRIPT = os.path.join(REPO, "bench", "peer.py")
PEER_PACKAGES = ("numpy", "sklearn", "torch")
ACCURACY_LINE = re.compile(r"Accuracy on test set: ([0-9.]+)")


@dataclasses.dataclass(frozen=True)
class Workload:
    """What a part's run computes, for its FLOP count (bench/README.md): the forward FLOPs of
    each layer for one image, and how many evaluation forwards its given train() makes per
    epoch over the training and the validation images (besides the training step's own)."""
    layer_flops: tuple
    train_evaluations: int
    val_evaluations: int
    dtype: str  # "float32" or "float64": which GEMM peak it is compared with


@dataclasses.dataclass(frozen=True)
class Part:
    """One workload: the C++ program, its anchor library and the assignment's epochs."""
    number: int
    title: str
    program: str
    anchor: str
    default_epochs: int
    workload: Workload = None  # None: no FLOP count (part 2, dominated by per-batch overhead)


def conv_flops(convs):
    """Forward FLOPs (2 per multiply-add) of 3×3 convolutions with padding 1, one image."""
    return [2 * c_in * c_out * 3 * 3 * hw * hw for c_in, c_out, hw in convs]


def linear_flops(linears):
    """Forward FLOPs of Linear layers (in, out), one image."""
    return [2 * f_in * f_out for f_in, f_out in linears]


# Part 1 (items 1.7, 1.10): 784-64-10; per epoch, after the mini-batches, loss and accuracy
# over the training and the validation set, each a forward of its own.
ANN_WORKLOAD = Workload(tuple(linear_flops([(784, 64), (64, 10)])), 2, 2, "float64")
# The CNN of item 3.1: 3×3 convolutions with padding 1 (the output keeps the input's H×W,
# each MaxPool2d(2) then floors it: 28 → 14 → 7 → 3 → 1), then two Linear. The given train()
# takes the loss from the training step's forward, then the training accuracy (one more
# forward), then validation loss and accuracy (two).
CNN_CONVS = [(1, 32, 28), (32, 64, 14), (64, 128, 7), (128, 256, 3)]  # (C_in, C_out, H = W)
CNN_LINEARS = [(256, 128), (128, 10)]                                  # (in, out)
CNN_WORKLOAD = Workload(tuple(conv_flops(CNN_CONVS) + linear_flops(CNN_LINEARS)), 1, 2, "float32")
N_TRAIN, N_VAL, N_TEST = 2000, 200, 200

PARTS = {
    1: Part(1, "NumpyANN 784-64-10, batch 64, float64", "numpy_ann", "numpy", 250, ANN_WORKLOAD),
    2: Part(2, "PyTorchANN 784-32-10, batch 64, SGD", "pytorch_ann", "torch", 100),
    3: Part(3, "PyTorchCNN, full batch 2000, Adam", "pytorch_cnn", "torch", 60, CNN_WORKLOAD),
}


@dataclasses.dataclass
class Run:
    """One measured child process."""
    part: int
    name: str
    threads: int
    epochs: int
    command: list
    log: str
    wall_s: float = 0.0
    peak_rss_mib: float = 0.0
    exit_code: int = 0
    test_accuracy: float = None
    gflops: float = None


# ----------------------------------------------------------------------------- command line

def positive(text):
    """A positive integer flag value."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def int_list(text):
    """"1,2" -> [1, 2] (positive integers)."""
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,2, got {text!r}")
    return values


def parse_args(argv):
    """The flags of the module docstring; per-part epochs fall back to --epochs, then to
    the assignment's 250/100/60."""
    parser = argparse.ArgumentParser(description="nnkit against NumPy/PyTorch, side by side "
                                                 "(bench/README.md)")
    parser.add_argument("--build", default="build", help="CMake build folder (default: build)")
    parser.add_argument("--parts", type=int_list, default=[1, 2, 3], help="e.g. 1,2,3 (default)")
    parser.add_argument("--epochs", type=positive,
                        help="epochs of every part (default: the assignment's 250/100/60)")
    for flag, number in (("--epochs-numpy", 1), ("--epochs-ann", 2), ("--epochs-cnn", 3)):
        parser.add_argument(flag, type=positive, metavar="N",
                            help=f"epochs of part {number} (overrides --epochs)")
    parser.add_argument("--threads", type=int_list, default=[1, 2],
                        help="thread counts the anchors run with; the fastest is the anchor "
                             "(default 1,2)")
    parser.add_argument("--nnkit-threads", type=positive,
                        help="OpenBLAS threads of the C++ programs (default: the largest of "
                             "--threads)")
    parser.add_argument("--sgemm-n", type=positive, default=2048, help="sgemm_peak matrix size")
    parser.add_argument("--data", default=os.environ.get("FMNIST_DIR")
                        or "/usr/share/datasets/fashion-mnist", help="Fashion-MNIST folder")
    parser.add_argument("--out", default=os.path.join(REPO, "out", "bench"),
                        help="where bench.md, bench.json and logs/ go (default out/bench)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        parser.error(f"--parts: no part {unknown}; the parts are 1, 2, 3")
    return args


def epochs_of(part, args):
    """The epochs a part runs for, from the flags."""
    specific = {1: args.epochs_numpy, 2: args.epochs_ann, 3: args.epochs_cnn}[part.number]
    return specific or args.epochs or part.default_epochs


# ----------------------------------------------------------------------------- preconditions

def missing_peer_packages():
    """The packages of PEER_PACKAGES that Debian's interpreter cannot import."""
    probe = ("import importlib.util; print(' '.join(m for m in %r "
             "if importlib.util.find_spec(m) is None))" % (PEER_PACKAGES,))
    try:
        result = subprocess.run([PEER_PYTHON, "-c", probe], capture_output=True, text=True)
    except FileNotFoundError:
        return list(PEER_PACKAGES)
    return result.stdout.split() if result.returncode == 0 else list(PEER_PACKAGES)


def check_preconditions(build_bin, parts):
    """Stops with what to run when the anchors' packages or the C++ programs are missing."""
    missing = missing_peer_packages()
    if missing:
        sys.exit(f"bench: {PEER_PYTHON} cannot import {', '.join(missing)} (Debian's "
                 f"python3-numpy, python3-sklearn, python3-torch).\n"
                 f"bench: fix: run `make deps-python`, then `make bench` again.")
    programs = ["sgemm_peak"] + [PARTS[p].program for p in parts]
    absent = [p for p in programs if not os.access(os.path.join(build_bin, p), os.X_OK)]
    if absent:
        sys.exit(f"bench: {', '.join(absent)} not found in {build_bin}; fix: `make build` "
                 f"(or pass --build to the folder you built).")


# ----------------------------------------------------------------------------- measuring

def measure(run, env=None):
    """Runs run.command with its output in run.log; fills wall time, peak RSS, exit code and
    the test accuracy the program printed."""
    with open(run.log, "w") as log:
        start = time.perf_counter()
        child = subprocess.Popen(run.command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                 env=env)
        try:
            _, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            child.kill()
            child.wait()
            raise
        run.wall_s = time.perf_counter() - start
    child.returncode = run.exit_code = os.waitstatus_to_exitcode(status)
    run.peak_rss_mib = usage.ru_maxrss / 1024.0  # Linux reports KiB
    with open(run.log) as log:
        found = ACCURACY_LINE.findall(log.read())
    run.test_accuracy = float(found[-1]) if found else None
    return run


def gemm_peak(build_bin, n, dtype, logs):
    """bench/sgemm_peak --dtype `dtype` with every core: {"n", "threads", "gflops", ...} from
    its one line."""
    run = Run(0, f"gemm_peak_{dtype}", os.cpu_count(), 0,
              [os.path.join(build_bin, "sgemm_peak"), "--n", str(n), "--dtype", dtype],
              os.path.join(logs, f"gemm_peak_{dtype}.log"))
    measure(run)
    with open(run.log) as log:
        text = log.read()
    fields = dict(re.findall(r"(\w+)=([0-9.]+)", text))
    if run.exit_code != 0 or "gflops" not in fields:
        sys.exit(f"bench: sgemm_peak --dtype {dtype} failed (exit {run.exit_code}):\n{text}")
    return {"dtype": dtype, "n": int(fields["n"]), "threads": int(fields["threads"]),
            "best_s": float(fields["best_s"]), "gflops": float(fields["gflops"])}


def anchor_run(part, epochs, threads, args, logs):
    """The NumPy/PyTorch run of `part` with `threads` threads."""
    name = f"{part.anchor}-{threads}t"
    command = [PEER_PYTHON, PEER_SCRIPT, "--part", str(part.number), "--epochs", str(epochs),
               "--threads", str(threads)]
    run = Run(part.number, name, threads, epochs, command,
              os.path.join(logs, f"part{part.number}-{name}.log"))
    env = dict(os.environ, FMNIST_DIR=args.data, PYTHONDONTWRITEBYTECODE="1")
    return measure(run, env)


def nnkit_run(part, epochs, threads, args, build_bin, logs):
    """The C++ program of `part`, plots into logs/part<N>-plots."""
    plots = os.path.join(logs, f"part{part.number}-plots")
    os.makedirs(plots, exist_ok=True)
    name = f"nnkit-{threads}t"
    command = [os.path.join(build_bin, part.program), "--epochs", str(epochs), "--threads",
               str(threads), "--data", args.data, "--out", plots]
    run = Run(part.number, name, threads, epochs, command,
              os.path.join(logs, f"part{part.number}-{name}.log"))
    return measure(run)


def say(text):
    """Progress on stderr, so the table on stdout stays clean."""
    print(text, file=sys.stderr, flush=True)


def run_part(part, args, build_bin, logs):
    """Every anchor thread count, then nnkit; returns the runs in that order."""
    epochs = epochs_of(part, args)
    threads = args.nnkit_threads or max(args.threads)
    runs = []
    for t in args.threads:
        say(f"bench: part {part.number}: {part.anchor}, {t} thread(s), {epochs} epochs ...")
        runs.append(anchor_run(part, epochs, t, args, logs))
        say(f"bench:   {runs[-1].wall_s:.1f} s")
    say(f"bench: part {part.number}: nnkit {part.program}, {threads} thread(s), "
        f"{epochs} epochs ...")
    runs.append(nnkit_run(part, epochs, threads, args, build_bin, logs))
    say(f"bench:   {runs[-1].wall_s:.1f} s")
    return runs


# ----------------------------------------------------------------------------- FLOPs

def run_flops(workload, epochs):
    """FLOPs of a whole run (bench/README.md): per epoch the training pass over the 2000
    images (forward, and backward = 2× forward: input and weight gradients, except the first
    layer's input gradient, which nobody computes) and the evaluation forwards over the
    training and validation images; at the end the 200 test images."""
    forward = sum(workload.layer_flops)
    backward = 2 * forward - workload.layer_flops[0]
    per_epoch = (N_TRAIN * (forward + backward) + workload.train_evaluations * N_TRAIN * forward
                 + workload.val_evaluations * N_VAL * forward)
    return epochs * per_epoch + N_TEST * forward


# ----------------------------------------------------------------------------- the report

def summarise_part(part, runs, peaks):
    """Ratios to the anchor (the fastest anchor run); where the part has a FLOP count, GFLOP/s
    against the GEMM peak of its precision (`peaks`: dtype -> gemm_peak's dict) and the floor:
    the time its FLOPs take at that peak. A JSON-ready dict."""
    anchors = [r for r in runs if r.name.startswith(part.anchor)]
    best = min(anchors, key=lambda r: r.wall_s)
    nnkit = runs[-1]
    flops = run_flops(part.workload, nnkit.epochs) if part.workload else None
    peak_gflops = peaks[part.workload.dtype]["gflops"] if part.workload else None
    rows = []
    for r in runs:
        if flops:
            r.gflops = flops / r.wall_s / 1e9
        row = dataclasses.asdict(r)
        row["command"] = " ".join(os.path.relpath(c, REPO) if c.startswith(REPO) else c
                                  for c in r.command)
        row["log"] = os.path.basename(r.log)
        row.update(time_ratio=r.wall_s / best.wall_s, rss_ratio=r.peak_rss_mib / best.peak_rss_mib,
                   is_anchor=r is best,
                   percent_of_peak=100.0 * r.gflops / peak_gflops if r.gflops else None)
        rows.append(row)
    floor_s = flops / (peak_gflops * 1e9) if flops else None
    return {"part": part.number, "title": part.title, "program": part.program,
            "epochs": nnkit.epochs, "anchor": best.name, "flops": flops,
            "peak_dtype": part.workload.dtype if part.workload else None,
            "floor_s": floor_s, "floor_ratio": floor_s / best.wall_s if flops else None,
            "runs": rows, "nnkit_time_ratio": nnkit.wall_s / best.wall_s,
            "nnkit_rss_ratio": nnkit.peak_rss_mib / best.peak_rss_mib}


def cell(value, fmt):
    """A number formatted, or an en dash when there is none."""
    return "–" if value is None else format(value, fmt)


def table_row(part, row):
    """One markdown table line."""
    time_ratio = "1.00 (anchor)" if row["is_anchor"] else f"{row['time_ratio']:.2f}"
    rss_ratio = "1.00 (anchor)" if row["is_anchor"] else f"{row['rss_ratio']:.2f}"
    accuracy = cell(row["test_accuracy"], ".3f")
    if row["test_accuracy"] is None:
        accuracy = f"FAILED (exit {row['exit_code']}, see logs/{row['log']})"
    return (f"| {part['part']} | {row['name']} | {row['epochs']} | {row['wall_s']:.2f} | "
            f"{time_ratio} | {row['peak_rss_mib']:.0f} | {rss_ratio} | {accuracy} | "
            f"{cell(row['gflops'], '.1f')} | {cell(row['percent_of_peak'], '.1f')} |")


def markdown(report):
    """The whole report as markdown: header lines, the table, one verdict line per part."""
    peaks = report["gemm_peaks"]
    lines = [f"# make bench, {report['date']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
             f"load average {report['machine']['load_before']} before, "
             f"{report['machine']['load_after']} after.  ",
             f"Peers: {report['versions']}.  ",
             f"GEMM peaks (OpenBLAS, n={peaks['float32']['n']}, {peaks['float32']['threads']} "
             f"threads): sgemm **{peaks['float32']['gflops']:.1f} GFLOP/s** (part 3), dgemm "
             f"**{peaks['float64']['gflops']:.1f} GFLOP/s** (part 1).", "",
             "| part | run | epochs | wall s | time × anchor | peak RSS MiB | RSS × anchor "
             "| test acc | GFLOP/s | % of GEMM peak |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for part in report["parts"]:
        lines += [table_row(part, row) for row in part["runs"]]
    lines.append("")
    for part in report["parts"]:
        nnkit = part["runs"][-1]
        line = (f"Part {part['part']} ({part['title']}): nnkit takes "
                f"**{part['nnkit_time_ratio']:.2f}×** the time of the anchor "
                f"({part['anchor']}) and {part['nnkit_rss_ratio']:.2f}× its peak RSS")
        if nnkit["percent_of_peak"] is not None:
            gemm = "sgemm" if part["peak_dtype"] == "float32" else "dgemm"
            amount = (f"{part['flops'] / 1e12:.2f} TFLOP" if part["flops"] >= 1e12
                      else f"{part['flops'] / 1e9:.1f} GFLOP")
            line += (f"; {amount} in {nnkit['wall_s']:.1f} s = "
                     f"{nnkit['gflops']:.1f} GFLOP/s, {nnkit['percent_of_peak']:.1f} % of the "
                     f"{gemm} peak. At that peak the FLOPs alone take {part['floor_s']:.2f} s = "
                     f"{part['floor_ratio']:.2f}× the anchor, a floor for any run that computes them")
        lines.append(line + ".  ")
    lines += ["", "Times are whole processes (start-up and data loading included). An nnkit "
              "program exits 1 when its test accuracy is below the assignment's threshold, "
              "as it is with few epochs: that is not a failure of the benchmark."]
    return "\n".join(lines) + "\n"


def machine():
    """CPU model, core count and the load average now (the machine may be shared)."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load_before": load_average()}


def load_average():
    """The 1-minute load average, as text."""
    return f"{os.getloadavg()[0]:.2f}"


def versions():
    """The anchors' package versions, as installed for Debian's interpreter."""
    found = []
    for dist in ("numpy", "scikit-learn", "torch"):
        try:
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{dist} ?")
    return ", ".join(found)


def write_report(report, out):
    """bench.json and bench.md into `out`; returns the markdown."""
    text = markdown(report)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "bench.md"), "w") as f:
        f.write(text)
    return text


def main(argv):
    """Measures the peak, then every part; prints and writes the report. Exit 1 when a run
    printed no test accuracy (it crashed), 0 otherwise."""
    args = parse_args(argv)
    build_bin = os.path.join(os.path.abspath(args.build), "bin")
    check_preconditions(build_bin, args.parts)
    logs = os.path.join(os.path.abspath(args.out), "logs")
    os.makedirs(logs, exist_ok=True)
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
              "command": ["bench/run_bench.py"] + argv, "machine": machine(),
              "versions": versions()}
    if float(report["machine"]["load_before"]) > 0.5:
        say(f"bench: warning: load average {report['machine']['load_before']} before starting: "
            "other work on this machine will slow every run down")
    report["gemm_peaks"] = {}
    for dtype in ("float32", "float64"):
        say(f"bench: GEMM peak, {dtype} ...")
        report["gemm_peaks"][dtype] = gemm_peak(build_bin, args.sgemm_n, dtype, logs)
        say(f"bench:   {report['gemm_peaks'][dtype]['gflops']:.1f} GFLOP/s")
    report["parts"] = [summarise_part(PARTS[p], run_part(PARTS[p], args, build_bin, logs),
                                      report["gemm_peaks"]) for p in args.parts]
    report["machine"]["load_after"] = load_average()
    print(write_report(report, args.out), end="")
    say(f"bench: written {os.path.relpath(os.path.join(args.out, 'bench.md'))} and bench.json")
    crashed = [r for p in report["parts"] for r in p["runs"] if r["test_accuracy"] is None]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
