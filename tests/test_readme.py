"""The README stays true: its config table is the code's, CI runs its test command, its links
lead to files of the repository, and the commands and test markers it shows exist."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from csp_dash.cli import _parser
from csp_dash.config import describe
from csp_dash.ingest import KINDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.S | re.M)


def _code(text: str = README) -> list[str]:
    """What the README shows as code: each line of its fenced blocks and each inline code span
    (a span broken over lines joined with spaces)."""
    lines = [line for block in FENCE.findall(text) for line in block.splitlines()]
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", FENCE.sub("", text))]
    return lines + spans


def _csp_dash_commands(text: str = README) -> list[list[str]]:
    """The arguments of every ``python -m csp_dash ...`` shown with a subcommand."""
    found = []
    for code in _code(text):
        if "csp_dash" not in code:
            continue
        try:
            words = shlex.split(code, comments=True)
        except ValueError:  # an unbalanced quote in prose shown as code
            words = code.split()
        for i in range(len(words) - 2):
            if words[i:i + 3] == ["python", "-m", "csp_dash"]:
                args = []
                for word in words[i + 3:]:
                    if word in ("&&", "||", "|", ";"):
                        break
                    args.append(word)
                if args:
                    found.append(args)
    return found


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return action.choices


def _relative_links(text: str = README) -> list[str]:
    """The targets of every Markdown link and image that is not a URL or an anchor."""
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", t) and not t.startswith("#")]


def _link_problems(text: str = README) -> list[str]:
    problems = []
    for target in _relative_links(text):
        path = (ROOT / target.split("#")[0]).resolve()
        if ".." in Path(target).parts or target.startswith("/") or not path.is_relative_to(ROOT):
            problems.append(f"{target}: outside the repository, so broken in a clone")
        elif not path.exists():
            problems.append(f"{target}: no such file in the repository")
    return problems


def _registered_markers() -> set[str]:
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    return {marker.split(":")[0].strip() for marker in ini["markers"]}


def _marker_expressions(text: str = README) -> list[str]:
    return [m.group(2) for m in re.finditer(r"""-m (["'])(.*?)\1""", text)]


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


# -- links, commands and markers the README shows ---------------------------------------------

def test_every_relative_link_points_at_a_file_in_the_repository():
    assert len(_relative_links()) >= 5  # the check sees the README's links (methods, data model, ...)
    assert _link_problems() == []


def test_the_link_check_catches_a_broken_or_outside_link():
    text = ("[a](docs/no-such-file.md) [b](../shared/strategy/csp-strategy-2019-2021.md) [c](https://example.org/x) "
            f"[d](../{ROOT.name}/docs/methods.md) [e](#troubleshooting) ![f](docs/images/overview.png)")
    assert _link_problems(text) == [
        "docs/no-such-file.md: no such file in the repository",
        "../shared/strategy/csp-strategy-2019-2021.md: outside the repository, so broken in a clone",
        f"../{ROOT.name}/docs/methods.md: outside the repository, so broken in a clone"]


def test_every_csp_dash_command_names_a_real_subcommand_and_kind():
    commands = _csp_dash_commands()
    subcommands = set(_subcommands())
    assert {args[0] for args in commands} >= {"ingest", "validate", "status", "figures", "demo"}
    for args in commands:
        assert args[0] in subcommands, f"python -m csp_dash {' '.join(args)}: no subcommand {args[0]!r}"
        if args[0] in ("ingest", "validate"):
            assert len(args) > 1 and args[1] in KINDS, \
                f"python -m csp_dash {' '.join(args)}: the kind must be one of {', '.join(KINDS)}"
        try:
            _parser().parse_args(args)
        except SystemExit:
            pytest.fail(f"python -m csp_dash {' '.join(args)}: the command line parser refuses it")


def test_the_command_check_catches_a_wrong_subcommand_or_kind():
    text = "```bash\npython -m csp_dash ingest crimes x.csv  # typo\n```\nthen `python -m csp_dash stats`"
    commands = _csp_dash_commands(text)
    assert commands == [["ingest", "crimes", "x.csv"], ["stats"]]
    assert commands[0][1] not in KINDS and commands[1][0] not in _subcommands()


def test_every_marker_expression_shown_uses_registered_markers():
    expressions = _marker_expressions()
    assert 'not browser and not real_data' in expressions
    registered = _registered_markers()
    for expression in expressions:
        names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression)) - {"and", "or", "not"}
        assert names <= registered, f'-m "{expression}": {sorted(names - registered)} not in pyproject.toml\'s markers'
