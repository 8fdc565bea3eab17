#!/usr/bin/env python3
"""Mutates reesim's inputs and runs the real program on each, classifying what it does (issue 19's
"10,000 inputs of each kind"; docs/fuzzing.md).

    tools/fuzz_inputs.py [--reesim build/release/cli/reesim] [--count 10000] [--jobs 2]
                         [--kinds scenario,experiment,snapshot,shard,nfg] [--seed 1] [--timeout 20]
                         [--keep reesim-fuzz-findings] [--harness-dir build/fuzz/fuzz [--batch 250]
                         [--harness-timeout 60]]

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

With --harness-dir DIR (the `fuzz` preset's build/fuzz/fuzz), every kind's same mutants are ALSO fed
to its libFuzzer harness built with ASan+UBSan (DIR/fuzz_scenario, fuzz_experiment, fuzz_snapshot,
fuzz_shard, fuzz_nfg; fuzz/*_fuzz.cc), --batch inputs per process: libFuzzer given files runs each once,
printing `Running: FILE` before and `Executed FILE` after. A harness reads the same bytes as the program
(a shard input holds its shard files separated by the line `@@next-shard@@`, as run_shard splits it).
When a process dies, the file it was running is the finding and the rest of the batch runs in a new
process; a report after the last input (a leak at exit) is found by bisecting the batch. Each input is
then one of:

    ok          the harness returned
    sanitizer   an AddressSanitizer, UndefinedBehaviorSanitizer or LeakSanitizer report
    crash       any other death: an abort (a failed REESIM_CHECK), an uncaught exception, a harness's own
                check (`fuzz harness: finding: ...`)
    timeout     past --harness-timeout seconds (libFuzzer's -timeout), or no progress for twice that
    oom         past -rss_limit_mb (2,048 MB, as in the suite)

The kind `classroom` (messages of `reesim serve`'s WebSocket; not a default kind) has no program to run:
its mutants go only through fuzz_classroom_message (--harness-dir, or --classroom-harness FILE).

Prints a table (and one for the harnesses) and exits 1 if any input crashed, hung or gave wrong output,
or any harness reported anything; each such input is copied to --keep DIR/KIND/NUMBER.EXT beside
NUMBER.txt saying what happened, to replay (`reesim check FILE`, `DIR/fuzz_KIND FILE`). Deterministic for
a given --seed.
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
# Classroom messages reach the program only over a WebSocket: they go only through the libFuzzer harness
# (build/fuzz/fuzz/fuzz_classroom_message, the same parse and Game::Handle the server calls, under
# ASan+UBSan); not among the default kinds.
EXTRA_KINDS = ["classroom"]
CORPUS_OF = {"classroom": "classroom_message"}
HARNESS_OF = {"scenario": "fuzz_scenario", "experiment": "fuzz_experiment", "snapshot": "fuzz_snapshot",
              "shard": "fuzz_shard", "nfg": "fuzz_nfg", "classroom": "fuzz_classroom_message"}
HARNESS_COLUMNS = ["ok", "sanitizer", "crash", "timeout", "oom"]
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
        return run_nfg(reesim, path, work, timeout)



# ------------------------------------------------------------------------------------------------
# The libFuzzer harnesses, in batches


SANITIZER_MARKS = (b"AddressSanitizer", b"UndefinedBehaviorSanitizer", b"LeakSanitizer", b"runtime error:")
SUMMARY_MARKS = SANITIZER_MARKS + (b"ERROR:", b"fuzz harness: finding", b"check failed", b"deadly signal",
                                   b"uncaught exception", b"terminate called")


class HarnessError(Exception):
    """The harness itself does not work (it cannot run an unmutated seed): nothing it says would count."""


def summarize(text):
    """The lines of a report that say what happened, then its last lines (at most 600 characters)."""
    lines = [line for line in text.splitlines() if any(mark in line for mark in SUMMARY_MARKS)]
    head = b"\n".join(lines[:4])[:300]
    return (head + b"\n...\n" + text[-300:]).decode("utf-8", "replace") if head else text[-600:].decode("utf-8", "replace")


def classify_report(text, stalled=False):
    """The harness column for the report of one input (its text between `Running:` and the end)."""
    if stalled:
        return Outcome("timeout", "no progress (killed): " + summarize(text))
    if b"libFuzzer: timeout" in text:
        return Outcome("timeout", summarize(text))
    if b"out-of-memory" in text or b"malloc limit" in text:
        return Outcome("oom", summarize(text))
    if any(mark in text for mark in SANITIZER_MARKS):
        return Outcome("sanitizer", summarize(text))
    return Outcome("crash", summarize(text))


def parse_log(log):
    """Splits a libFuzzer log of individual files into (executed, texts, running, after): the files whose
    `Executed` line was printed, each file's output between its `Running:` and `Executed` lines, the file
    running when the log ends (None if none), and what came after the last `Executed` line otherwise."""
    executed = set()
    texts = {}
    running = None
    after = []
    for line in log.splitlines(keepends=True):
        if line.startswith(b"Running: "):
            running = line[len(b"Running: "):].rstrip(b"\n").decode("utf-8", "surrogateescape")
            texts[running] = b""
            after = []
        elif line.startswith(b"Executed ") and running is not None and line[len(b"Executed "):].startswith(running.encode("utf-8", "surrogateescape")):
            executed.add(running)
            running = None
        elif running is not None:
            texts[running] += line
        else:
            after.append(line)
    return executed, texts, running, b"".join(after)


def harness_process(harness, paths, work, timeout, rss_mb):
    """Runs the harness once over `paths`: (its log, its exit code, whether it was killed for making no
    progress). libFuzzer's -timeout stops an input that runs too long; the watchdog here stops a process
    whose log has not grown for twice that (a harness stuck where libFuzzer's alarm cannot reach)."""
    log_path = work / "harness.log"
    env = dict(os.environ, TMPDIR=str(work))  # the harness's scratch directory (fuzz/fuzz_support.h)
    command = [os.path.abspath(harness), f"-timeout={max(1, int(timeout))}", f"-rss_limit_mb={rss_mb}", f"-artifact_prefix={work}/",
               *paths]
    stalled = False
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=work, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   env=env, start_new_session=True)
        size, since = -1, time.monotonic()
        while True:
            try:
                process.wait(timeout=1)
                break
            except subprocess.TimeoutExpired:
                pass
            now_size = log_path.stat().st_size
            if now_size != size:
                size, since = now_size, time.monotonic()
            elif time.monotonic() - since > 2 * timeout + 10:
                os.killpg(process.pid, 9)
                process.wait()
                stalled = True
                break
    return log_path.read_bytes(), process.returncode, stalled


def run_harness_paths(harness, paths, work, timeout, rss_mb, results):
    """Fills results[path] with an Outcome (HARNESS_COLUMNS) for each of `paths`, each run once."""
    pending = list(paths)
    while pending:
        log, code, stalled = harness_process(harness, pending, work, timeout, rss_mb)
        executed, texts, running, after = parse_log(log)
        for path in pending:
            if path in executed:
                text = texts[path]
                results[path] = classify_report(text) if any(m in text for m in SANITIZER_MARKS) else Outcome("ok")
        if code == 0 and not stalled and all(path in executed for path in pending):
            return
        if running is not None and running in pending:
            # Died (or was stopped) on this input: it is the finding; the rest of the batch runs again.
            results[running] = classify_report(texts[running], stalled)
            pending = pending[pending.index(running) + 1:]
            continue
        # A report no input was running for: after the last input (LeakSanitizer at exit) or before the
        # first. Bisect until one input alone gives it.
        if len(pending) == 1:
            results[pending[0]] = classify_report(log, stalled)
            return
        half = len(pending) // 2
        run_harness_paths(harness, pending[:half], work, timeout, rss_mb, results)
        run_harness_paths(harness, pending[half:], work, timeout, rss_mb, results)
        return


def harness_batch(harness, kind, batch, timeout, rss_mb):
    """Runs the (number, bytes) inputs of `batch` through the harness: {number: Outcome}."""
    with tempfile.TemporaryDirectory(prefix="reesim-fuzz-batch-") as tmp:
        work = pathlib.Path(tmp)
        numbers = {}
        for number, data in batch:
            path = work / f"{number}{SUFFIX[kind]}"
            path.write_bytes(data)
            numbers[str(path)] = number
        results = {}
        run_harness_paths(harness, list(numbers), work, timeout, rss_mb, results)
        return {numbers[path]: outcome for path, outcome in results.items()}


def check_harness(harness, kind, timeout, rss_mb):
    """Runs the harness on its first unmutated seed: a harness that fails there is broken, not fuzzed."""
    seed = sorted(p for p in (CORPUS / CORPUS_OF.get(kind, kind)).iterdir() if p.is_file())[0]
    outcome = harness_batch(harness, kind, [(0, seed.read_bytes())], timeout, rss_mb)[0]
    if outcome.kind != "ok":
        raise HarnessError(f"{harness} fails on its own seed {seed.name} ({outcome.kind}): {outcome.detail}")


def make_inputs(kind, seed, first, count):
    """The mutants number first .. first + count - 1 of a kind: each depends only on (seed, kind, number)."""
    seeds = [p.read_bytes() for p in sorted((CORPUS / CORPUS_OF.get(kind, kind)).iterdir()) if p.is_file()]
    inputs = []
    for index in range(first, first + count):
        rng = random.Random(f"{seed}/{kind}/{index}")
        inputs.append(mutate(rng, rng.choice(seeds), seeds, kind == "snapshot"))
    return inputs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reesim", default=str(ROOT / "build" / "release" / "cli" / "reesim"))
    parser.add_argument("--count", type=int, default=10000, help="mutated inputs per kind (default 10000)")
    parser.add_argument("--jobs", type=int, default=2, help="programs run at once (default 2)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated, of " + ", ".join(KINDS + EXTRA_KINDS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0,
                        help="index of the first mutant (a run of --first 2000 --count 8000 continues one of 2000)")
    parser.add_argument("--timeout", type=float, default=20, help="seconds before a program counts as hung")
    parser.add_argument("--keep", default="reesim-fuzz-findings", help="where failing inputs are copied")
    parser.add_argument("--harness-dir", help="also run every mutant through its ASan+UBSan libFuzzer harness in this "
                        "directory (build/fuzz/fuzz, the `fuzz` preset)")
    parser.add_argument("--batch", type=int, default=250, help="inputs per harness process (default 250)")
    parser.add_argument("--harness-timeout", type=float, default=60,
                        help="seconds before one input of a harness counts as a timeout (libFuzzer's -timeout; default 60)")
    parser.add_argument("--rss-limit-mb", type=int, default=2048, help="a harness's -rss_limit_mb (default 2048)")
    parser.add_argument("--classroom-harness", help="the classroom message harness, if not in --harness-dir")
    args = parser.parse_args(argv)
    kinds = [k for k in args.kinds.split(",") if k]
    for kind in kinds:
        if kind not in KINDS + EXTRA_KINDS:
            parser.error(f"unknown kind {kind!r} (kinds: {', '.join(KINDS + EXTRA_KINDS)})")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    harness_paths = {}
    for kind in kinds:
        if args.harness_dir:
            harness_paths[kind] = os.path.join(args.harness_dir, HARNESS_OF[kind])
        if kind == "classroom" and args.classroom_harness:
            harness_paths[kind] = args.classroom_harness
    for kind, path in harness_paths.items():
        if not os.access(path, os.X_OK):
            parser.error(f"{path} is not a program (build the harnesses: cmake --preset fuzz && cmake --build --preset fuzz)")
    if "classroom" in kinds and "classroom" not in harness_paths:
        parser.error("kind `classroom` needs --harness-dir build/fuzz/fuzz (or --classroom-harness "
                     "build/fuzz/fuzz/fuzz_classroom_message; cmake --preset fuzz && cmake --build --preset fuzz)")
    program_kinds = [k for k in kinds if k in KINDS]
    reesim = os.path.abspath(args.reesim)
    if program_kinds and not os.access(reesim, os.X_OK):
        parser.error(f"{reesim} is not a program (build it: cmake --build --preset release)")

    # Copies of the programs: a rebuild during a long run (the linker rewrites the file) must not turn
    # every later input into an error of the harness.
    program_dir = tempfile.mkdtemp(prefix="reesim-fuzz-program-")
    try:
        if program_kinds:
            reesim = shutil.copy2(reesim, os.path.join(program_dir, "reesim"))
        for kind, path in harness_paths.items():
            harness_paths[kind] = shutil.copy2(path, os.path.join(program_dir, HARNESS_OF[kind]))
        for kind, path in harness_paths.items():
            check_harness(path, kind, args.harness_timeout, args.rss_limit_mb)
        return fuzz(args, kinds, reesim, harness_paths)
    except HarnessError as error:
        print(f"fuzz_inputs.py: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(program_dir, ignore_errors=True)


def fuzz(args, kinds, reesim, harness_paths):
    columns = ["accepted", "refused", "range", "crash", "hang", "wrong"]
    table = {}
    harness_table = {}
    failures = []
    started = time.monotonic()

    def keep(kind, number, data, what):
        directory = pathlib.Path(args.keep) / kind
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{number}{SUFFIX[kind]}").write_bytes(data)
        with open(directory / f"{number}.txt", "a") as note:
            note.write(what + "\n")

    for kind in kinds:
        inputs = make_inputs(kind, args.seed, args.first, args.count)
        counts = dict.fromkeys(columns, 0)
        harness_counts = dict.fromkeys(HARNESS_COLUMNS, 0)
        kind_started = time.monotonic()
        done_program = done_harness = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {}
            # Batches first, spread through the run: a harness process is the longest task.
            if kind in harness_paths:
                for at in range(0, len(inputs), args.batch):
                    batch = [(args.first + i, inputs[i]) for i in range(at, min(at + args.batch, len(inputs)))]
                    future = pool.submit(harness_batch, harness_paths[kind], kind, batch, args.harness_timeout, args.rss_limit_mb)
                    futures[future] = ("harness", at)
            if kind in KINDS:
                for index, data in enumerate(inputs):
                    futures[pool.submit(one, reesim, kind, args.first + index, data, args.timeout)] = ("program", index)
            for future in concurrent.futures.as_completed(futures):
                what, index = futures[future]
                if what == "harness":
                    for number, outcome in sorted(future.result().items()):
                        harness_counts[outcome.kind] += 1
                        done_harness += 1
                        if outcome.kind != "ok":
                            failures.append((kind, number, HARNESS_OF[kind], outcome))
                            keep(kind, number, inputs[number - args.first], f"{HARNESS_OF[kind]}: {outcome.kind}: {outcome.detail}")
                    print(f"  {kind}: {done_harness}/{len(inputs)} through {HARNESS_OF[kind]} "
                          f"({time.monotonic() - kind_started:.0f} s)", file=sys.stderr, flush=True)
                    continue
                outcome = future.result()
                number = args.first + index
                counts[outcome.kind] += 1
                done_program += 1
                if outcome.kind in ("crash", "hang", "wrong"):
                    failures.append((kind, number, "reesim", outcome))
                    keep(kind, number, inputs[index], f"reesim: {outcome.kind}: {outcome.detail}")
                if done_program % 500 == 0:
                    print(f"  {kind}: {done_program}/{len(inputs)} through reesim "
                          f"({done_program / (time.monotonic() - kind_started):.1f}/s)", file=sys.stderr, flush=True)
        seconds = time.monotonic() - kind_started
        summary = []
        if kind in KINDS:
            table[kind] = (counts, seconds)
            summary.append(", ".join(f"{c} {counts[c]}" for c in columns))
        if kind in harness_paths:
            harness_table[kind] = (harness_counts, seconds)
            summary.append(HARNESS_OF[kind] + ": " + ", ".join(f"{c} {harness_counts[c]}" for c in HARNESS_COLUMNS))
        print(f"  {kind} done: " + "; ".join(summary) + f" in {seconds:.0f} s", file=sys.stderr, flush=True)

    if table:
        print(f"{'kind':<11}" + "".join(f"{c:>10}" for c in columns) + f"{'seconds':>10}{'per s':>8}")
        for kind, (counts, seconds) in table.items():
            total = sum(counts.values())
            print(f"{kind:<11}" + "".join(f"{counts[c]:>10}" for c in columns) + f"{seconds:>10.0f}{total / max(seconds, 1e-9):>8.1f}")
    if harness_table:
        print(f"{'harness':<24}" + "".join(f"{c:>10}" for c in HARNESS_COLUMNS))
        for kind, (counts, _) in harness_table.items():
            print(f"{HARNESS_OF[kind]:<24}" + "".join(f"{counts[c]:>10}" for c in HARNESS_COLUMNS))
    total = sum(sum(c.values()) for c, _ in table.values()) + sum(sum(c.values()) for c, _ in harness_table.values())
    print(f"{len(failures)} findings of {total} runs of {len(kinds)} x {args.count} inputs in {time.monotonic() - started:.0f} s "
          f"(program: {args.reesim}{', harnesses: ' + args.harness_dir if args.harness_dir else ''}, seed {args.seed}, "
          f"mutants {args.first}..{args.first + args.count - 1})")
    failures.sort(key=lambda f: (kinds.index(f[0]), f[1], f[2]))
    for kind, number, by, outcome in failures[:50]:
        print(f"  {kind} #{number} ({by}): {outcome.kind}: {outcome.detail[:300]}")
    if failures:
        print(f"the failing inputs are in {args.keep}/", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
