#!/usr/bin/env python3
"""Mutates reesim's inputs and runs the real program on each, classifying what it does (issue 19's
"10,000 inputs of each kind"; docs/fuzzing.md).

    tools/fuzz_inputs.py [--reesim build/release/cli/reesim] [--count 10000] [--jobs 2]
                         [--kinds scenario,experiment,snapshot,shard,nfg] [--seed 1] [--timeout 20]
                         [--keep reesim-fuzz-findings]

For each kind it takes the seed corpus (fuzz/corpus/<kind>/, tools/make_fuzz_corpus.py) and makes
COUNT mutants, each by one to three of: byte flips, a truncation, a splice from another seed of the
kind, a numeric edge value (0, -1, 1e17, 1e308, inf, nan, 2^31, 2^63, 2^64, ...) in place of a number,
an enum written as a number (7, 99, -1, 1000000, ...) in place of an enum name, and a huge count (a line
or block repeated thousands of times, a count or length field made huge). Then it runs:

    scenario    reesim check FILE; when accepted, reesim run --rounds 2 and reesim inspect of its run.pbs
    experiment  reesim check FILE
    snapshot    reesim inspect FILE --format jsonl (or csv, every other input)
    shard       reesim merge DIR... --out OUT (the seed's shard files, one per directory)
    nfg         reesim game --solve FILE

and classifies each outcome:

    accepted    exit 0, and the outputs pass the program's own reader (below)
    range       (scenario) check accepted it, and run stopped with exit 1 and the one-line message that
                a quantity or price left the market's integer units (1e12 t, 1e9 USD/kg; world/market.h)
    refused     exit 2 with stderr lines of the form `reesim: error|warning: ...` (valid UTF-8, each under
                4 KB); a refused merge or run leaves no output behind
    crash       killed by a signal, or a sanitizer report / `internal error` on stderr
    hang        still running after --timeout seconds
    wrong       "silent wrong output": exit 0 but an output the program's own reader refuses (run.pbs
                that `inspect` refuses or calls incomplete, summary.json or a jsonl line that is not strict
                JSON, a CSV with ragged rows), output that is not UTF-8, or any other exit code or a
                refusal without a clear message

Prints a table and exits 1 if any input crashed, hung or gave wrong output; each such input is copied
to --keep DIR with the command and its stderr, to replay. Deterministic for a given --seed. Use the ASan
build (--reesim build/asan/cli/reesim) to see sanitizer reports; the release build shows crashes only.
"""
import argparse
import concurrent.futures
import csv
import io
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
KINDS = ["scenario", "experiment", "snapshot", "shard", "nfg"]
# Classroom messages reach the program only over a WebSocket: they go through the libFuzzer harness
# (build/fuzz/fuzz/fuzz_classroom_message, the same parse and Game::Handle the server calls, under
# ASan+UBSan), named with --classroom-harness; not among the default kinds.
EXTRA_KINDS = ["classroom"]
CORPUS_OF = {"classroom": "classroom_message"}
SHARD_SEPARATOR = b"\n@@next-shard@@\n"  # as in fuzz/shard_fuzz.cc and the corpus

EDGE_NUMBERS = [b"0", b"-0", b"-1", b"1", b"1e17", b"1e20", b"1e308", b"-1e308", b"1.8e308", b"inf", b"-inf",
                b"nan", b"4.9e-324", b"1e-320", b"2147483647", b"2147483648", b"-2147483649",
                b"9223372036854775807", b"9223372036854775808", b"18446744073709551615", b"18446744073709551616",
                b"-9223372036854775809", b"0x7fffffff", b"1e15", b"100000", b"99999999999999999999999"]
ENUM_NUMBERS = [b"7", b"99", b"-1", b"1000000", b"2147483647", b"4", b"0", b"-2147483648"]
MARKET_RANGE = re.compile(rb"reesim: error: the run failed: the market met [^\n]* beyond what its integer units carry [^\n]*\n")
NUMBER = re.compile(rb"(?<![A-Za-z_0-9.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
ENUM_NAME = re.compile(rb"(?<=: )[A-Z][A-Z0-9_]+\b")
BINARY_EDGES = [b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\xff\xff\xff\xff\xff\xff\xff\x7f",
                b"\x00\x00\x00\x00\x00\x00\xf8\x7f", b"\x00\x00\x00\x00\x00\x00\xf0\x7f", b"\x80\x80\x80\x80\x10",
                b"\xff\xff\xff\xff\x0f", b"\x7f", b"\x80\x01", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"]


# ------------------------------------------------------------------------------------------------
# Mutations


def flip_bytes(rng, data, seeds):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        i = rng.randrange(len(data))
        data[i] = data[i] ^ (1 << rng.randrange(8)) if rng.random() < 0.7 else rng.randrange(256)
    return bytes(data)


def truncate(rng, data, seeds):
    return data[: rng.randrange(len(data) + 1)] if data else data


def splice(rng, data, seeds):
    other = rng.choice(seeds)
    if not other or not data:
        return data + other
    a, b = sorted(rng.randrange(len(other) + 1) for _ in range(2))
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:  # replace a stretch of the same size
        return data[:at] + other[a:b] + data[at + (b - a):]
    return data[:at] + other[a:b] + data[at:]


def edge_number(rng, data, seeds, binary=False):
    if binary:
        if not data:
            return data
        edge = rng.choice(BINARY_EDGES)
        at = rng.randrange(len(data))
        return data[:at] + edge + data[at + len(edge):]
    numbers = list(NUMBER.finditer(data))
    if not numbers:
        return flip_bytes(rng, data, seeds)
    match = rng.choice(numbers)
    return data[: match.start()] + rng.choice(EDGE_NUMBERS) + data[match.end():]


def enum_number(rng, data, seeds, binary=False):
    names = [] if binary else list(ENUM_NAME.finditer(data))
    if not names:
        return edge_number(rng, data, seeds, binary)
    match = rng.choice(names)
    return data[: match.start()] + rng.choice(ENUM_NUMBERS) + data[match.end():]


def huge_count(rng, data, seeds, binary=False):
    """A line (text) or a stretch of bytes repeated many times, or a count made huge."""
    if not data:
        return data
    if binary:
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randint(1, 64))
        return data[:b] + data[a:b] * rng.choice([100, 1000, 10000]) + data[b:]
    if rng.random() < 0.3:
        # A small whole number (a count, a round, a shard index) made huge.
        counts = [m for m in NUMBER.finditer(data) if re.fullmatch(rb"\d{1,3}", m.group())]
        if counts:
            match = rng.choice(counts)
            return data[: match.start()] + rng.choice([b"100000", b"2147483647", b"1000000000", b"65536"]) + data[match.end():]
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    times = rng.choice([100, 1000, 5000])
    return b"\n".join(lines[: i + 1] + [lines[i]] * times + lines[i + 1:])


TEXT_MUTATORS = [flip_bytes, truncate, splice, edge_number, enum_number, huge_count]


def mutate(rng, data, seeds, binary):
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutator = rng.choice(TEXT_MUTATORS)
        if mutator in (edge_number, enum_number, huge_count):
            data = mutator(rng, data, seeds, binary)
        else:
            data = mutator(rng, data, seeds)
    return data


# ------------------------------------------------------------------------------------------------
# Running and classifying


class Outcome:
    def __init__(self, kind, detail=""):
        self.kind = kind  # accepted, refused, crash, hang, wrong
        self.detail = detail


def is_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def strict_json(text):
    """json.loads refusing NaN and Infinity, which are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def execute(reesim, args, cwd, timeout):
    try:
        process = subprocess.run([reesim, *args], cwd=cwd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return process


def crash_or_unclear(process, accepted_codes=(0,)):
    """Returns an Outcome for a crash, an unclear refusal or an unexpected exit; None when the exit is 0
    (or in accepted_codes) or a clear refusal (exit 2)."""
    stderr = process.stderr
    if process.returncode < 0:
        return Outcome("crash", f"signal {-process.returncode}: {stderr[-400:].decode('utf-8', 'replace')}")
    if b"Sanitizer" in stderr or b"runtime error:" in stderr or b"internal error" in stderr:
        return Outcome("crash", stderr[-400:].decode("utf-8", "replace"))
    if process.returncode in accepted_codes:
        return None
    if process.returncode != 2:
        return Outcome("wrong", f"exit {process.returncode}: {stderr[-400:].decode('utf-8', 'replace')}")
    if not is_utf8(stderr):
        return Outcome("wrong", "a refusal that is not UTF-8")
    lines = stderr.decode().splitlines()
    if not lines or any(not re.match(r"reesim: (error|warning): ", line) or len(line) > 4096 for line in lines):
        return Outcome("wrong", "a refusal without a clear `reesim: error:` line: " + stderr[:400].decode())
    return None


def check_csv(path):
    text = path.read_bytes()
    if not is_utf8(text):
        return f"{path.name} is not UTF-8"
    rows = list(csv.reader(io.StringIO(text.decode())))
    rows = [row for row in rows if row and not row[0].startswith("#")]
    if rows and len({len(row) for row in rows}) != 1:
        return f"{path.name} has rows of different lengths"
    return None


def check_snapshot(reesim, path, cwd, timeout):
    """A run.pbs the program wrote must read back complete."""
    process = execute(reesim, ["inspect", str(path), "--format", "jsonl"], cwd, timeout)
    if process is None:
        return Outcome("hang", "inspect of the run's own run.pbs")
    if process.returncode != 0:
        return Outcome("wrong", "inspect refuses the run's own run.pbs: " + process.stderr[:400].decode("utf-8", "replace"))
    try:
        header = strict_json(process.stdout.split(b"\n", 1)[0])
    except ValueError as error:
        return Outcome("wrong", f"inspect of the run's own run.pbs: {error}")
    if not header.get("complete"):
        return Outcome("wrong", "the run's own run.pbs reads as incomplete")
    return None


def check_input(reesim, path, work, timeout):
    """Runs `reesim check` on the input: its Outcome when it is not accepted, else None."""
    process = execute(reesim, ["check", str(path)], work, timeout)
    if process is None:
        return Outcome("hang", "check")
    bad = crash_or_unclear(process)
    if bad:
        return bad
    if process.returncode == 2:
        return Outcome("refused")
    if not is_utf8(process.stdout):
        return Outcome("wrong", "check's output is not UTF-8")
    return None


def run_scenario(reesim, path, work, timeout):
    refused = check_input(reesim, path, work, timeout)
    if refused:
        return refused
    out = work / "run-out"
    process = execute(reesim, ["run", "--scenario", str(path), "--rounds", "2", "--out", str(out), "--quiet", "--threads", "1"],
                      work, timeout)
    if process is None:
        return Outcome("hang", "run --rounds 2 of a checked scenario")
    if process.returncode == 1 and MARKET_RANGE.fullmatch(process.stderr):
        # Stated and checked: the market's integer units carry 1e12 t and 1e9 USD/kg (world/market.h);
        # a run that reaches beyond stops with this one line (exit 1) instead of computing garbage.
        if out.exists() and any(out.iterdir()):
            return Outcome("wrong", "a stopped run left outputs: " + ", ".join(p.name for p in out.iterdir()))
        return Outcome("range", "run stopped at the market's range")
    bad = crash_or_unclear(process)
    if bad:
        bad.detail = "run of a checked scenario: " + bad.detail
        return bad
    if process.returncode == 2:
        if out.exists() and any(out.iterdir()):
            return Outcome("wrong", "a refused run left outputs: " + ", ".join(p.name for p in out.iterdir()))
        return Outcome("refused", "by run after check accepted it")
    for name in ["run.pbs", "run-info.json"]:
        if not (out / name).exists():
            return Outcome("wrong", f"run exited 0 without {name}")
    try:
        strict_json((out / "run-info.json").read_text())
    except ValueError as error:
        return Outcome("wrong", f"run-info.json: {error}")
    return check_snapshot(reesim, out / "run.pbs", work, timeout) or Outcome("accepted")


def run_experiment(reesim, path, work, timeout):
    return check_input(reesim, path, work, timeout) or Outcome("accepted")


def run_snapshot(reesim, path, work, timeout, index):
    fmt = "csv" if index % 2 else "jsonl"
    process = execute(reesim, ["inspect", str(path), "--format", fmt], work, timeout)
    if process is None:
        return Outcome("hang", "inspect")
    bad = crash_or_unclear(process)
    if bad:
        return bad
    # A damaged file prints its intact rounds and exits 2; what is printed must still be well formed.
    if not is_utf8(process.stdout):
        return Outcome("wrong", f"inspect --format {fmt} printed bytes that are not UTF-8")
    text = process.stdout.decode()
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            try:
                strict_json(line)
            except ValueError as error:
                return Outcome("wrong", f"inspect --format jsonl line {number}: {error}")
    else:
        rows = list(csv.reader(io.StringIO(text)))
        if rows and any(len(row) != len(rows[0]) for row in rows):
            return Outcome("wrong", "inspect --format csv printed rows of different lengths")
    return Outcome("accepted" if process.returncode == 0 else "refused")


def run_shard(reesim, data, work, timeout):
    dirs = []
    for k, part in enumerate(data.split(SHARD_SEPARATOR)[:8]):
        directory = work / f"shard{k + 1}"
        directory.mkdir()
        (directory / "shard.jsonl").write_bytes(part)
        dirs.append(str(directory))
    out = work / "merged"
    process = execute(reesim, ["merge", *dirs, "--out", str(out)], work, timeout)
    if process is None:
        return Outcome("hang", "merge")
    # merge exits 1 when the shards hold failed runs (they are merged and written; README).
    bad = crash_or_unclear(process, accepted_codes=(0, 1))
    if bad:
        return bad
    if process.returncode == 2:
        if out.exists():
            return Outcome("wrong", "a refused merge left " + (", ".join(p.name for p in out.iterdir()) or "an empty --out"))
        return Outcome("refused")
    if process.returncode == 1 and b"merged" not in process.stdout:
        return Outcome("wrong", "exit 1 without merging: " + process.stderr[:400].decode("utf-8", "replace"))
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    if leftovers:
        return Outcome("wrong", "merge left temporaries: " + ", ".join(leftovers))
    try:
        strict_json((out / "summary.json").read_text())
    except (OSError, ValueError) as error:
        return Outcome("wrong", f"summary.json: {error}")
    for path in sorted(out.glob("*.csv")):
        problem = check_csv(path)
        if problem:
            return Outcome("wrong", problem)
    return Outcome("accepted")


def run_nfg(reesim, path, work, timeout):
    process = execute(reesim, ["game", "--solve", str(path)], work, timeout)
    if process is None:
        return Outcome("hang", "game --solve")
    bad = crash_or_unclear(process)
    if bad:
        return bad
    if process.returncode == 2:
        return Outcome("refused")
    try:
        strict_json(process.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return Outcome("wrong", f"game --solve printed something that is not JSON: {error}")
    return Outcome("accepted")


def run_classroom(harness, path, work, timeout):
    """Runs one message through the harness: exit 0 is handled (a reply or an `error`, the harness
    cannot tell which); a sanitizer report, a signal or libFuzzer's own finding is a crash."""
    process = execute(harness, [str(path)], work, timeout)
    if process is None:
        return Outcome("hang", "fuzz_classroom_message")
    if process.returncode != 0 or b"Sanitizer" in process.stderr or b"runtime error:" in process.stderr:
        return Outcome("crash", f"exit {process.returncode}: {process.stderr[-400:].decode('utf-8', 'replace')}")
    return Outcome("accepted")


SUFFIX = {"scenario": ".textproto", "experiment": ".textproto", "snapshot": ".pbs", "shard": ".jsonl", "nfg": ".nfg",
          "classroom": ".json"}


def one(reesim, kind, index, data, timeout):
    with tempfile.TemporaryDirectory(prefix="reesim-fuzz-inputs-") as tmp:
        work = pathlib.Path(tmp)
        path = work / ("input" + SUFFIX[kind])
        path.write_bytes(data)
        if kind == "scenario":
            return run_scenario(reesim, path, work, timeout)
        if kind == "experiment":
            return run_experiment(reesim, path, work, timeout)
        if kind == "snapshot":
            return run_snapshot(reesim, path, work, timeout, index)
        if kind == "shard":
            return run_shard(reesim, data, work, timeout)
        if kind == "classroom":
            return run_classroom(reesim, path, work, timeout)
        return run_nfg(reesim, path, work, timeout)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reesim", default=str(ROOT / "build" / "release" / "cli" / "reesim"))
    parser.add_argument("--count", type=int, default=10000, help="mutated inputs per kind (default 10000)")
    parser.add_argument("--jobs", type=int, default=2, help="programs run at once (default 2)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of " + ", ".join(KINDS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0,
                        help="index of the first mutant (a run of --first 2000 --count 8000 continues one of 2000)")
    parser.add_argument("--timeout", type=float, default=20, help="seconds before a program counts as hung")
    parser.add_argument("--keep", default="reesim-fuzz-findings", help="where failing inputs are copied")
    parser.add_argument("--classroom-harness", help="the classroom message harness (kind `classroom`; docs/fuzzing.md)")
    args = parser.parse_args()
    reesim = os.path.abspath(args.reesim)
    kinds = [k for k in args.kinds.split(",") if k]
    for kind in kinds:
        if kind not in KINDS + EXTRA_KINDS:
            parser.error(f"unknown kind {kind!r} (kinds: {', '.join(KINDS + EXTRA_KINDS)})")
    if "classroom" in kinds and not (args.classroom_harness and os.access(args.classroom_harness, os.X_OK)):
        parser.error("kind `classroom` needs --classroom-harness build/fuzz/fuzz/fuzz_classroom_message "
                     "(cmake --preset fuzz && cmake --build --preset fuzz)")
    if not os.access(reesim, os.X_OK):
        parser.error(f"{reesim} is not a program (build it: cmake --build --preset release)")

    # A copy of the program: a rebuild during a long run (the linker rewrites the file) must not turn
    # every later input into an error of the harness.
    program_dir = tempfile.mkdtemp(prefix="reesim-fuzz-program-")
    reesim = shutil.copy2(reesim, os.path.join(program_dir, "reesim"))
    harness = shutil.copy2(args.classroom_harness, os.path.join(program_dir, "fuzz_classroom_message")) if "classroom" in kinds else None

    columns = ["accepted", "refused", "range", "crash", "hang", "wrong"]
    table = {}
    failures = []
    started = time.monotonic()
    for kind in kinds:
        seeds = [p.read_bytes() for p in sorted((CORPUS / CORPUS_OF.get(kind, kind)).iterdir()) if p.is_file()]
        binary = kind == "snapshot"
        inputs = []
        for index in range(args.first, args.first + args.count):
            rng = random.Random(f"{args.seed}/{kind}/{index}")
            inputs.append(mutate(rng, rng.choice(seeds), seeds, binary))
        counts = dict.fromkeys(columns, 0)
        kind_started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            program = harness if kind == "classroom" else reesim
            futures = {pool.submit(one, program, kind, args.first + index, data, args.timeout): index for index, data in enumerate(inputs)}
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                index = futures[future]
                outcome = future.result()
                number = args.first + index
                counts[outcome.kind] += 1
                if outcome.kind in ("crash", "hang", "wrong"):
                    failures.append((kind, number, outcome))
                    keep = pathlib.Path(args.keep) / kind
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / f"{number}{SUFFIX[kind]}").write_bytes(inputs[index])
                    (keep / f"{number}.txt").write_text(f"{outcome.kind}: {outcome.detail}\n")
                if done % 500 == 0:
                    print(f"  {kind}: {done}/{len(inputs)} ({done / (time.monotonic() - kind_started):.1f}/s)",
                          file=sys.stderr, flush=True)
        seconds = time.monotonic() - kind_started
        table[kind] = (counts, seconds)
        print(f"  {kind} done: " + ", ".join(f"{c} {counts[c]}" for c in columns) + f" in {seconds:.0f} s",
              file=sys.stderr, flush=True)

    print(f"{'kind':<11}" + "".join(f"{c:>10}" for c in columns) + f"{'seconds':>10}{'per s':>8}")
    for kind, (counts, seconds) in table.items():
        total = sum(counts.values())
        print(f"{kind:<11}" + "".join(f"{counts[c]:>10}" for c in columns) + f"{seconds:>10.0f}{total / max(seconds, 1e-9):>8.1f}")
    print(f"{len(failures)} crash/hang/wrong of {sum(sum(c.values()) for c, _ in table.values())} inputs "
          f"in {time.monotonic() - started:.0f} s (program: {args.reesim}, seed {args.seed})")
    for kind, index, outcome in failures[:50]:
        print(f"  {kind} #{index}: {outcome.kind}: {outcome.detail[:300]}")
    shutil.rmtree(program_dir, ignore_errors=True)
    if failures:
        print(f"the failing inputs are in {args.keep}/", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
