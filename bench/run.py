"""Run every benchmark in bench/ (bench_*.py), one process each, and print their tables.

Each benchmark measures its own baseline in the same run, so figures compare like with like on this machine,
and prints its targets with a pass/FAIL mark; the rows that missed are listed again at the end. A missed target
does not fail the run (timings on a shared machine are not a verdict); a benchmark that crashes does.
`make bench` runs this; `make bench ONLY=pages` runs the ones whose name contains "pages".
"""

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = os.environ.get("ONLY", "")
    scripts = sorted(p for p in HERE.glob("bench_*.py") if only in p.stem)
    failed, missed = [], []
    for script in scripts:
        print(f"\n=== {script.stem} " + "=" * max(0, 70 - len(script.stem)), flush=True)
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=HERE.parent,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        for line in proc.stdout:  # shown as it comes; rows marked FAIL are repeated at the end
            print(line, end="", flush=True)
            if " FAIL " in f" {line} ":
                missed.append(f"{script.stem}: {line.strip()}")
        proc.wait()
        print(f"({script.stem}: {time.monotonic() - started:.1f} s)", flush=True)
        if proc.returncode:
            failed.append(script.stem)
    if missed:
        print("\nTargets missed (FAIL rows):\n  " + "\n  ".join(missed))
    if failed:
        print("\nFailed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
