import copy
import math

import pytest
import torch
from torch.nn import functional as F

from resnet_lib.lessons.gradients import (
    VARIANTS,
    DeepMLP,
    first_last_ratio,
    grad_norms,
    jacobian_chain,
    layer_grad_norms,
    median_and_end,
    profile_at_init,
    ratio_table,
    spread_over_layers,
    variant_name,
)


def _random_batch(n: int = 32, features: int = 784, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, features, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_grad_norms_match_a_hand_computed_case():
    # 2 features, 1 plain block with W = diag(2, 1), identity stem and head, zero biases; batch of 2.
    model = DeepMLP(1, width=2, in_features=2, classes=2)
    with torch.no_grad():
        weights = (torch.eye(2), torch.diag(torch.tensor([2.0, 1.0])), torch.eye(2))
        for layer, weight in zip((model.stem, model.blocks[0].linear, model.head), weights, strict=True):
            layer.weight.copy_(weight)
            layer.bias.zero_()
    x, y = torch.tensor([[1.0, -1.0], [-1.0, 2.0]]), torch.tensor([0, 1])
    # logits are [2, 0] and [0, 2]; dL/dlogits = ±a with a = (1 - sigmoid(2)) / 2 (mean over the batch).
    # dL/dh1 = [[-a, a], [a, -a]] -> norm 2a; the ReLU masks keep one entry per row, W scales it:
    # dL/dh0 = [[-2a, 0], [0, -a]] -> norm a * sqrt(5).
    a = (1 - 1 / (1 + math.exp(-2))) / 2
    norms = grad_norms(model, x, y)
    assert norms.tolist() == pytest.approx([a * math.sqrt(5), 2 * a], rel=1e-12)
    assert first_last_ratio(norms) == pytest.approx(math.sqrt(5) / 2, rel=1e-12)


def test_grad_norms_leave_the_model_untouched():
    torch.manual_seed(0)
    model = DeepMLP(3, width=8, batch_norm=True)
    before = [p.clone() for p in model.state_dict().values()]
    grad_norms(model, *_random_batch())
    assert all(torch.equal(a, b) for a, b in zip(before, model.state_dict().values(), strict=True))
    assert next(model.parameters()).dtype == torch.float32 and next(model.parameters()).grad is None


@pytest.mark.parametrize("name", list(VARIANTS))
def test_profile_at_init_is_grad_norms_of_the_same_fresh_net(name):
    """profile_at_init measures its own new net, without grad_norms' copy; the norms are the same to the last bit."""
    x, y = _random_batch()
    torch.manual_seed(3)
    fresh = DeepMLP(40, width=8, in_features=x[0].numel(), **VARIANTS[name])
    assert torch.equal(profile_at_init(40, x, y, seed=3, width=8, **VARIANTS[name]), grad_norms(fresh, x, y))


def test_zero_init_residual_makes_every_block_the_identity():
    torch.manual_seed(0)
    x, _ = _random_batch(8)
    model = DeepMLP(20, width=16, residual=True, batch_norm=True, zero_init_residual=True)
    hs = model.trunk(x)
    assert all(torch.equal(h, hs[0]) for h in hs)
    norms = profile_at_init(20, *_random_batch(), width=16, **VARIANTS["residual+BN, γ=0"])
    assert first_last_ratio(norms) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.slow
def test_measured_directions_at_initialisation():
    x, y = _random_batch()
    ratio = {name: [first_last_ratio(profile_at_init(d, x, y, **v)) for d in (3, 120)] for name, v in VARIANTS.items()}
    assert ratio["plain"][1] < ratio["plain"][0] and ratio["plain"][1] < 0.5  # vanishes toward the input
    assert ratio["plain+BN"][1] > 100 * ratio["plain+BN"][0]  # explodes toward the input
    assert 1 <= ratio["residual+BN"][1] < 100  # grows, but slowly


def test_builder_shapes_counts_and_variant_names():
    model = DeepMLP(5, width=32, residual=True, batch_norm=True)
    assert model(torch.zeros(4, 1, 28, 28)).shape == (4, 10)
    assert len(model.trunk(torch.zeros(4, 784))) == 6
    per_block = 32 * 32 + 32 + 2 * 32  # linear + bias + BN gamma and beta
    assert sum(p.numel() for p in model.parameters()) == 784 * 32 + 32 + 5 * per_block + 32 * 10 + 10
    assert model.variant() == "residual+BN"
    assert DeepMLP(2, residual=True, batch_norm=True, zero_init_residual=True).variant() == "residual+BN, γ=0"
    assert DeepMLP(2).variant() == "plain"
    assert [variant_name(**variant) for variant in VARIANTS.values()] == list(VARIANTS)  # the names VARIANTS uses


@pytest.mark.parametrize("kwargs", [{"depth": 0}, {"depth": 3, "width": 0}, {"depth": 2.5},
                                    {"depth": 3, "zero_init_residual": True, "batch_norm": True},
                                    {"depth": 3, "zero_init_residual": True, "residual": True}])
def test_builder_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        DeepMLP(**kwargs)


def test_bad_inputs_name_the_problem():
    model = DeepMLP(2)
    with pytest.raises(ValueError, match="784 features"):
        model(torch.zeros(4, 1, 32, 32))
    with pytest.raises(ValueError, match="at least 2"):
        grad_norms(model, torch.zeros(3, 784), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="1-d profile"):
        first_last_ratio(torch.ones(1))


def test_jacobian_chain_shrinks_grows_and_keeps_the_identity():
    assert jacobian_chain(50, gain=0.7)[-1] < 1e-3
    assert jacobian_chain(50, gain=1.5)[-1] > 1e3
    assert torch.equal(jacobian_chain(10, residual=True, branch_scale=0.0), torch.ones(11, dtype=torch.float64))
    small = jacobian_chain(100, residual=True, branch_scale=0.1)
    assert 0.5 < small[-1] < 5
    assert len(small) == 101 and small[0] == 1.0
    with pytest.raises(ValueError, match="gain"):
        jacobian_chain(5, gain=0.0)


def test_layer_grad_norms_match_autograd_on_the_model_itself():
    torch.manual_seed(0)
    model = DeepMLP(4, width=8, batch_norm=True)
    x, y = _random_batch()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    weights = [model.stem.weight] + [b.linear.weight for b in model.blocks]
    expected = torch.stack([w.grad.norm() for w in weights]).to(torch.float64)
    model.zero_grad()
    activations, norms = layer_grad_norms(model, x, y)
    assert len(norms) == 5 and torch.allclose(norms, expected, rtol=1e-4)
    assert torch.equal(activations, grad_norms(model, x, y))
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())  # the model's grads untouched


def test_zero_init_residual_gives_the_branch_weights_no_gradient_at_first():
    _, norms = layer_grad_norms(DeepMLP(5, width=8, **VARIANTS["residual+BN, γ=0"]), *_random_batch())
    assert norms[0] > 0 and torch.equal(norms[1:], torch.zeros(5, dtype=torch.float64))


def test_spread_over_layers_summarises_all_layers_not_one_endpoint():
    norms = torch.tensor([0.001, 4.0, 2.0, 8.0, 6.0, 1.0], dtype=torch.float64)  # h_0 dips, the rest are larger
    low, median, high = spread_over_layers(norms, (0.0, 0.5, 1.0))
    assert first_last_ratio(norms) == pytest.approx(0.001)
    assert (low, median, high) == pytest.approx((0.001, 4.0, 8.0))
    with pytest.raises(ValueError, match="quantiles"):
        spread_over_layers(norms, (0.5, 2.0))
    with pytest.raises(ValueError, match="1-d profile"):
        spread_over_layers(torch.ones(1))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_grad_norms_segment_by_segment_are_one_backward_pass_bit_for_bit(name):
    """grad_norms holds one segment's graph at a time (at depth 1000: 150 MiB less in lesson 05's kernel)."""
    torch.manual_seed(1)
    model = DeepMLP(70, width=16, **VARIANTS[name])
    x, y = _random_batch(n=24)
    probe = copy.deepcopy(model).to(torch.float64).train()  # the whole graph at once, as grad_norms did before
    hs = probe.trunk(x.to(torch.float64))
    whole = torch.stack([g.norm() for g in torch.autograd.grad(F.cross_entropy(probe.head(hs[-1]), y), hs)])
    for segment in (1, 7, 32, 70, 100):
        assert torch.equal(grad_norms(model, x, y, segment=segment), whole), segment


def test_grad_norms_refuse_a_segment_below_one():
    with pytest.raises(ValueError, match="segment"):
        grad_norms(DeepMLP(2, width=4), *_random_batch(), segment=0)


def test_ratio_table_prints_one_row_per_net_and_one_column_per_depth():
    """Lesson 05 prints section 2's ratios, and again at the end, as this table (2 significant digits)."""
    ratios = {"plain": {2: 0.912, 1000: 3.3e-20}, "residual+BN, γ=0": {2: 1.0, 1000: 1.0}}
    assert ratio_table(ratios).splitlines() == [
        "first/last ratio     depth 2 depth 1000",
        "plain                   0.91    3.3e-20",
        "residual+BN, γ=0           1          1",
    ]
    wide = ratio_table(ratios, title="first/last ratio at init").splitlines()
    assert wide[0] == "first/last ratio at init     depth 2 depth 1000" and wide[1].startswith("plain" + " " * 20)
    with pytest.raises(ValueError, match="same depths"):
        ratio_table({"plain": {2: 1.0}, "residual": {3: 1.0}})


def test_median_and_end_say_whether_the_typical_layer_is_on_the_side_of_1_that_h0_is():
    dips = median_and_end(torch.tensor([0.001, 4.0, 2.0, 8.0, 6.0, 1.0], dtype=torch.float64))
    assert (dips.median, dips.end) == pytest.approx((4.0, 0.001)) and dips.side == "opposite sides of 1"
    assert str(dips) == "median layer / top        4, h_0 / top    0.001: opposite sides of 1"
    grows = median_and_end(torch.tensor([100.0, 10.0, 3.0, 1.0], dtype=torch.float64))
    assert grows.side == "same side of 1"
    assert median_and_end(torch.ones(5, dtype=torch.float64)).side == "both exactly 1"
