"""For `git bisect run`: is the checked-out commit's search slower, in CPU time, than a reference's?

    git worktree add --detach /tmp/bisect BAD && cd /tmp/bisect && git bisect start BAD GOOD
    git bisect run /work/wt/tools/.venv/bin/python /work/wt/tools/tools/bisect_cpu.py \\
        --reference GOOD --threshold 1.25 -- -j1 -F 'Failed password' /path/to/gz-tree

Runs `python -m logpipe grep --no-progress ARGS...` from the checkout git bisect is in (the
current directory's work tree) and from REFERENCE (a temporary worktree, tools/revisions.py),
alternated, --runs times each after a warm-up run of each, with this interpreter and PYTHONPATH
at each checkout (the venv's packages serve both: run it with a venv that has what the newer
commit needs). Compares the medians of user + system CPU time (a logpipe and its reaped
workers), which load on a shared machine disturbs less than wall time. Exit status for git
bisect: 0 (good) when candidate/reference < --threshold, 1 (bad) when not, 125 (skip) when
the candidate cannot run the search (status other than 0 or 1).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "benchmarks"))
sys.path.insert(0, str(HERE))

from run import environment, measure  # noqa: E402
from revisions import temporary_checkout  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="the good revision to compare with")
    parser.add_argument("--threshold", type=float, required=True, help="candidate/reference CPU ratio that is bad")
    parser.add_argument("--runs", type=int, default=5, help="runs of each side (default 5)")
    parser.add_argument("arguments", nargs="+", help="after --: the arguments of `logpipe grep`")
    args = parser.parse_args()

    candidate = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], check=True, capture_output=True,
                                    text=True).stdout.strip())
    label = subprocess.run(["git", "-C", str(candidate), "log", "-1", "--format=%h %s"], capture_output=True,
                           text=True).stdout.strip()
    command = [sys.executable, "-m", "logpipe", "grep", "--no-progress", *args.arguments]
    with temporary_checkout(args.reference, repo=candidate) as (_, reference):
        sides = {"candidate": environment(candidate), "reference": environment(reference)}
        cpu: dict[str, list[float]] = {side: [] for side in sides}
        try:
            for side, env in sides.items():  # warm-up: page cache, bytecode
                measure(command, env)
            for number in range(args.runs):
                for side in (list(sides) if number % 2 == 0 else list(sides)[::-1]):
                    cpu[side].append(measure(command, sides[side]).cpu)
        except RuntimeError as error:
            print(f"bisect_cpu: {label}: {error}: skip", flush=True)
            return 125
    new, old = statistics.median(cpu["candidate"]), statistics.median(cpu["reference"])
    verdict = "bad" if new / old >= args.threshold else "good"
    print(f"bisect_cpu: {label[:90]}: CPU {new:.3f} s vs {old:.3f} s ({args.reference}) = {new / old:.2f} -> "
          f"{verdict} (runs {' '.join(f'{c:.2f}' for c in cpu['candidate'])} / "
          f"{' '.join(f'{c:.2f}' for c in cpu['reference'])})", flush=True)
    return 1 if verdict == "bad" else 0


if __name__ == "__main__":
    sys.exit(main())
