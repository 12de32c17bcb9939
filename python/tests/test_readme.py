"""The README's "From Python" example runs as written (from the repository root)."""

from __future__ import annotations

import os
import re

from conftest import ROOT


def test_readme_python_example_runs(capsys):
    text = (ROOT / "README.md").read_text()
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(blocks[0], "README.md", "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "(100, 5)" in out and "0.75" in out and "True e602811c6497eabd" in out
    assert "P>|z|" in out and "PROD_Test" in out
