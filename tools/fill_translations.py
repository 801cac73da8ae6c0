"""Fill a catalogue's empty msgstr entries from a Python dict (msgid -> translation).

    python tools/fill_translations.py gateway/translations/core/ja/LC_MESSAGES/messages.po ja.py

Prints the msgids still untranslated afterwards, so nothing slips through.
"""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, dict_path: str) -> int:
    table = runpy.run_path(dict_path)["JA"]
    with open(po_path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and not message.string and message.id in table:
            message.string = table[message.id]
    with open(po_path, "wb") as handle:
        write_po(handle, catalog, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print("untranslated:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
