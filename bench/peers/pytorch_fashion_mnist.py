#!/usr/bin/env python3
"""PyTorch side of the Fashion-MNIST comparison: the same 784-256-128-10 ReLU MLP, Adam(1e-3), batch 128,
10 epochs, per-feature min-max scaling fitted on the training images, a fresh shuffle every epoch.

Run with Debian's python3-torch:  /usr/bin/python3 bench/peers/pytorch_fashion_mnist.py [--threads N] [--json out.json]
"""
import argparse
import json
import time

from fashion_data import DEFAULT_DIRECTORY, load_scaled
import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=DEFAULT_DIRECTORY)
parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads; default: PyTorch's own choice")
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--json", default=None)
args = parser.parse_args()

if args.threads is not None:
    torch.set_num_threads(args.threads)


x_train, y_train, x_test, y_test = load_scaled(args.data)
x_train, y_train, x_test, y_test = map(torch.from_numpy, (x_train, y_train, x_test, y_test))

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
results = {"engine": "PyTorch", "version": torch.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads(),
           "settings": f"eager float32, torch.set_num_threads({torch.get_num_threads()}), default (Kaiming-uniform) initialisation, "
                       f"CrossEntropyLoss on logits, zero_grad(set_to_none=True)",
           "epochs": []}
for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()
    model.train()
    order = torch.randperm(60000)
    total = 0.0
    for i in range(0, 60000, 128):
        index = order[i:i + 128]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x_train[index]), y_train[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    results["epochs"].append({"epoch": epoch, "seconds": seconds, "train_loss": total / 60000, "test_accuracy": accuracy})
    print(f"epoch {epoch:2d}  loss {total / 60000:.4f}  test acc {accuracy:.4f}  {seconds:.3f} s", flush=True)
if args.json:
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
