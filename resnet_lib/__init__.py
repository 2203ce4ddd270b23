"""resnet_lib: the small, tested library behind the ResNet teaching notebooks (d2l 7.6)."""

from .blocks import PreActResidual, Residual, resnet_block
from .device import pick_device
from .exercises import check_exercise
from .models import layer_shapes, resnet18
from .presets import PRESETS, Preset, active_preset, get_preset
from .seeding import seed_everything
from .style import COLORS, variant_style

__all__ = [
    "COLORS", "PRESETS", "PreActResidual", "Preset", "Residual", "active_preset",
    "check_exercise", "get_preset", "layer_shapes", "pick_device", "resnet18",
    "resnet_block", "seed_everything", "variant_style",
]
