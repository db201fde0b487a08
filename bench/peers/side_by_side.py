#!/usr/bin/env python3
"""Nn, PyTorch and scikit-learn side by side on Fashion-MNIST: the same data, scaling, 784-256-128-10 ReLU network,
Adam(1e-3), batch 128, no L2, EPOCHS epochs. Each engine runs at 1 and 2 threads (its best is reported) in two
environment configurations: this machine's environment as given (OPENBLAS_CORETYPE as set) and with OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE unset. Runs are interleaved, REPS repetitions each. An engine's figure is the trimmed mean
(minimum and maximum dropped from 3 or more repetitions) of its mean epoch time over epochs 2..EPOCHS; the first epoch
carries JIT compilation and page faults for every engine alike.

Usage: /usr/bin/python3 bench/peers/side_by_side.py [--epochs 10] [--reps 3] [--out bench/peers/out]
Needs: dataset-fashion-mnist, python3-torch, python3-sklearn (Debian); the .NET SDK.
Writes OUT/results.json, OUT/results.md, OUT/seconds-per-epoch.png, OUT/accuracy-vs-time.png.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--reps", type=int, default=3)
parser.add_argument("--out", default=os.path.join(root, "bench", "peers", "out"))
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)

subprocess.run(["dotnet", "build", "-c", "Release", os.path.join(root, "bench", "Nn.Bench"), "-v", "q", "-nologo"], check=True,
               stdout=subprocess.DEVNULL)
bench = os.path.join(root, "bench", "Nn.Bench", "bin", "Release", "net10.0", "Nn.Bench.dll")
python = "/usr/bin/python3"
engines = {
    "Nn": lambda t, j: ["dotnet", bench, "peer-run", "--epochs", str(args.epochs), "--threads", str(t), "--json", j],
    "PyTorch": lambda t, j: [python, os.path.join(root, "bench", "peers", "pytorch_fashion_mnist.py"), "--epochs", str(args.epochs), "--threads", str(t), "--json", j],
    "scikit-learn": lambda t, j: [python, os.path.join(root, "bench", "peers", "sklearn_fashion_mnist.py"), "--epochs", str(args.epochs), "--threads", str(t), "--json", j],
}
given = os.environ.get("OPENBLAS_CORETYPE")
configs = [(f"OPENBLAS_CORETYPE={given}" if given else "environment as given (OPENBLAS_CORETYPE unset)", dict(os.environ)),
           ("OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset", {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")})]
if not given:
    configs = configs[1:]   # the two configurations are the same

runs = []
for config, env in configs:
    for rep in range(1, args.reps + 1):
        for engine, command in engines.items():      # interleaved: every engine and thread count once per repetition
            for threads in (1, 2):
                path = os.path.join(args.out, f"run-{len(runs)}.json")
                started = time.perf_counter()
                subprocess.run(command(threads, path), check=True, env=env, stdout=subprocess.DEVNULL)
                result = json.load(open(path))
                os.remove(path)
                epochs = result["epochs"]
                mean = sum(e["seconds"] for e in epochs[1:]) / max(1, len(epochs) - 1)
                runs.append({"config": config, "engine": engine, "threads": threads, "rep": rep, "version": result["version"],
                             "settings": result["settings"], "seconds_per_epoch": mean, "epochs": epochs})
                print(f"{config:45s} rep {rep} {engine:12s} {threads} thread(s): {mean:.3f} s/epoch, test accuracy "
                      f"{epochs[-1]['test_accuracy']:.4f} ({time.perf_counter() - started:.0f} s)", flush=True)


def trimmed(values):
    values = sorted(values)
    if len(values) >= 3:
        values = values[1:-1]
    return sum(values) / len(values)


summary = []
for config, _ in configs:
    for engine in engines:
        best = None
        for threads in (1, 2):
            mine = [r for r in runs if r["config"] == config and r["engine"] == engine and r["threads"] == threads]
            row = {"config": config, "engine": engine, "threads": threads, "seconds_per_epoch": trimmed([r["seconds_per_epoch"] for r in mine]),
                   "test_accuracy": trimmed([r["epochs"][-1]["test_accuracy"] for r in mine]), "settings": mine[0]["settings"], "version": mine[0]["version"],
                   "all_threads": {}}
            if best is None or row["seconds_per_epoch"] < best["seconds_per_epoch"]:
                best = row
            best["all_threads"][threads] = row["seconds_per_epoch"]
        for threads in (1, 2):
            mine = [r for r in runs if r["config"] == config and r["engine"] == engine and r["threads"] == threads]
            best["all_threads"][threads] = trimmed([r["seconds_per_epoch"] for r in mine])
        summary.append(best)


def time_to(epochs, target):
    total = 0.0
    for e in epochs:
        total += e["seconds"]
        if e["test_accuracy"] >= target:
            return total
    return None


curves = []
for engine in engines:
    best = next(s for s in summary if s["config"] == configs[0][0] and s["engine"] == engine)
    run = next(r for r in runs if r["config"] == configs[0][0] and r["engine"] == engine and r["threads"] == best["threads"] and r["rep"] == 1)
    cumulative, total = [], 0.0
    for e in run["epochs"]:
        total += e["seconds"]
        cumulative.append(total)
    curves.append({"engine": engine, "threads": best["threads"], "seconds": cumulative, "test_accuracy": [e["test_accuracy"] for e in run["epochs"]],
                   "time_to_088": time_to(run["epochs"], 0.88)})

machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d")}
json.dump({"machine": machine, "epochs": args.epochs, "reps": args.reps, "summary": summary, "curves": curves, "runs": runs},
          open(os.path.join(args.out, "results.json"), "w"), indent=1)

lines = [f"Fashion-MNIST, 784-256-128-10 ReLU, Adam 1e-3, batch 128, no L2, {args.epochs} epochs; {args.reps} interleaved repetitions; "
         f"seconds per epoch = trimmed mean over repetitions of the mean of epochs 2..{args.epochs}. Ratio = peer ÷ Nn (above 1: Nn is faster).", "",
         "| configuration | engine | best threads | s / epoch (1 thread, 2 threads) | ratio to Nn | test accuracy |", "|---|---|---:|---:|---:|---:|"]
for config, _ in configs:
    nn = next(s for s in summary if s["config"] == config and s["engine"] == "Nn")
    for s in (x for x in summary if x["config"] == config):
        ratio = s["seconds_per_epoch"] / nn["seconds_per_epoch"]
        lines.append(f"| {config} | {s['engine']} {s['version']} | {s['threads']} | **{s['seconds_per_epoch']:.3f}** ({s['all_threads'][1]:.3f}, {s['all_threads'][2]:.3f}) "
                     f"| {ratio:.2f} | {s['test_accuracy']:.4f} |")
lines += ["", "Time to 88 % test accuracy (" + configs[0][0] + ", repetition 1, best threads): " +
          ", ".join(f"{c['engine']} {c['time_to_088']:.2f} s" if c["time_to_088"] is not None else f"{c['engine']} not reached" for c in curves) + ".", "",
          "Settings: " + "; ".join(f"{s['engine']}: {s['settings']}" for s in summary if s["config"] == configs[0][0]) + "."]
open(os.path.join(args.out, "results.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
subprocess.run(["dotnet", bench, "peer-charts", os.path.join(args.out, "results.json"), args.out], check=True)
