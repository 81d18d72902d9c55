"""Run every benchmark in bench/ (bench_*.py), one process each, and print their tables.

Each benchmark measures its own baseline in the same run, so figures compare like with like on this machine.
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
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} " + "=" * max(0, 70 - len(script.stem)), flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"({script.stem}: {time.monotonic() - started:.1f} s)", flush=True)
        if result.returncode:
            failed.append(script.stem)
    if failed:
        print("\nFailed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
