"""The committed outputs (cpu preset) support what the lessons' text says about them. The text is written against
these outputs, so a re-run that no longer supports a sentence fails here rather than reaching a learner."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def printed(name: str) -> str:
    """Everything the committed notebook printed (stream and text/plain outputs), in order."""
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    parts = []
    for cell in cells:
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            parts.append("".join(text))
    return "\n".join(parts)


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"no line matching {pattern!r} in the committed outputs"
    return float(match.group(1))


@pytest.fixture(scope="module")
def lesson04() -> str:
    return printed("04_training.ipynb")


def test_lesson04_was_run_with_the_cpu_preset(lesson04):
    assert "settings 'cpu'" in lesson04 and "10,000 test images" in lesson04


def test_lesson04_improved_recipe_reaches_092(lesson04):
    assert number(r"improved recipe, \d+ epochs: (0\.\d+) test accuracy on 10,000 test images", lesson04) >= 0.92


def test_lesson04_longer_improved_run_goes_much_further_than_d2ls_run(lesson04):
    improved = number(r"improved recipe, \d+ epochs: (0\.\d+) test accuracy", lesson04)
    d2l = number(r"d2l's recipe, \d+ epochs?: (0\.\d+) test accuracy", lesson04)
    assert improved > d2l + 0.05


def test_lesson04_small_subset_overfits_far_more_than_the_full_run(lesson04):
    assert number(r"\d+ epochs, tested on [\d,]+ images: train acc ([\d.]+)", lesson04) > 0.9
    subset_gap = number(r"final gap ([+-][\d.]+) on", lesson04)
    full_gap = number(r"final gap [+-][\d.]+ on [\d,]+ images; ([+-][\d.]+) in section 3", lesson04)
    assert subset_gap > 0.1 and subset_gap > full_gap + 0.05


def test_lesson04_last_change_of_the_overfitting_run_is_within_the_noise(lesson04):
    """Section 4: "its last change is within the noise of an accuracy measured on so few test images"."""
    assert re.search(r"one standard error on 1,000 test images: 0\.\d+ \(the change is within it\)", lesson04)


def test_lesson04_the_ablation_with_every_batch_full_is_what_the_text_says(lesson04):
    """Section 6's second ablation (every batch full): "only the one-cycle schedule and all six together still have
    every seed above every seed of 'none', by a few hundredths", momentum's seeds overlap, "the test-time flip alone
    now ends below 'none' on every seed", no row decided, and the seeds of 'none' end close together."""
    above = re.findall(r"^every seed above every seed of 'none': (.*)$", lesson04, re.M)
    overlap = re.findall(r"^seeds overlap with 'none': (.*)$", lesson04, re.M)
    rule = re.findall(r"'none' alone spreads ([\d.]+)\): (.*)$", lesson04, re.M)
    assert len(above) == len(overlap) == len(rule) == 2  # the first table, then the one with every batch full
    assert re.fullmatch(r"one-cycle lr \(\+0\.0\d\d\), all \(\+0\.0\d\d\)", above[1])
    assert "momentum (" in overlap[1] and "momentum (" in above[0]
    assert rule[1][1] == "no row" and float(rule[1][0]) < 0.05 < float(rule[0][0])
    flips = re.search(r"^1 +test-time flip vs none \(every batch full\) +(\S+) +(\S+) +(\S+) +([\d.]+) +(.*)$",
                      lesson04, re.M)
    assert flips and all(float(d) < 0 for d in flips.groups()[:3]) and flips.group(5) == "not told apart"
    means = {m.group(1): (float(m.group(2)), float(m.group(3)))
             for m in re.finditer(r"(?m)^(none|momentum) +(0\.\d{3}) +(0\.\d{3}) +[+-]\d\.\d{3} +[+-]\d\.\d{3}, [+-]",
                                  lesson04)}
    assert abs(means["momentum"][1] - means["momentum"][0]) < 0.03 and means["none"][1] - means["none"][0] > 0.3


def ablation_rows(lesson04: str) -> list[dict[str, list[float]]]:
    """The two ablation tables' seeds, ``{row: [seed 0, seed 1, seed 2]}`` as printed: the first, then the second."""
    tables = []
    for line in lesson04.splitlines():
        if line.startswith("switched on") and "test acc (each seed)" in line:
            tables.append({})
        elif tables and (m := re.match(r"^([a-z -]+?) +(0\.\d{3}) (0\.\d{3}) (0\.\d{3}) +0\.\d{3} +[+-]", line)):
            tables[-1][m.group(1)] = [float(v) for v in m.groups()[1:]]
    assert len(tables) == 2 and all(len(t) == 8 for t in tables), tables
    return tables


def test_lesson04_section3_tests_below_the_running_train_accuracy_after_a_short_last_batch(lesson04):
    """Section 3's "Above or below?": the test accuracy ended below the running training accuracy, and the epoch
    ended with a short batch, of 96 (section 6: "on a batch of 96")."""
    m = re.search(r"section 3: 60,000 training images, 1 epoch\(s\): train acc ([\d.]+), test acc ([\d.]+)", lesson04)
    train_acc, test_acc = float(m.group(1)), float(m.group(2))
    assert test_acc < train_acc
    assert "60,000 training images = 234 batches of 256 and a short one of 96" in lesson04


def test_lesson04_all_six_against_the_best_single_switch_is_what_the_text_says(lesson04):
    """Section 6: "all six together ended above it on every seed. With every batch full the margin is +0.001 on two of
    the three seeds (row 2), smaller than the spread between seeds (0.004) ... level, at 0.862"."""
    rows = {m.group(1): ([float(d) for d in m.group(2).split()], float(m.group(3)), m.group(4))
            for m in re.finditer(r"(?m)^\d +(all vs one-cycle lr \([a-z ]+\)) +((?:[+-]\d\.\d{3} +){3})([\d.]+) +(.*)$",
                                 lesson04)}
    assert list(rows) == ["all vs one-cycle lr (short last batch)", "all vs one-cycle lr (every batch full)"]
    first, second = ablation_rows(lesson04)
    for (diffs, spread, said), table in zip(rows.values(), (first, second), strict=True):
        assert diffs == [round(a - b, 3) for a, b in zip(table["all"], table["one-cycle lr"], strict=True)]
        assert spread == round(max(max(table[n]) - min(table[n]) for n in ("all", "one-cycle lr")), 3)
        assert all(d > 0 for d in diffs) and said == "not told apart"
    assert sorted(rows["all vs one-cycle lr (every batch full)"][0])[:2] == [0.001, 0.001]
    assert rows["all vs one-cycle lr (every batch full)"][1] == 0.004
    assert min(second["all"]) == max(second["one-cycle lr"]) == 0.862
    means = {name: sum(v) / 3 for name, v in second.items() if name not in ("none", "all")}
    assert max(means, key=means.get) == "one-cycle lr"  # the best single switch, in both tables
    means = {name: sum(v) / 3 for name, v in first.items() if name not in ("none", "all")}
    assert max(means, key=means.get) == "one-cycle lr"


def test_lesson04_rises_between_the_two_ablations_are_what_the_text_says(lesson04):
    """'That of "none" rose by 0.370; momentum's by only 0.018 ... rose by 0.217 to 0.345'; 'none' alone spreads
    0.029 with every batch full, as its printed seeds give."""
    rise = {m.group(1): float(m.group(2)) for m in
            re.finditer(r"(?m)^([a-z -]+?) +0\.\d{3} +0\.\d{3} +([+-]\d\.\d{3}) +[+-]\d\.\d{3}, [+-]", lesson04)}
    assert rise["none"] == 0.370 and rise["momentum"] == 0.018
    plain = [rise[n] for n in ("weight decay", "label smoothing", "flips", "test-time flip")]
    assert (min(plain), max(plain)) == (0.217, 0.345)
    first, second = ablation_rows(lesson04)
    assert re.search(r"'none' alone spreads 0\.029\): no row", lesson04)
    assert round(max(second["none"]) - min(second["none"]), 3) == 0.029


def test_lesson04_the_two_runs_of_seed_0_of_none_and_the_processors_are_what_the_text_says(lesson04):
    """'In the first table seed 0 of "none" ended at 0.115 ... (epoch 5, short batch kept), ended at 0.296. The first
    table's runs were made on an Intel Xeon, the second table's on an AMD EPYC'."""
    first, _ = ablation_rows(lesson04)
    assert first["none"][0] == 0.115
    assert number(r"(?m)^epoch 5: last step on 16 images .* before it, ([\d.]+) after it$", lesson04) == 0.296
    setups = re.findall(r"^24 runs made in advance on a 2-core (.+?), \d+ minutes", lesson04, re.M)
    assert len(setups) == 2 and "Intel(R) Xeon(R)" in setups[0] and setups[1] == "AMD EPYC"


def seed_lines(text: str) -> dict[str, list[float]]:
    """{net: its printed values by seed}, from the lines "net   seed 1: v  seed 2: v" printed above a table."""
    means = {m.group(1).strip(): [float(v) for v in re.findall(r"seed \d+: ([\d.]+)", m.group(0))]
             for m in re.finditer(r"^([a-z0-9 ,='γ-]+?)\s+(?:seed \d+: [\d.]+\s*)+$", text, re.M)}
    return means


def table_of_values(text: str, rows: list[str]) -> dict[str, tuple[list[float], float, str]]:
    """The seed-by-seed table printed (its rows must be ``rows``, in order), checked against the values printed above
    it: each row's A - B is A's printed value minus B's, seed by seed, its spread the larger of A's and B's printed
    ranges, and its verdict the rule's on those numbers (A and B: the label's two sides, before any " (")."""
    table, values = seed_table_rows(text), seed_lines(text)
    assert list(table) == rows, list(table)
    for label, (diffs, spread, verdict) in table.items():
        a, b = label.split(" (")[0].split(" vs ")
        if "(" in label:  # "pre-activation vs original block (20 layers)": the nets are "<side>, 20 layers"
            a, b = (f"{side}, {label.split(' (')[1].rstrip(')')}" for side in (a, b))
        assert diffs == [round(x - y, 3) for x, y in zip(values[a], values[b], strict=True)], label
        assert spread == round(max(max(v) - min(v) for v in (values[a], values[b])), 3), label
        assert verdict == rule(label, diffs, spread), label
    return table


def test_lesson01_seeds_tell_only_the_damaged_start_from_the_control():
    """Section 3: row 1 decided (the default plain net above the control on both seeds, beyond the spread);
    rows 2 to 4, every pair among the two identity starts and the control, not decided."""
    lesson01 = printed("01_function_classes.ipynb")
    assert "on 3,000 Fashion-MNIST images" in lesson01  # the cpu settings' sizes
    assert ": 2 passes (epochs) before growing it" in lesson01
    section3 = lesson01.split("✓ 01.1")[0]  # exercise 01.6 prints a table of its own seeds
    table = table_of_values(section3, ["plain, default init vs no layer inserted",
                                       "plain, identity init vs no layer inserted",
                                       "residual, γ = 0 vs no layer inserted",
                                       "plain, identity init vs residual, γ = 0"])
    (damaged, spread, verdict), *identity_rows = table.values()
    assert verdict == "plain, default init higher" and min(damaged) > 5 * spread  # row 1: "by far more than the spread"
    # "ended above the control on both seeds, but on one of them by less than the spread (row 2); ... above the
    # control on one seed, by less than the spread, and level with it at the digits shown on the other (row 3); ...
    # differ in opposite directions on the two seeds (row 4)"
    (row2, spread2, _), (row3, spread3, _), (row4, _, verdict4) = identity_rows
    assert all(d > 0 for d in row2) and sum(d < spread2 for d in row2) == 1
    assert 0 in row3 and 0 < max(row3) < spread3
    assert verdict4 == "seeds disagree"


def test_lesson01_identity_starts_are_mostly_a_little_above_the_control():
    """Section 3's lower panel: the differences "fall on both sides of 0, but mostly a little above it"."""
    lesson01 = printed("01_function_classes.ipynb")
    for variant in ("plain, identity init", "residual, γ = 0"):
        m = re.search(re.escape(variant) + r" minus the control: above 0 at (\d+) of (\d+) points after the start, "
                      r"largest in size ([+-][\d.]+)", lesson01)
        assert m, f"no count of the lower panel for {variant!r} in the committed outputs"
        above, points = int(m.group(1)), int(m.group(2))
        assert points / 2 < above < points, (variant, above, points)  # mostly above 0, yet on both sides
        assert abs(float(m.group(3))) < 0.1, variant  # a little: a tenth of the loss at most


def test_lesson02_seeds_tell_the_blocks_apart_at_neither_depth():
    """Section 5: pre-activation higher on both seeds at 20 layers (row 1), lower on both at 56 (row 2), neither
    beyond the spread between seeds."""
    table = table_of_values(printed("02_residual_block.ipynb"),
                            [f"pre-activation vs original block ({d} layers)" for d in (20, 56)])
    (d20, s20, v20), (d56, s56, v56) = table.values()
    assert v20 == v56 == "not told apart"
    assert all(d > 0 for d in d20) and all(d < 0 for d in d56)
    # "at each depth one of the two differences is smaller than the spread between seeds"
    assert sum(abs(d) < s20 for d in d20) == 1 and sum(abs(d) < s56 for d in d56) == 1


def test_lesson06_summary_rests_on_decided_verdicts():
    lesson06 = printed("06_plain_vs_residual.ipynb")
    assert "on cpu" in lesson06
    decided = "on both seeds \\([^)]*\\); each difference is larger than the spread between seeds"
    for claim in ("plain-56 ended with a higher training error than plain-20",  # degradation
                  "ResNet-56 ended with a lower training error than plain-56",
                  "plain-18 ended with a higher training error than ResNet-18",
                  "plain-34 ended with a higher training error than ResNet-34",
                  "ResNet-34 lost more without its shortcuts than ResNet-18",
                  "CIFAR-style 56 lost more without its shortcuts than CIFAR-style 20"):
        assert re.search(re.escape(claim) + " " + decided, lesson06), claim


DIFF = r"[+-]\d\.\d{3}|0\.000"
TABLE_ROW = re.compile(rf"^\d+ +(?P<label>\S.*? vs .*?)\s+(?P<diffs>(?:(?:{DIFF})\s+)+)(?P<spread>\d\.\d{{3}})"
                       r"  (?P<verdict>.+)$", re.M)


def seed_table_rows(text: str) -> dict[str, tuple[list[float], float, str]]:
    """The rows of every seed-by-seed table printed: label -> (A minus B per seed, spread, verdict)."""
    return {m["label"]: ([float(d) for d in m["diffs"].split()], float(m["spread"]), m["verdict"])
            for m in TABLE_ROW.finditer(text)}


def rule(label: str, diffs: list[float], spread: float) -> str:
    """The verdict the course's rule gives for the printed numbers (the label's text before " vs " is A)."""
    if all(d == 0 for d in diffs):
        return "level"
    if any(d > 0 for d in diffs) and any(d < 0 for d in diffs):
        return "seeds disagree"
    if not all(abs(d) > spread for d in diffs):
        return "not told apart"
    return label.split(" vs ")[0] + (" higher" if diffs[0] > 0 else " lower")


@pytest.fixture(scope="module")
def lesson06_tables() -> dict[str, tuple[list[float], float, str]]:
    rows = seed_table_rows(printed("06_plain_vs_residual.ipynb"))
    assert len(rows) == 12, sorted(rows)  # section 2's six comparisons, then six at the end of training
    return rows


def test_lesson06_table_verdicts_follow_from_the_printed_numbers(lesson06_tables):
    for label, (diffs, spread, verdict) in lesson06_tables.items():
        assert verdict == rule(label, diffs, spread), label


def test_lesson06_summary_says_what_section_2_decided_about_depth_and_initialisation(lesson06_tables):
    for init in ("default", "γ = 0"):
        assert lesson06_tables[f"ResNet-56 vs ResNet-20 ({init})"][2] == "not told apart", init
        assert lesson06_tables[f"ResNet vs plain, depth penalty ({init})"][2] == "ResNet lower", init
    assert lesson06_tables["γ = 0 vs default (ResNet-20)"][2] == "γ = 0 higher"
    assert lesson06_tables["γ = 0 vs default (ResNet-56)"][2] in ("not told apart", "seeds disagree")


def test_lesson06_text_on_the_runs_trained_to_the_end_matches_its_table(lesson06_tables):
    """Lesson 06's text after the table, row by row, and its summary."""
    rows = list(lesson06_tables)[6:]
    assert rows == [f"{a} vs {b} ({what})" for a, b in (("plain-56", "plain-20"), ("ResNet-56", "ResNet-20"),
                                                        ("ResNet-56", "plain-56")) for what in ("training", "test")]
    verdict = {label: lesson06_tables[label][2] for label in rows}
    diffs = {label: lesson06_tables[label][0] for label in rows}
    assert verdict["plain-56 vs plain-20 (training)"] == "plain-56 higher"  # first row: degradation
    assert verdict["plain-56 vs plain-20 (test)"] == "not told apart"  # second: higher on every seed, undecided
    assert all(d > 0 for d in diffs["plain-56 vs plain-20 (test)"])
    assert verdict["ResNet-56 vs ResNet-20 (training)"] == "not told apart"  # third: a little higher, undecided
    assert all(d > 0 for d in diffs["ResNet-56 vs ResNet-20 (training)"])
    spread = lesson06_tables["ResNet-56 vs ResNet-20 (training)"][1]  # "on one seed by no more than the spread"
    assert sum(d <= spread for d in diffs["ResNet-56 vs ResNet-20 (training)"]) == 1
    # 4th: "their test errors differ by less than a hundredth, higher on two seeds and lower on one"
    assert verdict["ResNet-56 vs ResNet-20 (test)"] == "seeds disagree"
    assert all(abs(d) < 0.01 for d in diffs["ResNet-56 vs ResNet-20 (test)"])
    assert sorted(d > 0 for d in diffs["ResNet-56 vs ResNet-20 (test)"]) == [False, True, True]
    assert verdict["ResNet-56 vs plain-56 (training)"] == "ResNet-56 lower"  # fifth: far below plain-56
    assert verdict["ResNet-56 vs plain-56 (test)"] == "not told apart"  # sixth: below on every seed, undecided
    assert all(d < 0 for d in diffs["ResNet-56 vs plain-56 (test)"])


def test_lesson06_table_differences_are_the_printed_errors_subtracted(lesson06_tables):
    """Both tables compare at the digits printed: a reader who subtracts two printed errors gets the printed
    difference, and the spread is the larger of the two nets' printed spreads."""
    lesson06 = printed("06_plain_vs_residual.ipynb")
    short = {name: [float(e) for e in re.findall(r"seed \d: (\d\.\d{3})", line)] for name, line in re.findall(
        r"^((?:plain|ResNet)-\d+(?:, γ = 0)?) +((?:  seed \d: \d\.\d{3})+)   spread", lesson06, re.M)}
    end = {}  # the runs trained to the end: "plain-20     0.067   0.050   0.060     0.137   0.135   0.137"
    for name, values in re.findall(r"^((?:plain|ResNet)-\d+) +((?:\d\.\d{3} +)+\d\.\d{3})$", lesson06, re.M):
        numbers = [float(e) for e in values.split()]  # a column per seed: training errors, then test errors
        end[f"{name} training"], end[f"{name} test"] = numbers[:len(numbers) // 2], numbers[len(numbers) // 2:]
    assert len(short) == 10 and len(end) == 8, (sorted(short), sorted(end))  # section 2's 6 nets, 3's 4; 4 ended
    pairs = {label: (f"{a} {what}", f"{b} {what}") for label in list(lesson06_tables)[6:]
             for a, b, what in [re.fullmatch(r"(\S+) vs (\S+) \((\w+)\)", label).groups()]}
    pairs |= {f"ResNet-56 vs ResNet-20 ({init})": (f"ResNet-56{tag}", f"ResNet-20{tag}")
              for init, tag in (("default", ""), ("γ = 0", ", γ = 0"))}
    pairs |= {f"γ = 0 vs default (ResNet-{d})": (f"ResNet-{d}, γ = 0", f"ResNet-{d}") for d in (20, 56)}
    assert len(pairs) == 10  # every row but the two depth penalties, whose per-seed values are not printed
    values = short | end
    for label, (a, b) in pairs.items():
        diffs, spread, _ = lesson06_tables[label]
        assert diffs == [round(x - y, 3) for x, y in zip(values[a], values[b], strict=True)], label
        assert spread == round(max(max(v) - min(v) for v in (values[a], values[b])), 3), label

    def subtract(a: list[float], b: list[float]) -> list[float]:
        return [round(x - y, 3) for x, y in zip(a, b, strict=True)]

    def signed(text: str) -> list[float]:
        return [float(d) for d in re.findall(r"[+-]\d\.\d{3}", text)]

    # section 3: "18 layers: plain minus residual training error, per seed: +0.185, +0.124"
    gaps = {int(d): signed(line) for d, line in re.findall(
        r"^(\d+) layers: plain minus residual training error, per seed: (.*)$", lesson06, re.M)}
    assert gaps == {d: subtract(values[f"plain-{d}"], values[f"ResNet-{d}"]) for d in (18, 34)}
    gaps |= {d: subtract(values[f"plain-{d}"], values[f"ResNet-{d}"]) for d in (20, 56)}
    lost = dict(re.findall(r"^(ResNet-34|CIFAR-style 56) lost more without its shortcuts than .+? on both seeds "
                           r"\(([^)]*)\)", lesson06, re.M))
    assert signed(lost["ResNet-34"]) == subtract(gaps[34], gaps[18])
    assert signed(lost["CIFAR-style 56"]) == subtract(gaps[56], gaps[20])
    # section 2's depth penalties: the residual nets' ("seed 0: ResNet-56 minus ResNet-20: default +0.007, ...")
    # minus the plain nets' ("plain-56 ended with a higher training error than plain-20 on both seeds (...)")
    residual = re.findall(r"^seed \d: ResNet-56 minus ResNet-20: default ([+-][\d.]+), γ = 0 ([+-][\d.]+)$",
                          lesson06, re.M)
    plain = signed(re.search(r"^plain-56 ended with a higher training error than plain-20 on both seeds \(([^)]*)\)",
                             lesson06, re.M).group(1))
    assert plain == subtract(values["plain-56"], values["plain-20"]) and len(residual) == 2
    for k, init in enumerate(("default", "γ = 0")):
        penalty = [float(seed[k]) for seed in residual]
        assert lesson06_tables[f"ResNet vs plain, depth penalty ({init})"][0] == subtract(penalty, plain), init


def test_lesson05_degradation_text_matches_the_seed_by_seed_verdicts():
    lesson05 = printed("05_gradients.ipynb")
    rows = seed_table_rows(lesson05)
    assert len(rows) == 6, sorted(rows)  # section 4's two rows, then all six runs made in advance
    assert all(verdict == rule(label, diffs, spread) for label, (diffs, spread, verdict) in rows.items())
    # the table is the printed final losses subtracted: "plain+BN   3 blocks 0.468 0.457 0.409   50 blocks 1.885 ..."
    finals = {name: ([float(v) for v in few.split()], [float(v) for v in many.split()]) for name, few, many in
              re.findall(r"^(\S.*?) +3 blocks ([\d. ]+?)   50 blocks ([\d. ]+)$", lesson05, re.M)}
    assert len(finals) == 6, sorted(finals)
    for name, (few, many) in finals.items():
        diffs, spread, _ = rows[f"50 blocks vs 3 ({name})"]
        assert diffs == [round(b - a, 3) for a, b in zip(few, many, strict=True)], name
        assert spread == round(max(max(v) - min(v) for v in (few, many)), 3), name
    # "On every seed the deep plain net ends far above its shallow twin"; "the rule does not tell the two residual
    # depths apart (row 2)"; "started at γ = 1 (row 6) ... ends a little above ... on every seed ... undecided"
    assert rows["50 blocks vs 3 (plain+BN)"][2] == "50 blocks higher"
    assert all(rows[f"50 blocks vs 3 (plain+BN, {change})"][2] == "50 blocks higher"
               for change in ("lr 0.005", "warm-up", "4x steps"))
    residual = rows["50 blocks vs 3 (residual+BN, γ=0)"]
    assert residual[2] == "not told apart" and all(-0.1 < d < 0 for d in residual[0])
    gamma_one = rows["50 blocks vs 3 (residual+BN, γ=1)"]
    assert gamma_one[2] == "not told apart" and all(d > 0 for d in gamma_one[0])
    # the live run is seed 0 of the runs made in advance, step for step ("seed 0 is the run above")
    # ("seed 0, plain+BN: 3 blocks 0.468, 50 blocks 1.885, deep minus shallow +1.417")
    live = {}
    for name, *by_depth in re.findall(r"^seed 0, (plain\+BN|residual\+BN, γ=0): (\d+) blocks ([\d.]+), (\d+) "
                                      r"blocks ([\d.]+), deep minus shallow [+-][\d.]+$", lesson05, re.M):
        live[name, int(by_depth[0])], live[name, int(by_depth[2])] = float(by_depth[1]), float(by_depth[3])
    from resnet_lib.lessons.degradation import controlled_runs
    ends = controlled_runs().final_losses()
    assert len(live) == 4 and all(round(ends[name][depth][0], 3) == value for (name, depth), value in live.items())
    # the lesion: "scored with the statistics it stored, the same whole plain net does worse than guessing"
    stored = r"whole net with the statistics stored during training: loss ([\d.]+)"
    stale = [float(v) for v in re.findall(stored, lesson05)]
    assert len(stale) == 1 and stale[0] > 2.303
    # "delete block 1 ... rises by orders of magnitude; delete any other block and it rises too"
    plain = re.findall(r"^plain\+BN +loss ([\d.]+) whole; with one block deleted: median ([\d.]+), worst "
                       r"([\d.e+]+) \(block (\d+)\), lower by more than 0\.01 for (\d+) of 50 blocks", lesson05, re.M)
    assert len(plain) == 1
    for whole, median, worst, block, lower in plain:
        # the summary: "the typical deletion about doubles it, deleting the block next to the input multiplies it
        # by more than a thousand"
        assert block == "1" and float(worst) > 1000 * float(whole) and lower == "0"
        assert 1.5 < float(median) / float(whole) < 2.5
    # "the residual net with γ = 1 loses little whichever block goes (its worst deletion adds about a tenth)"
    residual = re.search(r"^residual\+BN +loss ([\d.]+) whole;.*worst ([\d.]+)", lesson05, re.M)
    whole, worst = map(float, residual.groups())
    assert 0.05 < worst - whole < 0.2
    text = " ".join("".join(c["source"]) for c in json.loads((NOTEBOOKS / "05_gradients.ipynb").read_text())["cells"]
                    if c["cell_type"] == "markdown").replace("\n", " ")
    assert f"takes it from {whole:.3f} to {worst:.3f}" in text  # the text quotes the printed numbers


def test_lesson03_input_size_runs_made_in_advance_are_what_the_text_says():
    """Lesson 03 section 7 loads these runs ("made in advance on a CPU", "a quarter of d2l's width, two seeds")."""
    from resnet_lib.lessons.input_size import SizeRecord

    record = SizeRecord.load()
    assert record.info["device"] == "cpu" and record.info["when"] and record.info["torch"]
    assert record.plan.width == 64 // 4 and len(record.plan.seeds) == 2 and record.sizes() == [28, 48, 96]
    assert {(run.image_size, run.seed) for run in record.runs} == {(s, seed) for s in (28, 48, 96) for seed in (0, 1)}
    assert all(len(run.test_acc) == record.plan.epochs for run in record.runs)


def test_lesson03_printed_factors_are_the_ones_its_text_quotes():
    lesson03 = printed("03_resnet18.ipynb")
    assert number(r"96 px costs (\d+\.\d)x the FLOPs of 28 px", lesson03) == 9.7
    assert "same parameter names and shapes: True; same outputs on two random images: True" in lesson03
    assert re.search(r"ResNet-50 +blocks per stage \[3, 4, 6, 3\], block Bottleneck", lesson03)
    assert number(r"equal steps: at the end 96 px is \+(0\.\d+) over 28 px", lesson03) > 0
    assert round(number(r"after one epoch 96 px had already spent (\d+\.\d+)x the compute", lesson03), 1) == 2.4
    # "drew level with 28 px's mean (0.824 vs 0.820) only after 4.88x": inside the spread between seeds, not "passed"
    level = re.search(r"1 of its 2 runs drew level with 28 px's mean \((0\.\d+) vs (0\.\d+)\) only after (\d+\.\d+)x",
                      lesson03)
    assert level and (level[1], level[2], round(float(level[3]), 1)) == ("0.824", "0.820", 4.9)
    text = " ".join("".join(c["source"]) for c in json.loads((NOTEBOOKS / "03_resnet18.ipynb").read_text())["cells"]
                    if c["cell_type"] == "markdown").replace("\n", " ")
    assert "drew level with 28 px's mean (0.824 vs 0.820) only after" in text and "passed 28 px" not in text
    assert "runs past 28 px" not in text and "passed it only" not in text
    assert "checkpoint" not in text + lesson03  # a word the lesson does not teach: "after one epoch" instead
    assert not re.search(r"(?<![\d.])0\.0%", lesson03)  # the stem's and the head's shares read "<0.1%", not zero


def test_lesson03_text_quotes_the_gain_at_equal_steps_it_printed_and_03_3_reads_its_runs_by_the_course_rule():
    lesson03 = printed("03_resnet18.ipynb")
    text = " ".join("".join(c["source"]) for c in json.loads((NOTEBOOKS / "03_resnet18.ipynb").read_text())["cells"]
                    if c["cell_type"] == "markdown").replace("\n", " ")
    gain = re.search(r"equal steps: at the end 96 px is (\+0\.\d{3}) over 28 px", lesson03)
    assert gain and f"4-5 points higher ({gain[1]})" in text and f"4-5 points more at the end, {gain[1]}" in text
    assert "per step" not in text  # read as a gain at every step; the figure shows it at the end
    line = re.search(r"without the max-pool ended with a (higher|lower) test accuracy than with it on all 3 seeds "
                     r"\(([^)]*)\); (.*) -> (without|with|can't tell)$", lesson03, re.M)
    assert line, "03.3's reference solution prints compare_seeds' sentence and the conclusion"
    diffs = [abs(float(d)) for d in line[2].split(", ")]
    spread = float(re.search(r"\((0\.\d{3})\)", line[3])[1])
    decided = all(d > spread for d in diffs)
    assert line[4] == ("can't tell" if not decided else "without" if line[1] == "higher" else "with")


def test_lesson03_size_comparison_is_the_printed_accuracies_subtracted():
    """Section 7's numbers: a reader who subtracts two printed accuracies gets the printed difference, and the
    table's verdicts are the ones its text reads (rows 1 and 2 decided, row 3 not)."""
    lesson03 = printed("03_resnet18.ipynb")
    means, seeds = {}, {}
    for size, mean, by_seed in re.findall(r"^ *(\d+) px: final test accuracy (0\.\d{3}) \(seeds: ([\d., ]+)\)",
                                          lesson03, re.M):
        means[int(size)], seeds[int(size)] = float(mean), [float(v) for v in by_seed.split(", ")]
    assert sorted(means) == [28, 48, 96]
    gains = re.search(r"equal steps: at the end 96 px is ([+-]0\.\d{3}) over 28 px, 48 px ([+-]0\.\d{3})", lesson03)
    assert gains and [float(g) for g in gains.groups()] == [round(means[s] - means[28], 3) for s in (96, 48)]
    rows = dict(re.findall(r"^\d +(\d+ px vs \d+ px) +([+-]\d\.\d{3}(?: +[+-]?\d\.\d{3})+ +[a-z0-9 ]+)$",
                           lesson03, re.M))
    assert list(rows) == ["96 px vs 28 px", "48 px vs 28 px", "96 px vs 48 px"]
    verdicts = {}
    for label, rest in rows.items():
        a, b = (int(v) for v in re.findall(r"\d+", label))
        *diffs, spread = (float(v) for v in re.findall(r"[+-]?\d\.\d{3}", rest))
        verdicts[label] = rest.split(f"{spread:.3f}")[-1].strip()
        assert diffs == [round(x - y, 3) for x, y in zip(seeds[a], seeds[b], strict=True)], label
        assert spread == round(max(max(seeds[a]) - min(seeds[a]), max(seeds[b]) - min(seeds[b])), 3), label
    assert verdicts == {"96 px vs 28 px": "96 px higher", "48 px vs 28 px": "48 px higher",
                        "96 px vs 48 px": "not told apart"}  # the text: rows 1 and 2 count, row 3 does not
    flops = dict(re.findall(r"^ *(\d+) px: final test accuracy .*; +(\d+\.\d+) MFLOPs per image", lesson03, re.M))
    factor = number(r"96 px: (\d+\.\d)x the FLOPs of 28 px at width", lesson03)
    assert f"{float(flops['96']) / float(flops['28']):.1f}" == f"{factor:.1f}"  # the printed FLOPs divided


def lesson06_markdown() -> str:
    cells = json.loads((NOTEBOOKS / "06_plain_vs_residual.ipynb").read_text())["cells"]
    return " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").replace("\n  ", " ")


def test_lesson06_text_reads_the_number_of_passes_from_the_printed_line():
    """The number of passes depends on the computer's sizes (3.07 on a GPU): the text points at the printed line."""
    number(r"12 runs of \d+ steps \((\d+\.\d+) passes over the training images\)",
           printed("06_plain_vs_residual.ipynb"))
    text = lesson06_markdown()
    assert "only as many passes over these images as the line above the figure prints" in text
    assert "a little over one pass" not in text


def test_lesson06_text_answers_whether_resnet56_beats_resnet20_in_short_runs(lesson06_tables):
    """"the default ResNet-56 ended higher on both seeds, the γ = 0 one lower on both, but each time at least one
    difference is no larger than the spread between seeds"."""
    default, zero = (lesson06_tables[f"ResNet-56 vs ResNet-20 ({init})"] for init in ("default", "γ = 0"))
    assert all(d > 0 for d in default[0]) and all(d < 0 for d in zero[0])
    assert all(any(abs(d) <= spread for d in diffs) for diffs, spread, _ in (default, zero))
    text = lesson06_markdown()
    assert "In the run printed above, these runs do not show ResNet-56 beating ResNet-20" in text
    assert "does not beat" not in text


def test_lesson06_text_reads_rows_3_to_6_of_the_short_runs_table(lesson06_tables):
    """"Row 3: at 20 layers the γ = 0 start ended higher on both seeds (+0.048, +0.057), by more than the spread
    between seeds (0.012)"; row 4 seeds disagree; rows 5 and 6: the residual depth penalty far below the plain one,
    by several times the spread."""
    diffs, spread, verdict = lesson06_tables["γ = 0 vs default (ResNet-20)"]
    assert verdict == "γ = 0 higher"
    quoted = ", ".join(f"{d:+.3f}" for d in diffs)
    text = lesson06_markdown()
    assert f"ended higher on both seeds ({quoted}), by more than the spread between seeds ({spread:.3f})" in text
    assert lesson06_tables["γ = 0 vs default (ResNet-56)"][2] == "seeds disagree"
    assert "at 56 layers the two seeds point different ways" in text
    for init in ("default", "γ = 0"):
        diffs, spread, verdict = lesson06_tables[f"ResNet vs plain, depth penalty ({init})"]
        assert verdict == "ResNet lower" and all(-d > 3 * spread for d in diffs), init  # "several times the spread"
    assert "the residual pair's depth penalty is far below the plain pair's, on both seeds, by several times" in text


def test_lesson06_text_reads_section_3s_factors_as_printed():
    """The cell after section 3's verdicts reads the two printed factors (ResNet-34 over ResNet-18, CIFAR-style 56
    over 20) and the misreadings box quotes the printed mean gaps."""
    lesson06 = printed("06_plain_vs_residual.ipynb")
    factor = dict(re.findall(r"^(ResNet-34|CIFAR-style 56) lost (\d+\.\d) times as much as", lesson06, re.M))
    means = dict(re.findall(r"(ResNet-18|ResNet-34|CIFAR-style 20|CIFAR-style 56) \+(\d\.\d{3})",
                            re.search(r"^plain minus residual training error, mean over seeds: .*$", lesson06,
                                      re.M).group(0)))
    assert f"{float(means['ResNet-34']) / float(means['ResNet-18']):.1f}" == factor["ResNet-34"]
    assert abs(float(means["CIFAR-style 56"]) / float(means["CIFAR-style 20"]) - float(factor["CIFAR-style 56"])) < 0.1
    text = lesson06_markdown()
    assert f"ResNet-34 lost {factor['ResNet-34']} times as much as ResNet-18 without its" in text
    assert f"the 56-layer net lost {factor['CIFAR-style 56']} times as much as the" in text
    assert (f"cut the training error by {means['ResNet-18']} at 18 layers and by {means['ResNet-34']} at 34" in text
            and f"by {means['CIFAR-style 20']} at 20 layers and {means['CIFAR-style 56']} at 56" in text)


def test_lesson06_summary_quotes_row_3_of_the_end_of_training_table(lesson06_tables):
    diffs, _, verdict = lesson06_tables["ResNet-56 vs ResNet-20 (training)"]
    quoted = ", ".join(f"{d:+.3f}" for d in diffs)
    text = lesson06_markdown()
    assert f"higher on every seed, {quoted}, {verdict}" in text and "nearly removes the harm of" in text
    assert "removes the harm of depth" not in text.replace("nearly removes", "")


def test_lesson06_gap_lines_say_what_the_text_reads_off_them():
    """After the end-of-training errors, one line per pair of depths: the mean gap over the passes. The text reads
    the plain gap as largest after pass 3 and smallest after the last pass, the residual one as above zero always."""
    lesson06 = printed("06_plain_vs_residual.ipynb")
    gaps = {deeper: (float(largest), int(at), float(smallest), int(then), float(last)) for deeper, largest, at,
            smallest, then, last in re.findall(r"^(plain-56|ResNet-56) minus \S+, training error, mean over seeds: "
                                               r"largest ([+-][\d.]+) \(pass (\d+)\), smallest ([+-][\d.]+) \(pass "
                                               r"(\d+)\), after the last pass ([+-][\d.]+)$", lesson06, re.M)}
    passes = int(number(r"3 seeds per net, (\d+) passes over the training images", lesson06))
    largest, at, smallest, then, last = gaps["plain-56"]
    assert at == 3 and then == passes and smallest == last > 0
    assert gaps["ResNet-56"][2] > 0
    text = lesson06_markdown()
    assert "largest after pass 3 and then narrowed, with ups and downs, to its smallest after the last pass" in text
    assert "even the smallest difference is above zero" in text
