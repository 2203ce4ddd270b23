"""The library's layout: modules found on disk import in one direction (core -> lessons -> ui; nothing imports the
exercises but the package's front door), the headless layers import neither matplotlib nor ipywidgets, every widget
follows one convention, and every training loop takes the same step."""

import ast
import subprocess
import sys
from pathlib import Path

import ipywidgets as widgets
import matplotlib
import torch
from torch import nn

import resnet_lib
from resnet_lib.training import train_step, train_steps
from resnet_lib.ui.widget_output import MARKER_CLASS, Explorer

matplotlib.use("Agg")

PACKAGE = Path(resnet_lib.__file__).parent
LAYERS = ("lessons", "ui", "exercises")  # subpackages; every other module is the core
# (importer layer, imported layer) pairs that must not occur: the core stands alone, lessons never draw
FORBIDDEN = {("core", "lessons"), ("core", "ui"), ("core", "exercises"), ("lessons", "ui"), ("exercises", "ui"),
             ("package", "ui")}
# the one exception: inside Jupyter, training's default progress display is the live plot (imported lazily, so a
# script never loads matplotlib); moving that choice to the caller is left for a later change
ALLOWED = {("resnet_lib.progress", "resnet_lib.ui.live")}


def modules() -> dict[str, Path]:
    """Every module of resnet_lib, found on disk: dotted name -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(("resnet_lib", *parts)).removesuffix(".__init__")] = path
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"  # resnet_lib/__init__: the names notebooks import from resnet_lib
    return parts[1] if parts[1] in LAYERS else "core"


def imported(module: str, path: Path) -> set[str]:
    """The resnet_lib modules ``module`` imports (absolute or relative), read from its source."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            names |= {target} | {f"{target}.{alias.name}" for alias in node.names}
    return {n for n in names if n in modules()}


def test_the_import_direction_is_core_then_lessons_then_ui():
    found = modules()
    assert {"resnet_lib.models", "resnet_lib.lessons.plans", "resnet_lib.ui.style"} <= set(found)
    wrong = sorted(f"{m} imports {t}" for m, path in found.items() for t in imported(m, path)
                   if (layer(m), layer(t)) in FORBIDDEN and (m, t) not in ALLOWED)
    assert not wrong, "; ".join(wrong)


def test_the_direction_check_sees_a_wrong_import(tmp_path):  # the check above can fail
    bad = tmp_path / "bad.py"
    bad.write_text("from .ui import style\nfrom ..ui.live import LiveTrainingPlot\n")
    assert imported("resnet_lib.models", bad) >= {"resnet_lib.ui", "resnet_lib.ui.style"}
    assert "resnet_lib.ui.live" in imported("resnet_lib.lessons.degradation", bad)


def test_headless_modules_import_without_matplotlib_or_ipywidgets_and_a_ui_module_does():
    headless = [m for m in modules() if layer(m) != "ui"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in headless)
            + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets'))\n"
            + "import resnet_lib.ui.architecture\n"  # the check can fail: a ui module does load matplotlib
            + "print(bad, 'matplotlib' in sys.modules)\nsys.exit(1 if bad or 'matplotlib' not in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"headless modules pulled in / ui loaded: {done.stdout.strip()} {done.stderr[-500:]}"


class Counter(Explorer):
    def __init__(self):
        self.controls = {"k": widgets.IntSlider(value=1, min=0, max=5)}
        self.draws = 0
        super().__init__()

    def draw(self):
        self.draws += 1
        return None, f"k is {self.controls['k'].value}"


def test_explorer_draws_on_show_and_on_change_and_keeps_the_marker_hidden():
    explorer = Counter()
    assert explorer.draws == 0  # nothing is drawn until show()
    box = explorer.show()
    assert box.children == (explorer.controls["k"], explorer.output, explorer.marker)
    assert explorer.marker.value == "updated: k=1" and explorer.marker.layout.display == "none"
    assert MARKER_CLASS in explorer.marker._dom_classes
    explorer.controls["k"].value = 4
    assert explorer.draws == 2 and explorer.marker.value == "updated: k=4"
    assert explorer.output.outputs == ({"output_type": "stream", "name": "stdout", "text": "k is 4\n"},)


def test_train_step_updates_the_weights_and_skips_a_non_finite_loss():
    torch.manual_seed(0)
    net = nn.Linear(3, 2)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    x, y = torch.randn(4, 3), torch.tensor([0, 1, 0, 1])
    before = net.weight.detach().clone()
    loss, logits = train_step(net, optimizer, x, y)
    assert logits.shape == (4, 2) and not loss.requires_grad and not torch.equal(before, net.weight)
    after = net.weight.detach().clone()
    loss, _ = train_step(net, optimizer, x, y, loss_fn=lambda out, target: out.sum() * float("nan"))
    assert torch.isnan(loss) and torch.equal(after, net.weight)  # no update from a NaN loss


def test_train_steps_records_every_loss_calls_back_and_stops_at_nan():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).eval()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    seen = []
    losses = train_steps(net, optimizer, [(x, y)] * 5, on_step=lambda step, model: seen.append(step))
    assert len(losses) == 5 and seen == [0, 1, 2, 3, 4, 5] and net.training  # trains in training mode
    assert losses[-1] < losses[0]
    poisoned = [(x, y), (x * float("inf"), y), (x, y)]
    assert len(train_steps(net, optimizer, poisoned)) == 2
