"""The test tiers, in one table: every test file outside the fast unit tier is marked here by its path, and every
notebook (run by nbval) is a ``notebook`` test; single heavy tests carry ``@pytest.mark.slow`` (or ``integration``)
where they stand. ``make unit`` runs what is left; ``make test`` runs them all."""

from pathlib import Path

import nbval.kernel
import pytest

from tools.kernel_start import retrying

# kernels started at once by parallel workers can collide on a port and die at start: nbval starts them again
nbval.kernel.start_new_kernel = retrying(nbval.kernel.start_new_kernel)

TIERS = {
    "browser": ("test_browser.py", "test_browser_classroom.py"),  # a real JupyterLab in chromium
    "content": ("test_book.py", "test_notebooks_hygiene.py", "test_committed_results.py", "test_classroom.py",
                "test_environment.py", "test_ablation_record.py", "test_lesson_records.py", "test_hub_record.py"),
    # the committed notebooks, records, site and environment files
    "integration": ("test_benchmarks.py", "test_make.py", "test_offline_install.py", "test_kill.py",
                    "test_data_offline.py", "test_lesson04_wall_time.py", "test_tidy_notebooks.py",
                    "test_kernel_memory.py"),  # processes
}
TIER_OF = {name: tier for tier, names in TIERS.items() for name in names}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath))
        tier = "notebook" if path.suffix == ".ipynb" else TIER_OF.get(path.name)
        if tier:
            item.add_marker(getattr(pytest.mark, tier))
