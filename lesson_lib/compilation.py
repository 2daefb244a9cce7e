"""Count JAX compilations: how tests and notebooks prove a slider never recompiles.

A "recompilation" is JAX tracing a function anew (new shapes, dtypes, static
arguments or a new function object) and compiling it with XLA. Both steps
report an event through `jax.monitoring`; this module counts them.
"""

from contextlib import contextmanager

import jax.monitoring

__all__ = ["CompilationCount", "count_compilations"]

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
