"""Train a 2-4-1 sigmoid network on XOR with bare Values and watch the error fall.

Run: python examples/quickstart.py
"""

import numpy as np

from micrograd_nn import Value

rng = np.random.default_rng(0)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
W1, b1 = Value(rng.uniform(-1, 1, (2, 4)), "W1"), Value(np.zeros(4), "b1")
W2, b2 = Value(rng.uniform(-1, 1, (4, 1)), "W2"), Value(np.zeros(1), "b2")
params = [W1, b1, W2, b2]
velocity = [np.zeros_like(p.data) for p in params]

for epoch in range(2001):
    out = ((X @ W1 + b1).sigmoid() @ W2 + b2).sigmoid()
    loss = ((out - Y) ** 2).mean()
    for p in params:
        p.grad = None
    loss.backward()
    for i, p in enumerate(params):  # the article's rule: dw = -E*grad + alpha*dw_prev
        velocity[i] = -0.7 * p.grad + 0.3 * velocity[i]
        p.data += velocity[i]
    if epoch % 250 == 0:
        print(f"epoch {epoch:5d}  MSE {loss.item():.6f}")
print("outputs:", np.round(out.data.ravel(), 3), "targets:", Y.ravel())
