#!/usr/bin/python3
"""Runs every ```sh block of README.md as written, in order, as a new user would after the set-up.

    tools/readme_test.py SOURCE_DIR BUILD_DIR

The blocks run with bash (-e: a failing line fails the block) in a scratch copy of the clone (without
build/, .git and node_modules; build/ is linked back), with BUILD_DIR/cli first on the PATH as
`tools/setup.sh run` installs it. A block after the comment `<!-- illustration: why -->` is skipped.
Exit 1 naming the block, its first line and its output when a block fails.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile


def blocks(readme):
    """Yields (line number, text, skipped reason or None) of every sh block."""
    lines = readme.splitlines()
    skip = None
    i = 0
    while i < len(lines):
        marker = re.match(r"<!-- illustration: (.*) -->", lines[i].strip())
        if marker:
            skip = marker.group(1)
        elif lines[i].strip() == "```sh":
            start = i + 1
            j = start
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            yield start + 1, "\n".join(lines[start:j]), skip
            skip = None
            i = j
        elif lines[i].strip():
            skip = None
        i += 1


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, build = (os.path.abspath(a) for a in sys.argv[1:])
    readme = open(os.path.join(source, "README.md"), encoding="utf-8").read()
    with tempfile.TemporaryDirectory(prefix="reesim-readme-") as scratch:
        clone = os.path.join(scratch, "clone")
        shutil.copytree(source, clone, symlinks=True,
                        ignore=shutil.ignore_patterns("build", ".git", "node_modules", "reesim-out", "__pycache__"))
        os.symlink(os.path.dirname(build), os.path.join(clone, "build"))
        env = dict(os.environ, PATH=os.path.join(build, "cli") + os.pathsep + os.environ.get("PATH", ""),
                   MPLBACKEND="Agg")
        ran = skipped = 0
        for line, text, skip in blocks(readme):
            if skip:
                print("README.md:%d: skipped (%s)" % (line, skip))
                skipped += 1
                continue
            result = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=clone, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
            if result.returncode != 0:
                print("README.md:%d: the block failed (exit %d):\n%s\n--- output:\n%s"
                      % (line, result.returncode, text, result.stdout.decode(errors="replace")[-4000:]))
                return 1
            print("README.md:%d: ok (%s)" % (line, text.splitlines()[0][:70]))
            ran += 1
        print("%d blocks ran, %d illustrations skipped" % (ran, skipped))
        if ran == 0:
            print("no block ran: is README.md's format as this script expects?")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
