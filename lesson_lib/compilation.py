"""How compiled code is keyed, and how to prove that it is reused.

A "recompilation" is JAX tracing a function anew (new shapes, dtypes, static
arguments, a new tree structure or a new function object) and compiling it with
XLA. Both steps report an event through `jax.monitoring`; `count_compilations`
counts them, which is how the tests and notebooks prove a slider never
recompiles.

Losses enter the library's compiled functions as *data*. A loss object (such as
`nets.NarrowLoss` or `landscapes.Rosenbrock`) is a pytree: a static kind (its
class) plus traced arrays (its data, its parameters). The training loops,
sweeps, Hessians and grids are jitted once at module level and take the loss as
a traced argument, so a new loss object of the same kind and shapes (new data,
new parameters) compiles nothing. A plain Python function is accepted too: it
enters as a `Static` pytree with no leaves, the function itself being the
static part, so it compiles once per function object (a new lambda on every
call compiles on every call).
"""

from contextlib import contextmanager

import jax
import jax.monitoring

__all__ = ["CompilationCount", "count_compilations", "Static", "as_pytree"]

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"


class CompilationCount:
    """Running totals of traces and XLA compilations inside `count_compilations()`."""

    def __init__(self):
        self.traces = 0
        self.compiles = 0

    def _listen(self, event, duration, **kwargs):
        if event == _TRACE_EVENT:
            self.traces += 1
        elif event == _COMPILE_EVENT:
            self.compiles += 1

    def __repr__(self):
        return f"CompilationCount(traces={self.traces}, compiles={self.compiles})"


@contextmanager
def count_compilations():
    """Count the JAX traces and compilations that happen inside the block.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> f = jax.jit(lambda x: 2 * x)
      >>> _ = f(jnp.float32(1))
      >>> with count_compilations() as count:
      ...     _ = f(jnp.float32(2))
      >>> count.compiles
      0
    """
    count = CompilationCount()
    jax.monitoring.register_event_duration_secs_listener(count._listen)
    try:
        yield count
    finally:
        jax.monitoring.unregister_event_duration_listener(count._listen)


@jax.tree_util.register_pytree_node_class
class Static:
    """A plain function as a pytree without leaves: the function is the static part.

    Compiled code that takes a `Static` is keyed on the function object (by
    identity), exactly as `jax.jit(..., static_argnames=...)` would key it.
    """

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def tree_flatten(self):
        return (), self.fn

    @classmethod
    def tree_unflatten(cls, fn, children):
        return cls(fn)

    def __repr__(self):
        return f"Static({getattr(self.fn, '__name__', self.fn)!r})"


def as_pytree(fn):
    """`fn` ready to be a traced argument of compiled code.

    A callable pytree (a loss object, a `jax.tree_util.Partial`) is returned as
    it is: its arrays are traced, so new values compile nothing. Anything else
    that is callable (a function, a lambda, a `functools.partial`) is wrapped in
    `Static`, which compiles once per object. `None` stays `None`.

    Raises:
      ValueError: `fn` is neither callable nor `None`.

    Example:
      >>> import jax.numpy as jnp
      >>> as_pytree(jnp.sin)
      Static('sin')
      >>> loss = jax.tree_util.Partial(jnp.multiply, jnp.float32(2.0))
      >>> as_pytree(loss) is loss
      True
    """
    if fn is None or isinstance(fn, Static):
        return fn
    if not callable(fn):
        raise ValueError(f"expected a function (a loss, a curve), got {type(fn).__name__}")
    leaves, _ = jax.tree.flatten(fn)
    if len(leaves) == 1 and leaves[0] is fn:  # not a registered pytree: a leaf
        return Static(fn)
    return fn
