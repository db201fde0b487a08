"""Fashion-MNIST for the peer scripts: the IDX files read as Nn reads them, with per-feature min-max scaling fitted on
the training images (constant pixels keep scale 1), as float32 numpy arrays."""
import gzip
import os
import struct

import numpy as np

DEFAULT_DIRECTORY = os.environ.get("NN_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def _idx(directory, name):
    with gzip.open(os.path.join(directory, name + ".gz"), "rb") as f:
        data = f.read()
    _, _, _, rank = struct.unpack(">BBBB", data[:4])
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_scaled(directory=DEFAULT_DIRECTORY):
    """(x_train, y_train, x_test, y_test): 60,000 and 10,000 rows of 784 scaled pixels, int64 labels."""
    x_train = _idx(directory, "train-images-idx3-ubyte").reshape(60000, 784).astype(np.float32)
    y_train = _idx(directory, "train-labels-idx1-ubyte").astype(np.int64)
    x_test = _idx(directory, "t10k-images-idx3-ubyte").reshape(10000, 784).astype(np.float32)
    y_test = _idx(directory, "t10k-labels-idx1-ubyte").astype(np.int64)
    low, high = x_train.min(axis=0), x_train.max(axis=0)
    scale = np.where(high > low, 1.0 / np.maximum(high - low, 1e-12), 1.0).astype(np.float32)
    return (x_train - low) * scale, y_train, (x_test - low) * scale, y_test
