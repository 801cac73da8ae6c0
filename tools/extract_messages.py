"""The UI's messages, each in exactly one gettext catalogue.

Every UI area has ``gateway/translations/<area>/babel.cfg`` (which sources are its own)
and ``gateway/translations/<area>/ja/LC_MESSAGES/messages.po`` (its Japanese). A msgid
used by one area lives in that area's catalogue; one used by two or more areas lives in
``core``. The Japanese is written in the .po files and nowhere else.

    python tools/extract_messages.py            # bring every catalogue up to date
    python tools/extract_messages.py --check    # exit 1 if any catalogue is out of date

Updating keeps every translation (wherever it was before), drops msgids no source uses any
more, and lists the msgids still waiting for their Japanese.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "gateway" / "translations"
SHARED_AREA = "core"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
LOCALE = "ja"


@dataclass
class Message:
    msgid: str
    areas: set[str] = field(default_factory=set)
    locations: list[tuple[str, int]] = field(default_factory=list)


def areas() -> list[str]:
    return sorted(p.parent.name for p in TRANSLATIONS.glob("*/babel.cfg"))


def catalogue_path(area: str) -> Path:
    return TRANSLATIONS / area / LOCALE / "LC_MESSAGES" / "messages.po"


def extract_area(area: str) -> list[tuple[str, str, int]]:
    """(msgid, file, line) of every message the area's sources use."""
    with (TRANSLATIONS / area / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.append((msgid, filename, lineno))
    return found


def collect() -> dict[str, Message]:
    messages: dict[str, Message] = {}
    for area in areas():
        for msgid, filename, lineno in extract_area(area):
            message = messages.setdefault(msgid, Message(msgid))
            message.areas.add(area)
            message.locations.append((filename, lineno))
    return messages


def home(message: Message) -> str:
    """One area's own word stays there; a word two areas use is shared, in core."""
    return next(iter(message.areas)) if len(message.areas) == 1 else SHARED_AREA


def read_catalogue(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=LOCALE)


def known_translations() -> dict[str, str]:
    """Every translation in any catalogue today (a msgid may be moving between areas)."""
    table: dict[str, str] = {}
    for area in areas():
        catalogue = read_catalogue(catalogue_path(area))
        for message in catalogue or []:
            if message.id and message.string:
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                msgstr = message.string if isinstance(message.string, str) else message.string[0]
                table.setdefault(msgid, msgstr)
    return table


def build(area: str, messages: dict[str, Message], translations: dict[str, str]) -> Catalog:
    catalogue = Catalog(
        locale=LOCALE,
        project="Tsunagu",
        version="1",
        domain="messages",
        header_comment=f"# Japanese of the {area} area of the Tsunagu UI.",
        fuzzy=False,
    )
    # Sorted, without source locations: a catalogue changes only when its words do.
    own = sorted((m for m in messages.values() if home(m) == area), key=lambda m: m.msgid)
    for message in own:
        catalogue.add(
            message.msgid,
            translations.get(message.msgid, ""),
            flags=("python-format",) if "%(" in message.msgid else (),
        )
    return catalogue


def render(catalogue: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalogue, width=100, no_location=True)
    return _without_dates(out.getvalue())


def _without_dates(po: bytes) -> bytes:
    """The header's creation date would make every run a change."""
    lines = [
        line
        for line in po.split(b"\n")
        if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:'))
    ]
    return b"\n".join(lines)


def entries(path: Path) -> dict[str, str]:
    catalogue = read_catalogue(path)
    out = {}
    for message in catalogue or []:
        if message.id:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            out[msgid] = str(message.string or "")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if stale")
    args = parser.parse_args(argv)
    messages = collect()
    translations = known_translations()
    stale = []
    untranslated = []
    for area in areas():
        catalogue = build(area, messages, translations)
        path = catalogue_path(area)
        wanted = {m.id: str(m.string or "") for m in catalogue if m.id}
        if entries(path) != wanted:
            stale.append(area)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(render(catalogue))
        untranslated += [f"{area}: {msgid!r}" for msgid, text in wanted.items() if not text]
    for line in untranslated:
        print("untranslated", line)
    if args.check and stale:
        print("out of date:", ", ".join(stale), "(run python tools/extract_messages.py)")
        return 1
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main())
