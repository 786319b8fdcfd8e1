"""The Calculus bank: every static key and named wrong answer recomputed with numpy (or scipy),
the facts behind choice and true/false questions checked, and the bank rules of
tests/bank_rules.py enforced."""

from __future__ import annotations



import numpy as np

from bank_rules import bank_tests
from tutor.resources import quizzes_dir

P = "calculus/"


# --- lesson 6 --------------------------------------------------------------------------------

L06_EPS = 2.0**-52
L06_W = np.array([[1.0, 0.0], [2.0, -1.0]])
L06_X = np.array([3.0, 1.0])
L06_Y = np.array([1.0, 2.0])
L06_A = np.array([1.0, 2.0, 2.0])
L06_B = np.array([1.0, 2.0, 2.03])


def _l06_forward(f, x, h):
    return (f(x + h) - f(x)) / h


def _l06_central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def _l06_layer_grad():
    """∂L/∂W by central differences on L = ½‖Wx − y‖², one weight at a time."""
    out = np.zeros_like(L06_W)
    for i in range(2):
        for j in range(2):
            up, down = L06_W.copy(), L06_W.copy()
            up[i, j] += 1e-6
            down[i, j] -= 1e-6
            loss = lambda w: 0.5 * float(np.sum((w @ L06_X - L06_Y) ** 2))  # noqa: E731
            out[i, j] = (loss(up) - loss(down)) / 2e-6
    return out


def _l06_best_central_exp():
    """Minimise the error model h²/6 + ε/(2h) of the central quotient of eˣ at 0 numerically."""
    from scipy.optimize import minimize_scalar

    model = lambda t: (10.0**t) ** 2 / 6 + L06_EPS / (2 * 10.0**t)  # noqa: E731
    best = minimize_scalar(lambda t: model(t) / 1e-11, bounds=(-8, -4), method="bounded",
                           options={"xatol": 1e-12})
    return 10.0**best.x


def _l06_steepest_is_toward_minimum():
    grad = np.array([2 * 2.0, 6 * 1.0])
    home = -np.array([2.0, 1.0])
    cos = -grad @ home / (np.linalg.norm(grad) * np.linalg.norm(home))
    return bool(np.isclose(cos, 1.0))


def _l06_quotient_facts():
    """(a) truncation falls and (b) rounding rises, measured on tanh at 0.5; (c) the smallest h
    is not the best; (d) the best step lies strictly inside the range."""
    x, exact = 0.5, 1 / np.cosh(0.5) ** 2
    hs = 10.0 ** -np.arange(1, 16)
    err = np.array([abs(_l06_forward(np.tanh, x, h) - exact) for h in hs])
    best = int(np.argmin(err))
    facts = [err[1] < err[0], err[-1] > err[-3] > err[best], best == len(hs) - 1, 0 < best < len(hs) - 1]
    return tuple(i for i, holds in enumerate(facts) if holds)


def _l06_central_is_more_accurate():
    """Option (a): at each one's best step the central error is far smaller."""
    x, exact = 0.5, 1 / np.cosh(0.5) ** 2
    hs = 10.0 ** -np.linspace(1, 15, 57)
    fwd = min(abs(_l06_forward(np.tanh, x, h) - exact) for h in hs)
    cen = min(abs(_l06_central(np.tanh, x, h) - exact) for h in hs)
    return (0,) if cen < fwd / 100 else ()


KEYS_06 = {
    P + "forward-quotient-by-hand": lambda: _l06_forward(lambda v: v * v, 3.0, 0.1),
    P + "central-quotient-cube": lambda: _l06_central(lambda v: v**3, 2.0, 0.1) - 12.0,
    P + "layer-gradient-outer-product": _l06_layer_grad,
    P + "best-central-step": _l06_best_central_exp,
    P + "relative-error-of-check": lambda: np.linalg.norm(L06_A - L06_B) / max(np.linalg.norm(L06_A),
                                                                              np.linalg.norm(L06_B)),
}
WRONGS_06 = {
    P + "forward-quotient-by-hand": [lambda: _l06_forward(lambda v: v * v, 3.0, 0.1) / 2, lambda: 2 * 3.0],
    P + "central-quotient-cube": [lambda: 2 * _l06_central(lambda v: v**3, 2.0, 0.1) - 12.0,
                                  lambda: _l06_forward(lambda v: v**3, 2.0, 0.1) - 12.0],
    P + "layer-gradient-outer-product": [lambda: _l06_layer_grad().T, lambda: -_l06_layer_grad()],
    P + "best-central-step": [lambda: np.sqrt(2 * L06_EPS), lambda: L06_EPS],
    P + "relative-error-of-check": [lambda: np.linalg.norm(L06_A - L06_B)],
}
FACTS_06 = {
    P + "why-central-differences": _l06_central_is_more_accurate,
    P + "steepest-descent-aims-at-minimum": _l06_steepest_is_toward_minimum,
    P + "rounding-and-truncation": _l06_quotient_facts,
}


# --- lesson 7 --------------------------------------------------------------------------------

L07_W = np.array([[1.0, 2.0], [3.0, -1.0]])
L07_G = np.array([1.0, -2.0])


def _l07_fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def _l07_three_links(w):
    return 0.5 * ((2 * w + 1) ** 2 - 10) ** 2


def _l07_neuron_grad():
    """∂L/∂w by finite differences for a neuron whose σ(z) = 0.8 and whose ∂L/∂a = −0.2:
    take L = −0.2·σ(z) (same ∂L/∂a) and z = w·3 with w chosen so that σ(z) = 0.8."""
    w0 = np.log(0.8 / 0.2) / 3
    return _l07_fd(lambda w: -0.2 * (1 / (1 + np.exp(-3 * w))), w0)


def _l07_fan_out(w):
    return (3 * w) * (w**2)


def _l07_vjp():
    """∂L/∂a for L = g·(W a), by finite differences in each entry of a."""
    a = np.array([0.3, -0.7])
    out = []
    for j in range(2):
        e = np.zeros(2)
        e[j] = 1.0
        out.append(_l07_fd(lambda s: L07_G @ (L07_W @ (a + s * e)), 0.0))
    return np.array(out)


def _l07_count(m, k, n):
    """Multiplications of an (m×k)(k×n) product, counted by loops."""
    return sum(1 for _ in range(m) for _ in range(n) for _ in range(k))


def _l07_checkpoint_ops():
    """Layer evaluations for a 16-layer tanh stack: storing all versus √D checkpoints."""
    depth, every = 16, 4
    store = depth
    checkpoint = depth + sum(min(every, depth - s) for s in range(0, depth, every))
    return checkpoint < store


def _l07_reverse_facts():
    """Option (a): on L = ½(w·tanh(Vx))², reverse mode's one backward pass matches forward
    mode's n tangent passes, derivative for derivative."""
    rng = np.random.default_rng(0)
    v, w, x = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2)
    h = np.tanh(v @ x)
    y = w @ h
    reverse = np.concatenate([y * h, np.outer(y * w * (1 - h**2), x).ravel()])
    tangents = []
    for i in range(3):
        tangents.append(y * h[i])
    for i in range(3):
        for j in range(2):
            tangents.append(y * w[i] * (1 - h[i] ** 2) * x[j])
    return (0,) if np.allclose(reverse, tangents) else ()


def _l07_stored():
    """A local derivative needs a stored value when it changes with the inputs."""
    z, u, v = 0.4, 1.3, -0.2
    sig = 1 / (1 + np.exp(-z))
    varies = [
        not np.isclose(_l07_fd(lambda s: 1 / (1 + np.exp(-s)), z), _l07_fd(lambda s: 1 / (1 + np.exp(-s)), z + 1)),
        not np.isclose(_l07_fd(lambda w: w * u, 0.5), _l07_fd(lambda w: w * v, 0.5)),
        not np.isclose(_l07_fd(lambda s: s + v, u), _l07_fd(lambda s: s + u, v)),
        not np.isclose(_l07_fd(np.tanh, z), _l07_fd(np.tanh, z + 1)),
    ]
    assert np.isclose(_l07_fd(lambda s: 1 / (1 + np.exp(-s)), z), sig * (1 - sig))
    return tuple(i for i, holds in enumerate(varies) if holds)


KEYS_07 = {
    P + "chain-rule-three-links": lambda: _l07_fd(_l07_three_links, 1.0),
    P + "sigmoid-neuron-weight": _l07_neuron_grad,
    P + "fan-out-sums-paths": lambda: _l07_fd(_l07_fan_out, 2.0),
    P + "vjp-needs-transpose": _l07_vjp,
    P + "vjp-cost-order": lambda: _l07_count(1, 10, 10) * 2,
}
WRONGS_07 = {
    P + "chain-rule-three-links": [lambda: (9 - 10) * (2 * 3), lambda: (9 - 10) * (2 * 1) * 2],
    P + "sigmoid-neuron-weight": [lambda: -0.2 * 0.8 * 3, lambda: -0.2 * 0.8 * 0.2],
    P + "fan-out-sums-paths": [lambda: 3 * 2.0**2, lambda: (3 * 2.0) * 2 * 2.0],
    P + "vjp-needs-transpose": [lambda: L07_W @ L07_G],
    P + "vjp-cost-order": [lambda: _l07_count(10, 10, 10) + _l07_count(1, 10, 10)],
}
FACTS_07 = {
    P + "checkpointing-saves-work": _l07_checkpoint_ops,
    P + "why-reverse-mode": _l07_reverse_facts,
    P + "needs-stored-values": _l07_stored,
}


# --- lesson 8 --------------------------------------------------------------------------------

def _l08_softmax(z):  # type: ignore[no-untyped-def]
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    return e / e.sum()


def _l08_fd(f, x, h=1e-6):  # type: ignore[no-untyped-def]
    """Central differences: column j nudges input j alone."""
    x = np.asarray(x, dtype=float)
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        cols.append((np.atleast_1d(f(x + e)) - np.atleast_1d(f(x - e))) / (2 * h))
    return np.column_stack(cols)


def _l08_jacobian_loop(s):  # type: ignore[no-untyped-def]
    n = len(s)
    return np.array([[s[i] * ((i == j) - s[j]) for j in range(n)] for i in range(n)])


L08_SIGMA = _l08_softmax([np.log(2), 0.0, 0.0])
L08_V = np.array([2.0, 0.0, -2.0])
L08_MAP = lambda p: np.array([p[0] * p[1], p[0] ** 2 + 3 * p[1]])  # noqa: E731


def _l08_properties():  # type: ignore[no-untyped-def]
    """Which of the multi question's six statements hold, checked on random logits."""
    rng = np.random.default_rng(8)
    holds = [True] * 6
    for n in (2, 3, 5, 9):
        s = _l08_softmax(rng.normal(0, 2, n))
        j = _l08_fd(_l08_softmax, np.log(s))
        off = j[~np.eye(n, dtype=bool)]
        checks = [np.allclose(j, j.T, atol=1e-8), np.allclose(j.sum(axis=1), 0, atol=1e-8),
                  np.linalg.eigvalsh((j + j.T) / 2).min() > -1e-8, np.diag(j).max() <= 0.25 + 1e-9,
                  bool(np.all(off > 0)),
                  np.allclose(_l08_fd(_l08_softmax, np.zeros(n)), np.eye(n), atol=1e-6)]
        holds = [a and bool(b) for a, b in zip(holds, checks)]
    return tuple(i for i, h in enumerate(holds) if h)


def _l08_elementwise_is_wrong():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(80)
    for n in (2, 3, 6):
        z = rng.normal(0, 1, n)
        s = _l08_softmax(z)
        for v in (rng.normal(size=n), np.full(n, 2.0)):
            right = (v @ _l08_fd(_l08_softmax, z))
            if np.allclose(s * (1 - s) * v, right, atol=1e-6):
                return ()
    return (0,)


KEYS_08 = {
    P + "jacobian-partial-by-hand": lambda: _l08_fd(lambda p: p[0] ** 2 * p[1] + 3 * p[1], [2.0, -1.0])[0, 0],
    P + "jacobian-of-a-map": lambda: _l08_fd(L08_MAP, [1.0, 2.0]),
    P + "jacobian-linear-estimate": lambda: 2.0 + _l08_fd(lambda p: p[0] ** 2 * p[1], [1.0, 2.0])[0]
    @ np.array([0.01, -0.02]),
    P + "jacobian-softmax-off-diagonal": lambda: _l08_fd(_l08_softmax, [np.log(2), 0.0, 0.0])[0, 1],
    P + "jacobian-softmax-vjp": lambda: L08_V @ _l08_fd(_l08_softmax, [np.log(2), 0.0, 0.0]),
    P + "jacobian-vocabulary-memory": lambda: 32_000 * 32_000 * np.dtype(np.float32).itemsize / 1e9,
}

WRONGS_08 = {
    P + "jacobian-partial-by-hand": [lambda: 2 * 2 * -1 + 3, lambda: 2 * 2],
    P + "jacobian-of-a-map": [lambda: _l08_fd(L08_MAP, [1.0, 2.0]).T],
    P + "jacobian-linear-estimate": [lambda: 2.0 + 4 * 0.01 + 1 * 0.02, lambda: 2.0 + 4 * 0.01],
    P + "jacobian-softmax-off-diagonal": [lambda: 0.0, lambda: L08_SIGMA[1] * (1 - L08_SIGMA[1]),
                                          lambda: L08_SIGMA[0] * L08_SIGMA[1]],
    P + "jacobian-softmax-vjp": [lambda: L08_SIGMA * (1 - L08_SIGMA) * L08_V, lambda: L08_SIGMA * L08_V],
    P + "jacobian-vocabulary-memory": [lambda: 32_000**2 * 8 / 1e9, lambda: 32_000 * 4 / 1e9],
}

FACTS_08 = {
    P + "jacobian-softmax-not-invertible": lambda: bool(
        np.linalg.matrix_rank(_l08_jacobian_loop(_l08_softmax([0.3, -1.0, 2.0, 0.5]))) == 4),
    P + "jacobian-softmax-properties": _l08_properties,
    P + "jacobian-softmax-backward-bug": _l08_elementwise_is_wrong,
}


# --- lesson 9 --------------------------------------------------------------------------------

def _l09_sigmoid(z):  # type: ignore[no-untyped-def]
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def _l09_fd(f, x, h=1e-6):  # type: ignore[no-untyped-def]
    """Central differences of a scalar f, one entry of x at a time (same shape as x)."""
    x = np.array(x, dtype=float)
    out = np.zeros(x.size)
    for i in range(x.size):
        up, down = x.ravel().copy(), x.ravel().copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up.reshape(x.shape)) - f(down.reshape(x.shape))) / (2 * h)
    return out.reshape(x.shape)


def _l09_sigmoid_peak():  # type: ignore[no-untyped-def]
    """The largest central difference of σ over a grid through 0."""
    z = np.linspace(-8, 8, 1601)
    return float(_l09_fd(lambda v: float(np.sum(_l09_sigmoid(v))), z).max())


L09_DELTA, L09_A = np.array([0.5, -0.2]), np.array([1.0, 2.0, -1.0])
L09_W2, L09_D2 = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]), np.array([0.3, -0.3])
L09_RELU_Z, L09_RELU_G = np.array([1.5, -0.3, 0.0, 2.0]), np.array([0.4, -1.2, 0.7, 2.0])
L09_X, L09_W1, L09_WOUT, L09_T = np.array([1.0, 2.0]), np.array([[1.0, -1.0], [0.5, 0.5]]), np.array([2.0, -1.0]), 0.5


def _l09_tiny_loss(w1):  # type: ignore[no-untyped-def]
    return 0.5 * (L09_WOUT @ np.maximum(w1 @ L09_X, 0) - L09_T) ** 2


def _l09_layer_weight_grad():  # type: ignore[no-untyped-def]
    """∂L/∂W for L = δ · (W a): central differences in W."""
    w = np.zeros((2, 3))
    return _l09_fd(lambda m: float(L09_DELTA @ (m @ L09_A)), w)


def _l09_relu_net_ratio(s, depth=30, width=128, seed=9):  # type: ignore[no-untyped-def]
    """‖∂L/∂h₀‖ / ‖∂L/∂h_top‖ in a random ReLU net with Var(W) = s/width (plain numpy)."""
    rng = np.random.default_rng(seed)
    ws = [rng.normal(0, np.sqrt(s / width), (width, width)) for _ in range(depth)]
    hs, zs = [rng.normal(size=(16, width))], []
    for w in ws:
        zs.append(hs[-1] @ w.T)
        hs.append(np.maximum(zs[-1], 0))
    g = np.tile(rng.normal(size=width), (16, 1))
    top = np.linalg.norm(g)
    for w, z in zip(reversed(ws), reversed(zs)):
        g = (g * (z > 0)) @ w
    return np.linalg.norm(g) / top


def _l09_relu_never_vanishes():  # type: ignore[no-untyped-def]
    """The statement's claim, tested: neither vanishing (s = 1) nor exploding (s = 3) happens."""
    return bool(1e-2 < _l09_relu_net_ratio(1.0) and _l09_relu_net_ratio(3.0) < 1e2)


def _l09_relu_zero_subgradient():  # type: ignore[no-untyped-def]
    """Option a holds (0 is a subgradient, the sides differ); b and c claim a derivative exists."""
    z, h = np.linspace(-3, 3, 601), 1e-6
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    left, right = (relu(0.0) - relu(-h)) / h, (relu(h) - relu(0.0)) / h
    is_subgradient = bool(np.all(relu(z) >= 0.0 * z))
    has_derivative = bool(np.isclose(left, right))
    return (0,) if is_subgradient and not has_derivative else ()


def _l09_layernorm(x, gamma, beta, eps):  # type: ignore[no-untyped-def]
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def _l09_layernorm_facts():  # type: ignore[no-untyped-def]
    """Each statement checked against central differences on a 2-token example."""
    eps = 1e-5
    x = np.array([[1.0, 2.0, 4.0, -1.0], [0.5, 0.5012, 0.4995, 0.5003]])
    dy = np.array([[0.3, -0.2, 0.5, 0.1], [-0.1, 0.4, 0.2, -0.3]])
    gamma, beta = np.array([1.0, 0.5, 2.0, 1.5]), np.array([0.0, 0.1, -0.1, 0.0])

    def loss(x_=x, g_=gamma, b_=beta):  # type: ignore[no-untyped-def]
        return float(np.sum(dy * _l09_layernorm(x_, g_, b_, eps)))

    dgamma, dbeta = _l09_fd(lambda g: loss(g_=g), gamma), _l09_fd(lambda b: loss(b_=b), beta)
    dx = _l09_fd(lambda v: loss(x_=v), x, h=1e-8)
    mu, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    xhat, d, g = (x - mu) / np.sqrt(var + eps), x.shape[1], gamma * dy

    def bracket(gg, denom):  # type: ignore[no-untyped-def]
        third = (x - mu) / (d * denom) * np.sum(gg * (x - mu), axis=1, keepdims=True)
        return (gg - gg.mean(1, keepdims=True) - third) / np.sqrt(var + eps)

    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-5)  # noqa: E731
    statements = [
        close(dgamma, (dy * xhat).sum(axis=0)),
        close(dgamma, (dy * xhat).sum(axis=1)),
        close(dbeta, dy.sum(axis=0)),
        close(dx, gamma * bracket(dy, var + eps)),
        close(dx, bracket(g, var + eps)) and not close(dx, bracket(g, var)),
    ]
    return tuple(i for i, holds in enumerate(statements) if holds)


KEYS_09 = {
    P + "backprop-sigmoid-max-slope": _l09_sigmoid_peak,
    P + "backprop-weight-gradient-outer": _l09_layer_weight_grad,
    # central differences away from the kink; at z = 0 exactly, the framework convention 0
    P + "backprop-relu-mask": lambda: _l09_fd(lambda z: float(L09_RELU_G @ np.maximum(z, 0.0)), L09_RELU_Z)
    * (L09_RELU_Z != 0),
    P + "backprop-hidden-gradient": lambda: _l09_fd(lambda h: float(L09_D2 @ (L09_W2 @ h)), np.zeros(3)),
    P + "backprop-he-variance": lambda: 2 / 512,
    P + "backprop-relu-depth-factor": lambda: np.sqrt(0.5**20),
    P + "backprop-layernorm-eps-factor": lambda: (4e-6 + 1e-5) / 4e-6,
    P + "backprop-entry-by-hand": lambda: _l09_fd(_l09_tiny_loss, L09_W1)[1, 1],
}

WRONGS_09 = {
    P + "backprop-sigmoid-max-slope": [lambda: float(_l09_sigmoid(0.0)), lambda: 1 - np.tanh(0.0) ** 2],
    P + "backprop-weight-gradient-outer": [lambda: _l09_layer_weight_grad().T],
    P + "backprop-relu-mask": [lambda: L09_RELU_G, lambda: L09_RELU_G * (L09_RELU_Z >= 0)],
    P + "backprop-hidden-gradient": [lambda: L09_D2[0] * L09_W2[0]],
    P + "backprop-he-variance": [lambda: 1 / 512, lambda: np.sqrt(2 / 512)],
    P + "backprop-relu-depth-factor": [lambda: 0.5**20, lambda: 1.0],
    P + "backprop-layernorm-eps-factor": [lambda: 1e-5 / 4e-6, lambda: 4e-6 / (4e-6 + 1e-5)],
    P + "backprop-entry-by-hand": [lambda: -_l09_fd(_l09_tiny_loss, L09_W1)[1, 1],
                                   lambda: _l09_fd(_l09_tiny_loss, L09_W1)[1, 0]],
}

FACTS_09 = {
    P + "backprop-relu-cannot-vanish": _l09_relu_never_vanishes,
    P + "backprop-relu-derivative-at-zero": _l09_relu_zero_subgradient,
    P + "backprop-layernorm-gamma": _l09_layernorm_facts,
}


# --- lesson 10 --------------------------------------------------------------------------------

def _l10_softmax(z):  # type: ignore[no-untyped-def]
    e = np.exp(np.asarray(z, dtype=float) - np.max(z))
    return e / e.sum()


def _l10_ce(z, y):  # type: ignore[no-untyped-def]
    """−Σ yⱼ log softmax(z)ⱼ through log-sum-exp."""
    z = np.asarray(z, dtype=float)
    lse = np.max(z) + np.log(np.sum(np.exp(z - np.max(z))))
    return float(-(np.asarray(y, dtype=float) * (z - lse)).sum())


def _l10_fd(f, x, h=1e-6):  # type: ignore[no-untyped-def]
    """Central differences of a scalar f, one entry per input."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _l10_logits_for(p):  # type: ignore[no-untyped-def]
    """Logits whose softmax is p (any shift would do)."""
    return np.log(np.asarray(p, dtype=float))


L10_Z = np.log([4.0, 3.0, 1.0])
L10_SMOOTH = np.array([0.925, 0.025, 0.025, 0.025])
L10_PRED = np.array([0.7, 0.1, 0.1, 0.1])
L10_MULTI_P = np.array([0.5, 0.3, 0.2])
L10_U = np.array([2.0, -1.0, 1.0])
L10_P3 = np.array([0.5, 0.3, 0.2])


def _l10_hessian_top():  # type: ignore[no-untyped-def]
    """λ_max of the Hessian at ŷ = (0.8, 0.2), from central differences of the gradient."""
    z = _l10_logits_for([0.8, 0.2])
    cols = [_l10_fd(lambda v, j=j: _l10_softmax(v)[j], z) for j in range(2)]
    return float(np.linalg.eigvalsh(np.array(cols))[-1])


def _l10_regression_grad():  # type: ignore[no-untyped-def]
    """∂L/∂W by central differences of L(W) = CE(softmax(W u), class 1) at a W giving ŷ = L10_P3."""
    w0 = np.zeros((3, 3))
    w0[:, 2] = np.log(L10_P3)  # the bias column alone sets the logits: z = W u = log ŷ
    grad = _l10_fd(lambda flat: _l10_ce(flat.reshape(3, 3) @ L10_U, [0, 1, 0]), w0.ravel())
    return grad.reshape(3, 3)


def _l10_threshold(lam):  # type: ignore[no-untyped-def]
    """The largest η for which |1 − ηλ| < 1, found by bisection on the iteration itself."""
    lo, hi = 0.0, 100.0
    for _ in range(80):
        mid = (lo + hi) / 2
        e = 1.0
        for _ in range(200):
            e *= 1 - mid * lam
        lo, hi = (mid, hi) if abs(e) < 1 else (lo, mid)
    return lo


def _l10_properties():  # type: ignore[no-untyped-def]
    """Which of the five statements hold on many random logits and targets."""
    rng = np.random.default_rng(10)
    holds = [True] * 5
    squares = []
    for _ in range(500):
        k = int(rng.integers(2, 9))
        z = rng.normal(0, 2, k)
        c = int(rng.integers(0, k))
        p = _l10_softmax(z)
        g = p - np.eye(k)[c]
        squares.append(float((g**2).sum()))
        checks = [abs(g.sum()) < 1e-12, bool(np.all(np.abs(g) < 1)),
                  bool(g[c] < 0 and np.all(np.delete(g, c) > 0)), abs((g**2).sum() - 1) < 1e-9,
                  abs(np.abs(g).sum() - 2 * (1 - p[c])) < 1e-12]
        holds = [a and bool(b) for a, b in zip(holds, checks)]
    assert max(squares) - min(squares) > 0.1
    return tuple(i for i, h in enumerate(holds) if h)


def _l10_long_route_float32_is_exact():  # type: ignore[no-untyped-def]
    with np.errstate(all="ignore"):
        z = np.array([0.0, 100.0], dtype=np.float32)
        e = np.exp(z - z.max())
        p = e / e.sum()
        v = np.array([np.float32(-1) / p[0], 0], dtype=np.float32)
        jac = np.diag(p) - np.outer(p, p)
        chain = jac @ v
    fused = p - np.array([1, 0], dtype=np.float32)
    return bool(np.all(np.isfinite(chain)) and np.allclose(chain, fused))


L10_POINTS = np.array([[-1.0, 0.0], [-1.2, 0.6], [0.5, 0.2], [1.0, 0.0], [1.3, 0.5], [-0.3, 1.2],
                       [0.0, 1.5], [0.4, 1.4], [-0.8, 0.3]])
L10_LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])


def _l10_large_rate_blows_up():  # type: ignore[no-untyped-def]
    """Plain gradient descent on the lesson's nine points at 10× the threshold 2/λ_max(H(W*)),
    written out here; exponential growth would multiply ‖W‖ enormously between steps 100 and 300."""
    from tutor.examples.softmax_ce_descent import problem
    from tutor.maths import descent as gd
    lam = float(gd.minimise(problem()).eigenvalues[-1])  # only the threshold comes from the lesson
    u = np.hstack([L10_POINTS, np.ones((9, 1))])
    y = np.eye(3)[L10_LABELS]
    w, norms = np.zeros((3, 3)), []
    for _ in range(301):
        norms.append(float(np.linalg.norm(w)))
        z = u @ w.T
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        w = w - 10 * (2 / lam) * (p - y).T @ u / 9
    return bool(norms[300] > 10 * max(norms[100], 1e-12))


def _l10_double_softmax_floor():  # type: ignore[no-untyped-def]
    k = 50_257
    one_hot = np.zeros(k)
    one_hot[0] = 1.0
    floor = _l10_ce(one_hot, one_hot)
    assert abs(floor - 9.82) < 0.01 and abs(np.log(k) - 10.82) < 0.01
    return (1,) if floor > np.log(k) - 1.01 else ()


KEYS_10 = {
    P + "ce-grad-by-hand": lambda: _l10_fd(lambda z: _l10_ce(z, [0, 1, 0]), L10_Z),
    P + "ce-grad-label-smoothing": lambda: _l10_fd(lambda z: _l10_ce(z, L10_SMOOTH), _l10_logits_for(L10_PRED))[0],
    P + "ce-grad-multi-hot": lambda: _l10_fd(lambda z: _l10_ce(z, [1, 1, 0]), _l10_logits_for(L10_MULTI_P))[2],
    P + "ce-hessian-top-eigenvalue": _l10_hessian_top,
    P + "ce-learning-rate-threshold": lambda: _l10_threshold(_l10_hessian_top()),
    P + "ce-softmax-regression-grad": _l10_regression_grad,
}

WRONGS_10 = {
    P + "ce-grad-by-hand": [
        lambda: -_l10_fd(lambda z: _l10_ce(z, [0, 1, 0]), L10_Z),
        lambda: np.array([-y * (1 - p) for y, p in zip([0, 1, 0], _l10_softmax(L10_Z))]),
    ],
    P + "ce-grad-label-smoothing": [
        lambda: L10_PRED[0] - 1.0,
        lambda: L10_PRED[0] - 0.9,
    ],
    P + "ce-grad-multi-hot": [lambda: L10_MULTI_P[2] - 0.0],
    P + "ce-hessian-top-eigenvalue": [lambda: 0.8 * 0.2, lambda: 0.8],
    P + "ce-learning-rate-threshold": [lambda: 1 / _l10_hessian_top()],
    P + "ce-softmax-regression-grad": [
        lambda: _l10_regression_grad().T,
        lambda: _l10_regression_grad()[:, :2],
    ],
}

FACTS_10 = {
    P + "ce-grad-properties": _l10_properties,
    P + "ce-long-route-is-exact": _l10_long_route_float32_is_exact,
    P + "ce-large-rate-blows-up": _l10_large_rate_blows_up,
    P + "ce-probabilities-as-logits": _l10_double_softmax_floor,
}


KEYS = {**KEYS_06, **KEYS_07, **KEYS_08, **KEYS_09, **KEYS_10}
WRONGS = {**WRONGS_06, **WRONGS_07, **WRONGS_08, **WRONGS_09, **WRONGS_10}
FACTS = {**FACTS_06, **FACTS_07, **FACTS_08, **FACTS_09, **FACTS_10}

globals().update(bank_tests(quizzes_dir() / "calculus.toml", KEYS, WRONGS, FACTS))
