"""The committed benchmark records read as lines a learner can follow, and a missing record says so."""

import json

from resnet_lib.lessons.records import RESULTS, gpu_runs, improved_seeds, throughput_records


def test_the_committed_throughput_record_reads_as_one_line_per_record():
    lines = throughput_records()
    assert len(lines) == len(list(RESULTS.glob("train_throughput-*.json"))) >= 1
    record = json.loads(sorted(RESULTS.glob("train_throughput-*.json"))[0].read_text())
    ratio = record["figures"]["input pipeline"]["ratio"]
    assert f"input pipeline {record['figures']['input pipeline']['d2l']['median']:,.0f} vs" in lines[0]
    assert f"({ratio:.2f}x)" in lines[0] and "2-core" in lines[0]


def test_a_gpu_run_record_is_summarised_and_its_absence_said(tmp_path):
    assert gpu_runs(tmp_path) == ["no run of d2l's full recipe made in advance on a GPU yet"]
    assert throughput_records(tmp_path) == ["no speed measurement made in advance"]
    record = {"date": "2026-11-29T01:00:00Z", "machine": {"device": "cuda", "device_name": "NVIDIA H200",
                                                          "cores": 16, "cpu": "x"},
              "history": {"test_acc": [0.85, 0.893], "wall_s": [60.0, 60.0]}}
    (tmp_path / "full-run-nvidia-h200.json").write_text(json.dumps(record))
    assert gpu_runs(tmp_path) == ["a run of d2l's full recipe made in advance on NVIDIA H200: test accuracy 0.893 "
                                  "after 2 epochs, 2 min"]


def test_improved_seed_records_read_one_line_per_seed(tmp_path):
    assert improved_seeds("cpu", tmp_path) == [
        "no runs of the improved recipe made in advance at these settings"]
    record = {"date": "2026-11-29T01:00:00Z", "machine": {"device": "cpu", "device_name": "x", "cores": 2,
                                                          "cpu": "Xeon"},
              "runs": {"0": {"test_acc": [0.9, 0.9202]}, "1": {"test_acc": [0.91, 0.9229]}}}
    (tmp_path / "improved_seeds-cpu.json").write_text(json.dumps(record))
    assert improved_seeds("cpu", tmp_path) == [
        "made in advance on a 2-core Xeon: seed 0, test accuracy 0.9202 after 2 epochs",
        "made in advance on a 2-core Xeon: seed 1, test accuracy 0.9229 after 2 epochs"]
