"""lesson_lib.optim against update equations written out in NumPy, plus convergence and compile tests."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from lesson_lib import curves, landscapes, optim, train
from lesson_lib.compilation import count_compilations
from lesson_lib.data import linear_regression_data

# A gradient sequence with sign changes in both coordinates (rprop's branches).
GRADS = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, -1.0], [-1.0, -1.0]])


def library_updates(name, grads=GRADS, **hyper):
    opt = optim.make(name, **hyper)
    params = jnp.zeros(grads.shape[1], jnp.float32)
    state = opt.init(params)
    out = []
    for g in grads:
        update, state = opt.update(jnp.asarray(g, jnp.float32), state, params)
        out.append(np.asarray(update, dtype=float))
    return np.array(out)


# ----- the update equations, written out independently -----------------------


def ref_sgd(grads, lr):
    return [-lr * g for g in grads]


def ref_momentum(grads, lr, mu, nesterov=False):
    v, out = np.zeros_like(grads[0]), []
    for g in grads:
        v = mu * v + g
        out.append(-lr * (g + mu * v if nesterov else v))
    return out


def ref_adagrad(grads, lr, eps):
    cache, out = np.zeros_like(grads[0]), []
    for g in grads:
        cache = cache + g**2
        out.append(-lr * g / (np.sqrt(cache) + eps))
    return out


def ref_rmsprop(grads, lr, decay, eps):
    cache, out = np.zeros_like(grads[0]), []
    for g in grads:
        cache = decay * cache + (1 - decay) * g**2
        out.append(-lr * g / (np.sqrt(cache) + eps))
    return out


def ref_adam(grads, lr, b1, b2, eps, bias_correction=True):
    m, v, out = np.zeros_like(grads[0]), np.zeros_like(grads[0]), []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        mh, vh = (m / (1 - b1**t), v / (1 - b2**t)) if bias_correction else (m, v)
        out.append(-lr * mh / (np.sqrt(vh) + eps))
    return out


def ref_rprop(grads, lr, eta_minus=0.5, eta_plus=1.2, lo=1e-6, hi=50.0):
    """torch.optim.Rprop's loop, element by element."""
    step = np.full_like(grads[0], lr)
    prev = np.zeros_like(grads[0])
    out = []
    for g in grads:
        g = g.copy()
        for i in range(g.size):
            s = g[i] * prev[i]
            if s > 0:
                step[i] = min(step[i] * eta_plus, hi)
            elif s < 0:
                step[i] = max(step[i] * eta_minus, lo)
                g[i] = 0.0
            else:
                step[i] = min(max(step[i], lo), hi)
        out.append(-step * np.sign(g))
        prev = g
    return out


CASES = [
    ("sgd", dict(learning_rate=0.1), lambda g: ref_sgd(g, 0.1)),
    ("momentum", dict(learning_rate=0.1), lambda g: ref_momentum(g, 0.1, 0.9)),
    ("momentum", dict(learning_rate=0.2, momentum=0.5), lambda g: ref_momentum(g, 0.2, 0.5)),
    ("nesterov", dict(learning_rate=0.1), lambda g: ref_momentum(g, 0.1, 0.9, nesterov=True)),
    ("adagrad", dict(learning_rate=0.1), lambda g: ref_adagrad(g, 0.1, 1e-8)),
    ("adagrad", dict(learning_rate=0.1, eps=0.5), lambda g: ref_adagrad(g, 0.1, 0.5)),
    ("rmsprop", dict(learning_rate=0.1), lambda g: ref_rmsprop(g, 0.1, 0.99, 1e-8)),
    ("rmsprop", dict(learning_rate=0.1, decay=0.9, eps=0.1),
     lambda g: ref_rmsprop(g, 0.1, 0.9, 0.1)),
    ("adam", dict(learning_rate=0.1), lambda g: ref_adam(g, 0.1, 0.9, 0.999, 1e-8)),
    ("adam", dict(learning_rate=0.1, b1=0.5, b2=0.9, eps=0.01),
     lambda g: ref_adam(g, 0.1, 0.5, 0.9, 0.01)),
    ("adam", dict(learning_rate=0.1, bias_correction=False),
     lambda g: ref_adam(g, 0.1, 0.9, 0.999, 1e-8, bias_correction=False)),
    ("rprop", dict(learning_rate=0.1), lambda g: ref_rprop(g, 0.1)),
    ("rprop", dict(learning_rate=0.1, eta_minus=0.25, eta_plus=2.0),
     lambda g: ref_rprop(g, 0.1, 0.25, 2.0)),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,hyper,reference", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_first_steps_match_the_update_equations(name, hyper, reference):
    got = library_updates(name, **hyper)
    np.testing.assert_allclose(got, np.array(reference(GRADS)), rtol=2e-5, atol=1e-7)


@pytest.mark.slow
def test_rprop_is_not_one_step_late():
    # Constant positive gradient: -lr, -1.2 lr, -1.44 lr (optax 0.2.8's rprop gives 0 first).
    got = library_updates("rprop", grads=np.ones((3, 1)), learning_rate=0.1)[:, 0]
    np.testing.assert_allclose(got, [-0.1, -0.12, -0.144], rtol=1e-6)


@pytest.mark.slow
def test_rprop_step_sizes_are_clipped():
    got = library_updates("rprop", grads=np.ones((4, 1)), learning_rate=40.0)[:, 0]
    np.testing.assert_allclose(got, [-40.0, -48.0, -50.0, -50.0], rtol=1e-6)
    got = library_updates("rprop", grads=np.array([[1.0], [-1.0]] * 3), learning_rate=1e-5,
                          min_step_size=4e-6)[:, 0]
    assert np.min(np.abs(got[got != 0])) == pytest.approx(4e-6, rel=1e-5)


@pytest.mark.slow
def test_momentum_equals_the_syllabus_form_under_a_constant_rate():
    # v' = mu v - lr g; x += v'   ==   v = mu v + g; x -= lr v
    lr, mu = 0.1, 0.9
    x, v = np.array([1.0, -2.0]), np.zeros(2)
    loss = landscapes.ill_conditioned_quadratic(4.0)
    grad = jax.grad(loss)
    path = [x]
    for _ in range(5):
        v = mu * v - lr * np.asarray(grad(jnp.asarray(x, jnp.float32)), dtype=float)
        x = x + v
        path.append(x)
    run = train.optimize(loss, jnp.array([1.0, -2.0]), optim.make("momentum", learning_rate=lr), 5)
    np.testing.assert_allclose(np.asarray(run.params), np.array(path), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_adam_first_step_is_lr_times_sign_with_bias_correction():
    got = library_updates("adam", grads=np.array([[3.0, -0.01]]), learning_rate=0.1)[0]
    np.testing.assert_allclose(got, [-0.1, 0.1], rtol=1e-5)
    # Without it the first step is (1 - b1) / sqrt(1 - b2) = 3.16 times as large.
    raw = library_updates("adam", grads=np.array([[3.0]]), learning_rate=0.1,
                          bias_correction=False)[0, 0]
    assert raw == pytest.approx(-0.1 * 0.1 / math.sqrt(0.001), rel=1e-4)


def test_hyperparameters_live_in_the_state():
    state = optim.make("adam", learning_rate=0.3, b1=0.7).init(jnp.zeros(3))
    values = optim.hyperparams(state)
    assert values["learning_rate"] == pytest.approx(0.3)
    assert values["b1"] == pytest.approx(0.7)
    assert values["b2"] == pytest.approx(0.999)


def test_same_update_function_for_the_same_structure():
    assert optim.make("adam", learning_rate=0.1).update is optim.make("adam", b1=0.5).update
    assert optim.make("adam").update is not optim.make("adam", bias_correction=False).update
    assert optim.make("momentum").update is not optim.make("nesterov").update


@pytest.mark.slow
def test_no_recompilation_when_hyperparameters_change():
    loss = landscapes.rosenbrock()
    start = jnp.array([-1.0, 1.0])
    for name in optim.NAMES:
        first = train.optimize(loss, start, optim.make(name, learning_rate=1e-3), 20)
        with count_compilations() as count:
            other = {"learning_rate": 2e-3}
            other.update({"momentum": 0.5} if name in ("momentum", "nesterov") else {})
            other.update({"b1": 0.8, "b2": 0.99} if name == "adam" else {})
            other.update({"decay": 0.9} if name == "rmsprop" else {})
            other.update({"eta_plus": 1.5} if name == "rprop" else {})
            second = train.optimize(loss, start, optim.make(name, **other), 20)
        assert count.compiles == 0, name
        assert not np.allclose(np.asarray(first.params), np.asarray(second.params)), name


def test_adam_example_from_the_brief():
    loss = landscapes.ill_conditioned_quadratic(10.0)
    start = jnp.array([1.0, 1.0])
    first = train.optimize(loss, start, optim.make("adam", learning_rate=0.1), 30)
    with count_compilations() as count:
        second = train.optimize(loss, start, optim.make("adam", learning_rate=0.2, b1=0.8), 30)
    assert count.compiles == 0
    assert float(first.losses[-1]) != float(second.losses[-1])


def test_a_schedule_as_learning_rate():
    schedule = optax.linear_schedule(0.1, 0.0, 4)
    got = library_updates("sgd", grads=np.ones((4, 1)), learning_rate=schedule)[:, 0]
    np.testing.assert_allclose(got, [-0.1, -0.075, -0.05, -0.025], rtol=1e-6)


def test_init_under_vmap_over_the_learning_rate():
    loss = landscapes.ill_conditioned_quadratic(2.0)
    opt_state = jax.vmap(lambda lr: optim.make("sgd", learning_rate=lr).init(jnp.ones(2)))(
        jnp.array([0.1, 0.2]))
    np.testing.assert_allclose(np.asarray(opt_state.hyperparams["learning_rate"]), [0.1, 0.2])
    assert loss(jnp.ones(2)) > 0


# ----- convergence on the toy landscapes ---------------------------------------

QUAD_LR = {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.01,
           "adam": 0.05, "rprop": 0.01}


@pytest.mark.slow
@pytest.mark.parametrize("name", optim.NAMES)
def test_every_optimizer_converges_on_the_bowl_and_the_narrow_net(name):
    x, y = linear_regression_data(50, noise=0.0, key=jax.random.key(0))
    for loss, start in [
        (landscapes.ill_conditioned_quadratic(10.0, 0.3), [2.0, -1.5]),
        (landscapes.narrow_landscape(x, y), [0.5, 0.3]),
    ]:
        run = train.optimize(loss, jnp.array(start), optim.make(name, learning_rate=QUAD_LR[name]),
                             1000)
        assert run.diverged_at is None
        assert float(run.losses[-1]) < 1e-3, (name, float(run.losses[-1]))


@pytest.mark.parametrize("name,lr", [("momentum", 1e-3), ("nesterov", 1e-3), ("adam", 0.02),
                                     ("rprop", 0.01)])
@pytest.mark.slow
def test_momentum_and_adaptive_methods_reach_the_end_of_the_rosenbrock_valley(name, lr):
    run = train.optimize(landscapes.rosenbrock(), jnp.array([-1.2, 1.0]),
                         optim.make(name, learning_rate=lr), 2000)
    assert float(run.losses[-1]) < 1e-2
    np.testing.assert_allclose(np.asarray(run.params[-1]), [1.0, 1.0], atol=0.2)
    plain = train.optimize(landscapes.rosenbrock(), jnp.array([-1.2, 1.0]),
                           optim.make("sgd", learning_rate=1e-3), 2000)
    assert float(plain.losses[-1]) > 10 * float(run.losses[-1])


@pytest.mark.slow
def test_adaptive_methods_leave_the_saddle_before_gradient_descent():
    def steps_to_escape(name):
        run = train.optimize(landscapes.saddle(), jnp.array([1.0, 1e-3]),
                             optim.make(name, learning_rate=0.05), 150)
        return curves.first_step_below(run.losses, -1.0)

    plain = steps_to_escape("sgd")
    assert plain is not None
    for name in ("rmsprop", "adam", "rprop"):
        assert steps_to_escape(name) < plain / 2, name
    # Adagrad's ever-growing cache slows it down, but it still beats plain descent.
    assert steps_to_escape("adagrad") < plain


# ----- invalid input --------------------------------------------------------------


def test_unknown_name_lists_all_seven():
    with pytest.raises(ValueError) as error:
        optim.make("adamw")
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "rprop"):
        assert name in str(error.value)


def test_unknown_hyperparameter_lists_the_valid_ones():
    with pytest.raises(ValueError, match="lr.*learning_rate, momentum"):
        optim.make("momentum", lr=0.1)
    with pytest.raises(ValueError, match="b1.*'rmsprop'.*decay"):
        optim.make("rmsprop", b1=0.9)


@pytest.mark.parametrize("name,hyper,argument", [
    ("sgd", dict(learning_rate=0.0), "learning_rate"),
    ("sgd", dict(learning_rate=float("nan")), "learning_rate"),
    ("momentum", dict(momentum=1.0), "momentum"),
    ("rmsprop", dict(decay=-0.1), "decay"),
    ("adam", dict(b2=1.5), "b2"),
    ("adam", dict(eps=-1.0), "eps"),
    ("adam", dict(bias_correction="yes"), "bias_correction"),
    ("rprop", dict(eta_minus=1.0), "eta_minus"),
    ("rprop", dict(eta_plus=0.9), "eta_plus"),
    ("rprop", dict(min_step_size=1.0, max_step_size=0.5), "min_step_size"),
])
def test_bad_values_name_the_argument(name, hyper, argument):
    with pytest.raises(ValueError, match=argument):
        optim.make(name, **hyper)


def test_init_keeps_no_module_state_and_compiles_once_per_layout():
    """No dictionary of states in the module: init is jitted per cached transform, so a second
    optimizer of the same kind and layout compiles nothing, and init works under jit too."""
    assert not [name for name, value in vars(optim).items() if isinstance(value, dict) and name.startswith("_")
                and name not in ("__builtins__", "_RULES", "_CHECKS")]  # the constant tables only
    params = {"w": jnp.ones((3, 2)), "b": jnp.zeros(2)}
    optim.make("adam", learning_rate=0.1).init(params)
    with count_compilations() as count:
        state = optim.make("adam", learning_rate=0.3, b1=0.5).init({"w": jnp.zeros((3, 2)), "b": jnp.ones(2)})
    assert count.compiles == 0
    assert optim.hyperparams(state)["b1"] == pytest.approx(0.5)
    np.testing.assert_array_equal(state.inner_state[0].mu["w"], np.zeros((3, 2)))
    other = optim.make("adam").init(jnp.ones(5))  # another layout: its own, right-shaped state
    assert other.inner_state[0].mu.shape == (5,)
    traced = jax.jit(lambda p: optim.make("momentum", learning_rate=0.2).init(p).inner_state)(jnp.ones(4))
    assert jax.tree.leaves(traced)[0].shape == (4,)
