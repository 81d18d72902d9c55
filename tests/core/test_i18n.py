"""Every string a person sees exists in Simplified Chinese."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "locale" / "zh_Hans" / "LC_MESSAGES").glob("*.po"))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_catalogue_is_fully_translated(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_placeholders_match(path):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for entry in polib.pofile(str(path)).translated_entries():
        if not entry.msgid_plural:
            assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(entry.msgstr)), (
                entry.msgid
            )


def test_catalogues_contain_every_string_in_the_code(tmp_path):
    """Re-extract the strings (as `make messages` does) and find none missing from the catalogues."""
    if not shutil.which("xgettext"):
        need_service("GNU gettext (xgettext) is not installed: apt-get install gettext")
    for name in ("apps", "templates", "socialdemo", "static", "locale", "manage.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo")
            )
        else:
            shutil.copy(source, tmp_path / name)
    env = {**os.environ, "DEBUG": "1", "PYTHONPATH": str(tmp_path)}
    env.pop("PYTEST_VERSION", None)
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", domain, "--no-obsolete"],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"))
        missing = [e.msgid for e in fresh.untranslated_entries() + fresh.fuzzy_entries()]
        assert missing == [], f"Run `make messages` and translate these in {domain}.po: {missing}"
