"""Write tests/data/torch_reference_regularize.npz: PyTorch's BatchNorm1d and dropout, as references.

Run it in any environment with PyTorch and NumPy (PyTorch is not a project dependency):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install numpy torch
    /tmp/torchvenv/bin/python tools/torch_reference_regularize.py

What it stores (float32 unless said):
- `x`: 4 training batches `(4, 16, 5)` and `x_eval`: one evaluation batch `(8, 5)`;
  `gamma`, `beta`: `(5,)`; `momentum`, `eps`: the layer's settings.
- `train_y`: `BatchNorm1d`'s training-mode outputs for each batch, in order `(4, 16, 5)`;
  `running_mean`, `running_var`: its running statistics after each batch `(4, 5)`;
  `eval_y`: its evaluation-mode output on `x_eval` after the 4 batches `(8, 5)`.
- `dropout_rate`, `dropout_zero_fraction`, `dropout_kept_value`: `torch.nn.functional.dropout`
  on a `(1000, 1000)` array of ones: the fraction of zeros and the value of the survivors.
"""

from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference_regularize.npz"


def main():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(4, 16, 5)) * np.array([1.0, 3.0, 0.1, 10.0, 0.5]) + np.array([0.0, -2.0, 5.0, 1.0, 0.3]))
    x = x.astype(np.float32)
    x_eval = rng.normal(size=(8, 5)).astype(np.float32) * 2.0
    gamma = rng.uniform(0.5, 2.0, 5).astype(np.float32)
    beta = rng.normal(size=5).astype(np.float32)
    momentum, eps = 0.2, 1e-5
    layer = torch.nn.BatchNorm1d(5, momentum=momentum, eps=eps)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
    layer.train()
    train_y, means, variances = [], [], []
    with torch.no_grad():
        for batch in x:
            train_y.append(layer(torch.from_numpy(batch)).numpy())
            means.append(layer.running_mean.numpy().copy())
            variances.append(layer.running_var.numpy().copy())
        layer.eval()
        eval_y = layer(torch.from_numpy(x_eval)).numpy()
        torch.manual_seed(0)
        rate = 0.3
        dropped = torch.nn.functional.dropout(torch.ones(1000, 1000), p=rate, training=True).numpy()
    kept = dropped[dropped != 0]
    np.savez_compressed(
        OUT, x=x, x_eval=x_eval, gamma=gamma, beta=beta, momentum=np.float32(momentum), eps=np.float32(eps),
        train_y=np.stack(train_y), running_mean=np.stack(means), running_var=np.stack(variances), eval_y=eval_y,
        dropout_rate=np.float32(rate), dropout_zero_fraction=np.float64(np.mean(dropped == 0)),
        dropout_kept_value=np.float32(kept.mean()), torch_version=np.array(torch.__version__))
    print(f"wrote {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
