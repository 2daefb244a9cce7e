"""Every playground of every lesson, driven in Notebook 7 (see `browser_suite`).

The playgrounds are the same Python objects in both front ends; what Notebook 7
can break is its own widget manager and page layout.
"""

import pytest

from browser_suite import (  # noqa: F401  (pytest collects the imported fixtures and test)
    browser_context_args, browser_type_launch_args, lesson, lesson_page, server,
    test_every_control_of_every_playground_changes_a_plot,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def front_end():
    return "notebook"
