"""Independent references the tests compare the library with: plain NumPy, float64, by hand."""

import numpy as np

PHI = {"linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}
DPHI = {"linear": lambda z: np.ones_like(z), "tanh": lambda z: 1 - np.tanh(z) ** 2,
        "relu": lambda z: (z > 0).astype(float)}


def numpy_signals(weights, x, r, nonlinearity, depth):
    """Forward and backward pass written out in NumPy (float64)."""
    phi, dphi = PHI[nonlinearity], DPHI[nonlinearity]
    h, zs, hs = np.asarray(x, float), [], []
    for w in np.asarray(weights, float)[:depth]:
        z = h @ w
        h = phi(z)
        zs.append(z)
        hs.append(h)
    deltas = [None] * depth
    upstream = np.asarray(r, float)  # ∂L/∂h_depth
    for layer in range(depth - 1, -1, -1):
        deltas[layer] = upstream * dphi(zs[layer])
        upstream = deltas[layer] @ np.asarray(weights, float)[layer].T
    return np.stack(hs), np.stack(deltas)


# ------------------------------------------------------------------ the narrow net y = w_D ··· w_1 x
# One float64 reference for every test and benchmark of the narrow network (lessons 01-04):
# the loss L(w) = mean((y − p x)²) with p = ∏ w_i, its gradient written out by hand and plain
# gradient descent on it. Deliberately the classroom way (a loop over layers, no clever products),
# so it shares no code and no trick with the JAX implementation it checks.


def narrow_loss(w, x, y):
    """L(w) = mean((y − p x)²), p = w_D ··· w_1, in float64."""
    p = np.prod(np.asarray(w, np.float64))
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return float(np.mean((y - p * x) ** 2))


def narrow_grad(w, x, y):
    """∂L/∂w_i = (∏_{j≠i} w_j) · dL/dp with dL/dp = −2 mean(x (y − p x)); no division by w_i."""
    w = np.asarray(w, np.float64)
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    dloss_dp = -2.0 * np.mean(x * (y - np.prod(w) * x))
    others = np.array([np.prod(np.delete(w, i)) for i in range(w.size)])
    return others * dloss_dp


def narrow_gd(w0, x, y, lr, steps):
    """`steps` steps of w ← w − lr ∇L(w) from `w0`.

    Returns `(params, losses)`: the `steps + 1` visited weight vectors, shape
    `(steps + 1, D)`, and the loss at each of them, shape `(steps + 1,)` (the
    first is the loss at `w0`, the last the loss after the final step).
    """
    w = np.array(w0, dtype=np.float64).reshape(-1)
    params, losses = [w.copy()], [narrow_loss(w, x, y)]
    for _ in range(steps):
        w = w - lr * narrow_grad(w, x, y)
        params.append(w.copy())
        losses.append(narrow_loss(w, x, y))
    return np.array(params), np.array(losses)
