#!/usr/bin/env python3
"""Cross-checks `reesim game --solve --method enummixed` against lrsnash (Debian package lrslib).

Draws random two-player games (sizes up to 6x6, small integer payoffs so many are degenerate), solves
each with both programs and compares the sets of extreme equilibria exactly (as fractions). Optional:
not part of the test suite, since lrslib is not a build dependency.

    tools/games_lrsnash_check.py build/release/cli/reesim [--games 300] [--seed 1]

Exit code 0 when every game agrees, 1 otherwise (the differing games are printed).
"""
import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path


def write_nfg(path, a, b):
    m, n = len(a), len(a[0])
    payoffs = []
    for c in range(n):  # player 1 fastest
        for r in range(m):
            payoffs += [a[r][c], b[r][c]]
    path.write_text('NFG 1 R "random" { "1" "2" } { %d %d }\n%s\n' % (m, n, " ".join(map(str, payoffs))))


def write_lrs(path, a, b):
    rows = lambda matrix: "\n".join(" ".join(map(str, row)) for row in matrix)
    path.write_text("%d %d\n\n%s\n\n%s\n" % (len(a), len(a[0]), rows(a), rows(b)))


def lrsnash_equilibria(path, m, n):
    out = subprocess.run(["lrsnash", str(path)], capture_output=True, text=True, check=True).stdout
    found, pending = set(), []
    for line in out.splitlines():
        fields = line.split()
        if not fields or fields[0] not in ("1", "2"):
            continue
        values = tuple(Fraction(v) for v in fields[1:])
        if fields[0] == "2":
            pending.append(values[:n])
        else:
            x = values[:m]
            for y in pending:
                found.add((x, y))
            pending = []
    return found


def reesim_equilibria(binary, path):
    out = subprocess.run([binary, "game", "--solve", str(path), "--method", "enummixed"], capture_output=True,
                         text=True, check=True).stdout
    found = set()
    for e in json.loads(out)["equilibria"]:
        x, y = (tuple(Fraction(v) for v in mix) for mix in e["exact"]["strategies"])
        found.add((x, y))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reesim")
    parser.add_argument("--games", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("lrsnash") is None:
        print("lrsnash not found (apt-get install lrslib)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for g in range(args.games):
            m, n = rng.randint(1, 6), rng.randint(1, 6)
            a = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(m)]
            b = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(m)]
            nfg, lrs = Path(tmp) / "g.nfg", Path(tmp) / "g.lrs"
            write_nfg(nfg, a, b)
            write_lrs(lrs, a, b)
            ours, theirs = reesim_equilibria(args.reesim, nfg), lrsnash_equilibria(lrs, m, n)
            if ours != theirs:
                bad += 1
                print("game %d (%dx%d) differs: A=%s B=%s\n  reesim only: %s\n  lrsnash only: %s"
                      % (g, m, n, a, b, sorted(ours - theirs), sorted(theirs - ours)))
    print("%d of %d games agree" % (args.games - bad, args.games))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
