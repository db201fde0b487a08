#!/usr/bin/env python3
"""scikit-learn side of the Fashion-MNIST comparison: MLPClassifier with the same 784-256-128-10 ReLU network,
Adam(1e-3), batch 128, no L2 (alpha=0), per-feature min-max scaling fitted on the training images, a fresh shuffle
every epoch. One partial_fit call is one epoch; test accuracy is measured after it, outside the epoch's time.

Run with Debian's python3-sklearn:  /usr/bin/python3 bench/peers/sklearn_fashion_mnist.py [--threads N] [--json out.json]
"""
import argparse
import json
import time

import numpy as np
from fashion_data import DEFAULT_DIRECTORY, load_scaled
import sklearn
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=DEFAULT_DIRECTORY)
parser.add_argument("--threads", type=int, default=1, help="BLAS threads (threadpoolctl)")
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--json", default=None)
args = parser.parse_args()


x_train, y_train, x_test, y_test = load_scaled(args.data)

model = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="adam", learning_rate_init=1e-3,
                      batch_size=128, alpha=0.0, shuffle=True, random_state=1)
classes = np.arange(10)
results = {"engine": "scikit-learn", "version": sklearn.__version__, "threads": args.threads,
           "settings": f"MLPClassifier(adam, alpha=0), float32 input (computed in float32), {args.threads} BLAS thread(s)",
           "epochs": []}
with threadpool_limits(limits=args.threads):
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.partial_fit(x_train, y_train, classes=classes)
        seconds = time.perf_counter() - start
        accuracy = float((model.predict(x_test) == y_test).mean())
        results["epochs"].append({"epoch": epoch, "seconds": seconds, "train_loss": float(model.loss_), "test_accuracy": accuracy})
        print(f"epoch {epoch:2d}  loss {model.loss_:.4f}  test acc {accuracy:.4f}  {seconds:.3f} s", flush=True)
if args.json:
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
