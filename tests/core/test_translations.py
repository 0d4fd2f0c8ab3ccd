"""The English catalogue is complete and actually used: msgids are Simplified Chinese, English is the second language.

The .po file is parsed here in pure Python (no polib), so the completeness check runs anywhere. The page checks need
the compiled .mo, which scripts/setup.sh builds; when it is missing or older than the .po, it is compiled first.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> list[str]:
        return [value for name, value in self.fields.items() if name.startswith("msgstr")]


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header included; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    last_field: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, last_field = None, None
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert last_field is not None, f"{path}:{number}: continuation line without a keyword"
            current.fields[last_field] += ast.literal_eval(line)
        else:
            keyword, _, value = line.partition(" ")
            last_field = keyword
            current.fields[keyword] = ast.literal_eval(value.strip())
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    assert PO_FILE.exists(), (
        f"{PO_FILE} is missing: run manage.py makemessages -l en (see docs/translating.md)"
    )
    return parse_po(PO_FILE)


def _messages(catalogue: list[Entry]) -> list[Entry]:
    return [entry for entry in catalogue if entry.msgid]


def test_catalogue_has_entries(catalogue):
    assert len(_messages(catalogue)) > 100


def test_no_untranslated_entries(catalogue):
    untranslated = [
        f"line {entry.line}: {entry.msgid}"
        for entry in _messages(catalogue)
        if not entry.translations or not all(entry.translations)
    ]
    assert not untranslated, "untranslated entries in django.po:\n" + "\n".join(untranslated)


def test_no_fuzzy_entries(catalogue):
    fuzzy = [
        f"line {entry.line}: {entry.msgid or '(header)'}" for entry in catalogue if "fuzzy" in entry.flags
    ]
    assert not fuzzy, (
        "fuzzy entries in django.po (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    )


def test_translations_keep_placeholders(catalogue):
    wrong = []
    for entry in _messages(catalogue):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for translation in entry.translations:
            if sorted(PLACEHOLDER.findall(translation)) != expected:
                # Plural forms may leave out the count (e.g. "one request"); everything else must match exactly.
                if "msgid_plural" in entry.fields and set(PLACEHOLDER.findall(translation)) <= set(expected):
                    continue
                wrong.append(f"line {entry.line}: {entry.msgid!r} -> {translation!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_msgids_are_chinese(catalogue):
    """Source strings are Simplified Chinese; an English msgid is usually a string written in the wrong language."""
    allowed = {"English", "Open311"}
    latin_only = [
        f"line {entry.line}: {entry.msgid}"
        for entry in _messages(catalogue)
        if entry.msgid not in allowed
        and not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", entry.msgid)
    ]
    assert not latin_only, "msgids without any Chinese text:\n" + "\n".join(latin_only)


def _translation_of(catalogue: list[Entry], msgid: str) -> str:
    for entry in catalogue:
        if entry.msgid == msgid:
            assert entry.translations and entry.translations[0], f"{msgid!r} is not translated"
            return entry.translations[0]
    raise AssertionError(f"{msgid!r} is not in django.po")


@pytest.fixture(scope="module")
def compiled() -> None:
    """Make sure the .mo exists and is current, then drop Django's cached catalogues so they are read again."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        call_command(
            "compilemessages",
            locale=["en"],
            ignore_patterns=[".venv", "var", "node_modules", "bench"],
            verbosity=0,
        )
    assert MO_FILE.exists()
    trans_real._translations = {}
    trans_real._default = None
    clear = getattr(trans_real.check_for_language, "cache_clear", None)
    if clear is not None:
        clear()


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


PAGES = [
    ("/office/login/", "工作人员登录"),
    ("/", "居民服务"),
]


def test_languages_setting():
    codes = [code for code, _ in settings.LANGUAGES]
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert codes[:2] == ["zh-hans", "en"]
    assert LOCALE_DIR in [Path(path) for path in settings.LOCALE_PATHS]


@pytest.mark.parametrize(("url", "chinese"), PAGES)
def test_language_cookie_shows_english(english_client, db, compiled, catalogue, url, chinese):
    english = _translation_of(catalogue, chinese)
    response = english_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert english in html
    assert chinese not in html


@pytest.mark.parametrize(("url", "chinese"), PAGES)
def test_default_language_is_chinese(client, db, compiled, catalogue, url, chinese):
    english = _translation_of(catalogue, chinese)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert chinese in html
    assert english not in html


def test_accept_language_header_selects_english(client, db, compiled, catalogue):
    response = client.get("/office/login/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert _translation_of(catalogue, "工作人员登录") in response.content.decode()


def test_language_switcher_sets_english(client, db, compiled, catalogue):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/office/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/office/login/").content.decode()
    assert _translation_of(catalogue, "工作人员登录") in html
    assert "工作人员登录" not in html
