"""Less memory per student: what lessons 01, 02 and 05 import leaves torchvision out (about 90 MiB of private memory
per kernel with the CUDA build of torch), and the data set is parsed without torchvision or a temporary copy."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import torch

from resnet_lib.data import fashion_mnist

ROOT = Path(__file__).resolve().parents[1]
# what the first cells of lessons 01, 02 and 05 import, and their data
LESSON_IMPORTS = """
import sys
import resnet_lib, resnet_lib.data, resnet_lib.measure, resnet_lib.models, resnet_lib.training
import resnet_lib.lessons.function_classes, resnet_lib.lessons.block_anatomy, resnet_lib.lessons.plain_vs_residual
import resnet_lib.lessons.degradation, resnet_lib.lessons.gradients, resnet_lib.lessons.seeds
import resnet_lib.ui.function_classes, resnet_lib.ui.block_explorer, resnet_lib.ui.gradient_explorer
resnet_lib.data.load_sample()
print(sorted(m for m in sys.modules if m.split('.')[0] == 'torchvision'))
"""


def test_the_lessons_that_need_no_torchvision_do_not_import_it():
    result = subprocess.run([sys.executable, "-c", LESSON_IMPORTS], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout[:500]


def test_idx_files_are_parsed_as_torchvision_parses_them(tmp_path):
    from torchvision.datasets.mnist import read_image_file, read_label_file

    for name, reader in (("train-images-idx3-ubyte", read_image_file), ("train-labels-idx1-ubyte", read_label_file)):
        raw = gzip.decompress((fashion_mnist.SAMPLE_DIR / f"{name}.gz").read_bytes())
        (tmp_path / name).write_bytes(raw)
        expected = reader(str(tmp_path / name))
        parsed = fashion_mnist.parse_idx(raw)
        assert parsed.dtype == expected.dtype and parsed.shape == expected.shape
        assert torch.equal(parsed, expected)


def test_a_subset_holds_only_its_own_examples_so_the_full_set_can_be_freed():
    full = fashion_mnist.load_sample()
    few = full.subset(train=100, test=10)
    for part, whole in ((few.train_images, full.train_images), (few.test_labels, full.test_labels)):
        assert part.untyped_storage().nbytes() == part.numel() * part.element_size()  # not a view of `whole`
        assert torch.equal(part, whole[:len(part)])
    everything = full.subset(test=10)  # no count: the same tensor, no copy
    assert everything.train_images is full.train_images


def test_the_memory_benchmark_runs_the_kernel_with_the_python_it_is_given(tmp_path):
    """`--python` measures a kernel of another environment (e.g. one with the CPU-only build of PyTorch)."""
    import nbformat

    from benchmarks import kernel_memory

    other = next(p for p in (Path(sys.executable).with_name(n) for n in ("python3", "python")) if p.exists()
                 and str(p) != sys.executable)
    cell = nbformat.v4.new_code_cell("import sys; open('exe.txt', 'w').write(sys.executable)")
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(nb, tmp_path / "which.ipynb")
    result = kernel_memory.measure(tmp_path / "which.ipynb", "smoke", timeout=60, python=other)
    assert result["error"] is None and result["peak_uss_mib"] > 0
    assert (tmp_path / "exe.txt").read_text() == str(other)
    import psutil

    kernels = [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
    assert not kernels, "the measured kernel is still running: the next lesson's peak would count it"


def test_the_companion_process_holds_pytorch_loaded_while_a_kernel_is_measured_and_is_gone_after():
    from benchmarks import kernel_memory

    with kernel_memory.another_kernel(Path(sys.executable)) as companion:
        assert any("libtorch" in m.path for m in companion.memory_maps())
    assert not companion.is_running() or companion.status() == "zombie"


def test_the_readmes_table_of_the_two_builds_is_the_records():
    """Every peak USS in the README's comparison of PyTorch's CUDA and CPU-only builds is the committed record's."""
    import json
    import re

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| lesson | CUDA build"):].split("\n\n")[0]
    records = [json.loads((ROOT / "benchmarks/results" / name).read_text())
               for name in re.findall(r"`(kernel_memory-[\w-]+\.json)`", table.splitlines()[0])]
    assert [r["kernel_torch"].split("+")[1] for r in records] == ["cu130", "cpu"]
    assert all(r["beside_another"] for r in records)
    for row in table.splitlines()[2:]:
        lesson, *cells = [c.strip(" `") for c in row.strip("|").split("|")]
        for record, cell in zip(records, cells, strict=True):
            measured = record["notebooks"].get(f"{lesson}.ipynb")
            assert cell == (f"{measured['peak_uss_mib']} MiB" if measured else "not measured"), (lesson, cell)
