"""The README stays true: its config table is the code's, and CI runs its test command."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from csp_dash.config import describe

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start: end if end > 0 else None]


def test_the_fresh_machine_section_has_exactly_two_commands():
    blocks = re.findall(r"```bash\n(.*?)```", _section("Two commands for a fresh machine"), flags=re.S)
    assert [b.strip() for b in blocks] == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && streamlit run app.py",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt && python -m pytest",
    ]


def test_ci_runs_the_readme_test_command():
    """.ci/run reads the command after the marker; check its extraction gives the second block."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    awk = re.search(r"test_command=\$\(awk '(.*?)' README.md\)", script).group(1)
    found = subprocess.run(["awk", awk, "README.md"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert found.strip() == ("python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt "
                             "&& python -m pytest")


def test_the_configuration_table_lists_every_key_with_its_default():
    rows = re.findall(r"^\| `([a-z_.]+)` \| `(.*?)` \| (.*?) \|$", _section("Configuration: `csp.toml`"), flags=re.M)
    assert rows == [(key, default, help_text) for key, default, help_text in describe()]
