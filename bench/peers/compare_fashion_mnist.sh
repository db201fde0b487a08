#!/usr/bin/env bash
# Fashion-MNIST side by side: Nn (CLI, Release) and PyTorch, same architecture, optimizer, batch size, epochs,
# same machine and environment. Prints per-epoch times, accuracies and the time ratio.
# Needs: dataset-fashion-mnist, python3-torch, python3-numpy (Debian).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/nn-compare}
mkdir -p "$out"
dotnet build -c Release src/Nn.Cli >/dev/null
dotnet src/Nn.Cli/bin/Release/net10.0/nn.dll train --data fashion-mnist --hidden 256,128 --lr 1e-3 --batch 128 --epochs 10 \
  --l2 0 --validation 0 --output "$out/nn-fashion.onnx" --force --report "$out/nn.json"
/usr/bin/python3 bench/peers/pytorch_fashion_mnist.py --json "$out/torch.json"
/usr/bin/python3 - "$out/nn.json" "$out/torch.json" <<'PY'
import json, sys
nn, torch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("| epoch | Nn s | PyTorch s | Nn train loss | PyTorch train loss | PyTorch test acc |")
print("|---|---|---|---|---|---|")
for a, b in zip(nn["epochs"], torch["epochs"]):
    seconds = sum(float(x) * f for x, f in zip(a["Elapsed"].split(":"), (3600, 60, 1)))
    print(f"| {a['Epoch']} | {seconds:.3f} | {b['seconds']:.3f} | {a['TrainingLoss']:.4f} | {b['train_loss']:.4f} | {b['test_accuracy']:.4f} |")
def mean(v): v = sorted(v)[1:-1] or v; return sum(v) / len(v)
nn_s = mean([sum(float(x) * f for x, f in zip(e["Elapsed"].split(":"), (3600, 60, 1))) for e in nn["epochs"]])
t_s = mean([e["seconds"] for e in torch["epochs"]])
print(f"\nNn test accuracy {nn['testAccuracy']:.4f}, PyTorch {torch['epochs'][-1]['test_accuracy']:.4f}")
print(f"trimmed mean s/epoch: Nn {nn_s:.3f}, PyTorch {t_s:.3f} (torch {torch['torch']}, {torch['threads']} thread(s)); PyTorch/Nn time ratio {t_s / nn_s:.2f}")
PY
