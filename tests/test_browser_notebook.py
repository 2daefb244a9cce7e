"""Playgrounds driven in Notebook 7 (see `browser_suite`): one lesson for each kind of playground.

JupyterLab runs the whole suite over every lesson (`test_browser_lab.py`). The
playgrounds are the same Python objects in both front ends; what Notebook 7 can
break is its own widget manager and page layout, so here it gets one lesson for
each kind of control and view: a landscape with sliders and clicks (01), Play
animations and dropdowns (06), and a button that streams a training run into a
live dashboard (09). Running every lesson twice would double the browser time.
"""

import pytest

from browser_suite import (  # noqa: F401  (pytest collects the imported fixtures)
    browser_context_args, browser_type_launch_args, server,
)
from browser_suite import test_every_control_of_every_playground_changes_a_plot as every_control

pytestmark = pytest.mark.browser

NOTEBOOK_7_LESSONS = ["01_narrow_linear_network.ipynb", "06_optimizers.ipynb", "09_babysitting.ipynb"]


@pytest.fixture(scope="module")
def front_end():
    return "notebook"


@pytest.mark.parametrize("notebook", NOTEBOOK_7_LESSONS)
def test_every_control_of_the_chosen_lessons_changes_a_plot(page, server, notebook):
    every_control(page, server, notebook)
