"""resnet_lib: the small, tested library behind the ResNet teaching notebooks (d2l 7.6)."""

from .blocks import PreActResidual, Residual, resnet_block
from .device import pick_device
from .exercises import check_exercise
from .measure import count_parameters, layer_shapes
from .models import resnet18
from .presets import PRESETS, Preset, active_preset, get_preset
from .seeding import seed_everything

__all__ = [
    "PRESETS", "PreActResidual", "Preset", "Residual", "active_preset",
    "check_exercise", "count_parameters", "get_preset", "layer_shapes", "pick_device", "resnet18",
    "resnet_block", "seed_everything",
]
