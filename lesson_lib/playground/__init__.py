"""Playgrounds: sliders that drive live plots.

The base `Playground` (see `lesson_lib.playground.base` for the whole how-to)
builds a figure without pyplot, calls a subclass's `compute` (pure, cached by
the control values it reads) and `draw` (moving artists and the status line)
on every control change, and shows the figure on a `LiveCanvas` (matplotlib
renders the static part once; the browser redraws the moving artists from
data). Any exception raised while updating is shown in the notebook (in an
`Output` widget under the plot) instead of being lost in the browser console.
Each lesson's playground lives in its own module of this package.
"""

from lesson_lib.playground.base import (
    MAX_WIDTH,
    Playground,
    dropdown,
    figure,
    float_slider,
    int_slider,
    log_slider,
    setup_notebook,
    two_keys,
)

__all__ = ["MAX_WIDTH", "Playground", "dropdown", "figure", "float_slider", "int_slider", "log_slider",
           "setup_notebook", "two_keys"]
