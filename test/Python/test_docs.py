"""docs/python.md's worked example runs as written, from the repository
root (its asserts are part of it)."""
import os
import re

from conftest import ROOT


def test_worked_example_runs(monkeypatch, capsys):
    with open(os.path.join(ROOT, "docs", "python.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(ROOT)
    exec(compile(blocks[0], "docs/python.md", "exec"), {})
    out = capsys.readouterr().out
    assert "<nnc.Model Spiral(x: float32[N, 2])" in out
    assert "INVALID_ARGUMENT: predict: 'x': expected shape [N, 2], got [4, 3]" \
        in out
