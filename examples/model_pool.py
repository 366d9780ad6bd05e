"""A model pool serving real models, in this process and from another one.

    python examples/model_pool.py

It writes a model repository in a temporary directory:

- ``iris``: a scikit-learn classifier trained here on the iris data scikit-learn ships,
  version 1 pickled, version 2 exported to ONNX (served: the newest, ``latest:1``);
- ``embed``: wordllama's word embeddings, from the weights its wheel ships;
- ``resnet``: the ResNet-50 graph the onnx package ships for its tests, run by ONNX Runtime.

Then a ``Pool`` in this process, with a budget that holds only some of them, serves a
repeating pipeline (embed, then iris) while ResNet comes and goes: the statistics show
the cold starts, the evictions and what prewarming saved. Last, ``symphony pool serve``
runs the same repository in another process and a ``PoolClient`` calls ``iris`` there
through its actor, over a Unix socket with signed frames. Nothing is downloaded.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from symphony import Node
from symphony.pool import Pool, PoolClient


def write_repository(root: Path) -> None:
    """Three models, four versions, each with a model.toml (what ``symphony pool`` reads)."""
    import onnx
    import skl2onnx
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    X = X.astype("float32")
    classifier = LogisticRegression(max_iter=1000).fit(X, y)
    (root / "iris" / "1").mkdir(parents=True)
    (root / "iris" / "1" / "iris.pkl").write_bytes(pickle.dumps(classifier))
    (root / "iris" / "1" / "model.toml").write_text('loader = "sklearn"\nfile = "iris.pkl"\nmemory = "1MB"\n')
    (root / "iris" / "2").mkdir()
    exported = skl2onnx.to_onnx(classifier, X[:1], options={"zipmap": False})
    (root / "iris" / "2" / "iris.onnx").write_bytes(exported.SerializeToString())
    (root / "iris" / "2" / "model.toml").write_text(
        'loader = "onnx"\nfile = "iris.onnx"\nmemory = "2MB"\nwarmup = [[5.1, 3.5, 1.4, 0.2]]\n')
    (root / "embed" / "1").mkdir(parents=True)
    (root / "embed" / "1" / "model.toml").write_text('loader = "wordllama"\nmemory = "40MB"\n')
    resnet = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_resnet50.onnx"
    (root / "resnet" / "1").mkdir(parents=True)
    shutil.copy(resnet, root / "resnet" / "1" / "model.onnx")
    (root / "resnet" / "1" / "model.toml").write_text('loader = "onnx"\nfile = "model.onnx"\nmemory = "280MB"\n')


def local(root: Path) -> None:
    import numpy as np

    image = np.zeros((1, 3, 224, 224), np.float32)
    with Node("example") as node, Pool(node, root, budget="300MB") as pool:  # resnet or the pipeline
        for round_ in range(6):
            with pool.acquire("embed", timeout=120) as embed:
                vectors = embed(["a petal", "a sepal"])
            with pool.acquire("iris", timeout=120) as iris:
                label, probabilities = iris([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
            if round_ % 2 == 0:
                with pool.acquire("resnet", timeout=120) as resnet:
                    scores = resnet(image)
        print(f"embeddings {vectors.shape}, iris labels {label.tolist()}, resnet scores {scores.shape}")
        stats = pool.statistics()
        for m in stats["models"]:
            print(f"  {m['name']} v{m['version']}: {m['state']:<11} hits {m['hits']:>2}  cold starts "
                  f"{m['misses']}  loads {m['loads']}  evictions {m['evictions']}  prewarms {m['prewarms']}")
        print(f"  memory charged {stats['used'] / 1e6:.0f} MB of {stats['budget'] / 1e6:.0f} MB")


def remote(root: Path) -> None:
    secret = root / "secret"
    secret.write_bytes(os.urandom(32).hex().encode())
    sock = root / "pool.sock"
    server = subprocess.Popen([sys.executable, "-m", "symphony", "pool", "serve", str(root), "--listen",
                               f"unix://{sock}", "--secret-file", str(secret), "--budget", "300MB"],
                              stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()  # type: ignore[union-attr]  # listening on ...
        address = server.stdout.readline().split("pool: ", 1)[1].strip()  # type: ignore[union-attr]
        with Node("client", secret=secret.read_bytes().strip()) as node:
            pool = PoolClient(node.ref(address), timeout=120)
            label, _ = pool.call("iris", [[5.9, 3.0, 5.1, 1.8]])
            print(f"remote iris says {label}; its versions: "
                  f"{[(r['version'], r['state']) for r in pool.index() if r['name'] == 'iris']}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        server.stdout.close()  # type: ignore[union-attr]


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="sy-pool-"))
    try:
        write_repository(root)
        local(root)
        remote(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
