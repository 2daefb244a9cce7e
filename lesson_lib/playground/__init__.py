"""Playgrounds: sliders that drive live plots.

The base `Playground` wires controls to a figure shown on a `LiveCanvas`
(matplotlib renders the static part once; the browser redraws the moving
artists from data), and shows any exception raised while updating in the
notebook (in an `Output` widget under the plot) instead of losing it in the
browser console. Each lesson's playground lives in its own module of this
package.
"""

from lesson_lib.playground.base import (
    Playground,
    float_slider,
    int_slider,
    log_slider,
    setup_notebook,
)

__all__ = ["Playground", "float_slider", "int_slider", "log_slider", "setup_notebook"]
