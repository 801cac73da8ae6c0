"""Memory of the embedded stack as a new user runs it: ``python -m tsunagu run`` (what
``make run`` starts) with the demo seeded, measured as the PSS of its whole process tree.

    PYTHONPATH=. .venv/bin/python -m tests.bench.bench_memory [--settle 5]

PSS (proportional set size) counts a page shared by n processes as 1/n in each, so the sum
over the tree is what the stack really costs the machine. Prints one line per process and
the total in MiB; the issue's goal is a total of at most 600 MiB.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.e2e.stack import make_run


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def command_line(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(a.decode(errors="replace") for a in argv if a)[:90]


def measure(settle: float, demo: bool) -> tuple[int, list[tuple[int, int, str]]]:
    # The user's own password hashing settings: argon2's memory is part of the cost.
    with (
        tempfile.TemporaryDirectory(prefix="tsunagu-mem-") as workdir,
        make_run(Path(workdir), demo=demo, fast_passwords=False) as run,
    ):
        time.sleep(settle)
        tree = process_tree(run.process.pid)
        rows = [(pid, pss_kib(pid), command_line(pid)) for pid in tree]
    return sum(kib for _, kib, _ in rows), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait before reading")
    parser.add_argument("--no-demo", action="store_true", help="measure without the demo data")
    args = parser.parse_args()
    total, rows = measure(args.settle, demo=not args.no_demo)
    for pid, kib, cmd in sorted(rows, key=lambda r: -r[1]):
        print(f"{kib / 1024:8.1f} MiB  {pid:>7}  {cmd}")
    print(f"embedded stack: {len(rows)} processes, {total / 1024:.0f} MiB PSS (goal: ≤ 600)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
