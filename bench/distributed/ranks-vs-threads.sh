#!/usr/bin/env bash
# One machine, two cores: 1 process × 2 BLAS threads against 2 MPI ranks × 1 thread (and 1 × 1 for reference), on
# Fashion-MNIST, 784-256-128-10, Adam 1e-3, batch 128, no validation; interleaved, REPS repetitions, 3 epochs each.
# Prints seconds per epoch (epochs 2-3; the first carries JIT and page faults) and the all-reduce share.
# Each rank is left unbound (--bind-to none): bound to one core, a rank shares it with the runtime's GC and JIT threads.
# Usage: bench/distributed/ranks-vs-threads.sh [REPS]   (needs openmpi-bin and dataset-fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/../.."
reps=${1:-3}
dotnet build -c Release src/Nn.Cli -v q -nologo >/dev/null
nn="dotnet $PWD/src/Nn.Cli/bin/Release/net10.0/nn.dll"
work=$(mktemp -d)
common="train --data fashion-mnist --epochs 3 --validation 0 --batch 128 --quiet --force"
for rep in $(seq "$reps"); do
  $nn $common --threads 1 --report "$work/one1-$rep.json" --output "$work/a.onnx" >/dev/null
  $nn $common --threads 2 --report "$work/one2-$rep.json" --output "$work/a.onnx" >/dev/null
  mpirun --allow-run-as-root --bind-to none -np 2 $nn $common --distributed --report "$work/two1-$rep.json" --output "$work/a.onnx" >/dev/null
  mpirun --allow-run-as-root --bind-to core -np 2 $nn $common --distributed --report "$work/two1core-$rep.json" --output "$work/a.onnx" 2>/dev/null >/dev/null
done
python3 - "$work" "$reps" <<'PY'
import json, sys
work, reps = sys.argv[1], int(sys.argv[2])
def seconds(span):
    h, m, s = span.split(':'); return int(h) * 3600 + int(m) * 60 + float(s)
rows = [("1 process × 1 thread", "one1"), ("1 process × 2 threads", "one2"), ("2 ranks × 1 thread (--bind-to none)", "two1"),
        ("2 ranks × 1 thread (--bind-to core, mpirun's default)", "two1core")]
print("| configuration | s / epoch (median of runs) | all-reduce s / epoch | all-reduce share |")
print("|---|---:|---:|---:|")
for name, key in rows:
    epochs, shares, comm = [], [], []
    for r in range(1, reps + 1):
        report = json.load(open(f"{work}/{key}-{r}.json"))
        per = [seconds(e["Elapsed"]) for e in report["epochs"][1:]]
        epochs.append(sum(per) / len(per))
        if report.get("distributed"):
            total = sum(seconds(e["Elapsed"]) for e in report["epochs"])
            comm.append(report["distributed"]["communicationSeconds"] / len(report["epochs"]))
            shares.append(report["distributed"]["communicationSeconds"] / total)
    epochs.sort()
    c = f"{sorted(comm)[len(comm)//2]:.3f}" if comm else "–"
    s = f"{sorted(shares)[len(shares)//2]:.0%}" if shares else "–"
    print(f"| {name} | {epochs[len(epochs)//2]:.3f} | {c} | {s} |")
PY
rm -rf "$work"
