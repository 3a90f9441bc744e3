"""nnc.train: the loop of `nnc train` over libnnc_runtime.so, checked
against the `nnc train` command itself, and its per-epoch callback."""
import csv
import json
import os
import subprocess

import numpy as np
import pytest

import nnc

EPOCHS = 300


def history_rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def cli_run(spiral_path, tmp_path_factory):
    """`nnc train` on the spiral: its summary and history."""
    out = tmp_path_factory.mktemp("cli")
    subprocess.run([nnc.find_nnc(), "train", spiral_path, "--epochs",
                    str(EPOCHS), "--out", str(out), "--no-plots", "--quiet"],
                   check=True)
    with open(out / "summary.json") as f:
        return json.load(f), history_rows(out / "history.csv")


def test_train_equals_the_command_line(spiral_path, tmp_path, cli_run):
    cli_summary, cli_history = cli_run
    seen = []
    summary = nnc.train(spiral_path, out=str(tmp_path), epochs=EPOCHS,
                        plots=False,
                        on_epoch=lambda epoch, m: seen.append((epoch, m)))
    # The same loop, the same seeds: the same run.
    for key in ("train_accuracy", "train_loss", "steps", "epochs_run"):
        assert summary[key] == cli_summary[key], key
    assert summary["train_accuracy"] >= 0.95
    # The callback: once per epoch, in order, with the history's figures.
    assert [e for e, _ in seen] == list(range(1, EPOCHS + 1))
    rows = history_rows(tmp_path / "history.csv")
    assert len(rows) == len(cli_history) == EPOCHS
    for (epoch, metrics), row, cli in zip(seen, rows, cli_history):
        assert metrics["epoch"] == epoch == int(row["epoch"])
        assert metrics["train_loss"] == pytest.approx(float(row["train_loss"]),
                                                      rel=1e-8)
        assert row["train_accuracy"] == cli["train_accuracy"]
        assert metrics["val_loss"] is None  # the spiral has no validation
    # The trained weights load into a Model and classify as trained.
    with nnc.compile(spiral_path) as model:
        model.load(str(tmp_path / "model.safetensors"))
        assert model.step == summary["steps"]


def test_returning_false_stops_training(spiral_path, tmp_path):
    calls = []

    def on_epoch(epoch, metrics):
        calls.append(epoch)
        return epoch < 3

    summary = nnc.train(spiral_path, out=str(tmp_path), epochs=50,
                        on_epoch=on_epoch, plots=False)
    assert calls == [1, 2, 3]
    assert summary["epochs_run"] == 3
    assert len(history_rows(tmp_path / "history.csv")) == 3
    assert os.path.exists(tmp_path / "model.safetensors")


def test_an_exception_in_the_callback_propagates(spiral_path):
    def on_epoch(epoch, metrics):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        nnc.train(spiral_path, epochs=5, on_epoch=on_epoch)


def test_overrides_are_checked(spiral_path):
    with pytest.raises(TypeError, match="unexpected overrides epoch"):
        nnc.train(spiral_path, epoch=3)
    with pytest.raises(nnc.NncError, match="epochs: expected an integer"):
        nnc.train(spiral_path, epochs=2.5)
    with pytest.raises(nnc.NncError, match="lr: expected a finite number"):
        nnc.train(spiral_path, lr=-1)
    with pytest.raises(nnc.NncError, match="batch: expected an integer >= 1"):
        nnc.train(spiral_path, batch=0)
    # The runtime's own errors arrive as NncError with its message.
    with pytest.raises(nnc.NncError) as e:
        nnc.train(spiral_path, epochs=1, data='csv("no-such-file.csv")')
    assert "no-such-file.csv" in e.value.message
    # A data source in .nn syntax is checked by nnc's front end first.
    with pytest.raises(nnc.NncError) as e:
        nnc.train(spiral_path, epochs=1, data="spiral(points = 0)")
    assert "argument 'points' of spiral must be >= 1, got '0'" in \
        e.value.message


def test_overrides_reach_the_loop(spiral_path):
    summary = nnc.train(spiral_path, epochs=2, batch=100, lr=0.01, seed=4,
                        data="spiral(classes = 3, points = 50)")
    assert summary["epochs_run"] == 2 and summary["batch"] == 100
    assert summary["learning_rate"] == pytest.approx(0.01)
    assert summary["seed"] == 4 and summary["samples_per_epoch"] == 150
    assert summary["steps"] == 4
