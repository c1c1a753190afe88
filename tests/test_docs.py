"""The README opens with what the tool answers and the two commands; CI installs what the tests need."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_first_command_makes_a_virtual_environment_installs_and_starts_the_app():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    first, second = blocks[0], blocks[1]
    assert "python3 -m venv .venv" in first and ". .venv/bin/activate" in first
    assert "pip install -r requirements.txt" in first and "streamlit run app.py" in first
    assert second.strip() == "bash .ci/run"
    assert readme.index("what would a") < readme.index("```")  # what it answers comes first
    assert "## Performance" in readme and "benchmarks/README.md" in readme
    assert "| sessions |" not in readme and "| sessions |" in (ROOT / "benchmarks" / "README.md").read_text()


def test_ci_installs_axe_core_and_the_browser():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "npm install" in ci and "axe-core@" in ci and "chromium" in ci
    assert "requirements-dev.txt" in ci and "ruff check" in ci
