#!/usr/bin/env python3
"""Tests of tools/fuzz_inputs.py's harness batches (docs/fuzzing.md), with a fake libFuzzer harness:
a script that, like a libFuzzer binary given files, prints `Running: FILE`, runs it, prints `Executed
FILE in N ms`, and dies on the inputs marked to fail (a sanitizer report, an abort, a timeout, a stall
past the watchdog, a leak reported at exit), so that the script must name the input that did it.

    fuzz_inputs_test.py REESIM
"""
import hashlib
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import fuzz_inputs  # noqa: E402

FAKE = r'''#!/usr/bin/env python3
import hashlib, os, re, sys, time
files = [a for a in sys.argv[1:] if not a.startswith("-")]
timeout = int(next((a.split("=")[1] for a in sys.argv[1:] if a.startswith("-timeout=")), "1200"))
log = os.environ.get("FAKE_HARNESS_LOG")
if log:
    with open(log, "a") as out:
        out.write("process %d\n" % len(files))
out = sys.stderr
out.write("INFO: Seed: 1\nINFO: Loaded 1 modules\n%s: Running %d inputs 1 time(s) each.\n" % (sys.argv[0], len(files)))
leak = False
for name in files:
    out.write("Running: %s\n" % name)
    out.flush()
    data = open(name, "rb").read()
    if log:
        with open(log, "a") as rec:
            rec.write("input %s %s\n" % (os.path.basename(name), hashlib.sha1(data).hexdigest()))
    number = re.match(r"\d+", os.path.basename(name))
    crash_every = int(os.environ.get("FAKE_HARNESS_CRASH_EVERY", "0"))
    if b"@ASAN" in data or (crash_every and number and int(number.group()) % crash_every == crash_every - 1):
        out.write("=================================================================\n"
                  "==7==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011\n"
                  "SUMMARY: AddressSanitizer: heap-buffer-overflow metrics.cc:42 in Sector\n==7==ABORTING\n")
        sys.exit(1)
    if b"@ABORT" in data:
        out.write("world_io.cc:42: check failed: false\n==7== ERROR: libFuzzer: deadly signal\n")
        sys.exit(1)
    if b"@HANG" in data:
        out.write("ALARM: working on the last Unit for %d seconds\n==7== ERROR: libFuzzer: timeout after %d seconds\n"
                  % (timeout, timeout))
        sys.exit(70)
    if b"@STALL" in data:
        time.sleep(3600)
    if b"@UB" in data:
        out.write("x.cc:1:2: runtime error: signed integer overflow\n")
    if b"@LEAK" in data:
        leak = True
    out.write("Executed %s in 0 ms\n" % name)
if leak:
    out.write("\n=================================================================\n"
              "==7==ERROR: LeakSanitizer: detected memory leaks\nSUMMARY: AddressSanitizer: 24 byte(s) leaked\n")
    sys.exit(1)
out.write("***\n*** NOTE: fuzzing was not performed, you have only\n***       executed the target code on a fixed set of inputs.\n***\n")
'''

failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def fake_dir(root):
    directory = root / "harnesses"
    directory.mkdir()
    for name in fuzz_inputs.HARNESS_OF.values():
        path = directory / name
        path.write_text(FAKE)
        path.chmod(0o755)
    return directory


def kinds_of(results):
    return {number: outcome.kind for number, outcome in sorted(results.items())}


def main():
    reesim = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="reesim-fuzz-inputs-test-") as tmp:
        root = pathlib.Path(tmp)
        harness = str(fake_dir(root) / "fuzz_classroom_message")
        log = root / "processes.log"
        os.environ["FAKE_HARNESS_LOG"] = str(log)

        # One batch: each failing input is named, and the inputs after it still run.
        batch = [(0, b"a"), (1, b"@ASAN"), (2, b"b"), (3, b"@HANG"), (4, b"@UB"), (5, b"c"), (6, b"@ABORT")]
        got = fuzz_inputs.harness_batch(harness, "classroom", batch, 1, 2048)
        expect("a batch with findings", kinds_of(got),
               {0: "ok", 1: "sanitizer", 2: "ok", 3: "timeout", 4: "sanitizer", 5: "ok", 6: "crash"})
        expect("the report of #1", "heap-buffer-overflow" in got[1].detail, True)
        expect("the report of #6", "check failed" in got[6].detail, True)
        expect("processes for it (one, then one after each death)",
               [line for line in log.read_text().splitlines() if line.startswith("process")],
               ["process 7", "process 5", "process 3"])

        # A report after the last input (a leak at exit) names no input: bisected to the one that leaks.
        got = fuzz_inputs.harness_batch(harness, "classroom", [(n, b"@LEAK" if n == 13 else b"x") for n in range(10, 16)], 1, 2048)
        expect("a leak at exit", kinds_of(got), {10: "ok", 11: "ok", 12: "ok", 13: "sanitizer", 14: "ok", 15: "ok"})
        expect("the leak's report", "LeakSanitizer" in got[13].detail, True)

        # A harness that stops printing (stuck where libFuzzer's alarm cannot reach) is killed by the
        # watchdog after 2 x timeout + 10 s; the rest of its batch runs.
        got = fuzz_inputs.harness_batch(harness, "classroom", [(20, b"a"), (21, b"@STALL"), (22, b"b")], 1, 2048)
        expect("a stalled harness", kinds_of(got), {20: "ok", 21: "timeout", 22: "ok"})

        # Through the command line: mutants 100..139 in batches of 7, the fake crashing on every number
        # ending a group of 6; each mutant reaches the harness as made, and exactly those are kept.
        log.unlink()
        keep = root / "keep"
        env = dict(os.environ, FAKE_HARNESS_CRASH_EVERY="6")

        def command(kinds="classroom,nfg", harnesses=root / "harnesses"):
            return [sys.executable, str(ROOT / "tools" / "fuzz_inputs.py"), "--kinds", kinds, "--count", "40",
                    "--first", "100", "--batch", "7", "--harness-dir", str(harnesses), "--reesim", reesim,
                    "--keep", str(keep), "--harness-timeout", "5"]
        process = subprocess.run(command(), capture_output=True, text=True, env=env)
        crashing = [n for n in range(100, 140) if n % 6 == 5]
        expect("exit code with harness findings", process.returncode, 1)
        for kind in ["classroom", "nfg"]:
            kept = sorted(int(p.stem) for p in (keep / kind).glob("*.txt"))
            expect(f"{kind}: the inputs kept", kept, crashing)
            note = (keep / kind / f"{crashing[0]}.txt").read_text()
            expect(f"{kind}: the note of #{crashing[0]}", note.startswith(f"{fuzz_inputs.HARNESS_OF[kind]}: sanitizer: "), True)
            mutants = fuzz_inputs.make_inputs(kind, 1, 100, 40)
            expect(f"{kind}: a kept input is the mutant", (keep / kind / f"{crashing[0]}{fuzz_inputs.SUFFIX[kind]}").read_bytes(),
                   mutants[crashing[0] - 100])
            seen = {}
            for line in log.read_text().splitlines():
                if line.startswith("input "):
                    _, name, digest = line.split()
                    if name.endswith(fuzz_inputs.SUFFIX[kind]) and int(name.split(".")[0]) >= 100:
                        seen.setdefault(int(name.split(".")[0]), set()).add(digest)
            expect(f"{kind}: every mutant reached the harness as made",
                   {n: seen.get(n) for n in range(100, 140)},
                   {n: {hashlib.sha1(mutants[n - 100]).hexdigest()} for n in range(100, 140)})
        sizes = [int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("process")]
        expect("no process given more than --batch inputs", max(sizes), 7)
        table = process.stdout
        expect("the harness table", "fuzz_classroom_message" in table and "fuzz_nfg" in table, True)
        row = next((line.split() for line in table.splitlines() if line.startswith("fuzz_nfg ")), [])
        expect("fuzz_nfg's row: ok, sanitizer, crash, timeout, oom", row[1:], [str(40 - len(crashing)), str(len(crashing)), "0", "0", "0"])
        row = next((line.split() for line in table.splitlines() if line.startswith("nfg ")), [])
        expect("the program's nfg row still counts 40 inputs", sum(int(x) for x in row[1:7]) if row else 0, 40)

        # No findings: exit 0.
        env["FAKE_HARNESS_CRASH_EVERY"] = "0"
        process = subprocess.run(command("classroom"), capture_output=True, text=True, env=env)
        expect("exit code without findings", process.returncode, 0)

        # A harness that fails on its own seed is refused before fuzzing (exit 2), not counted.
        broken = root / "broken"
        broken.mkdir()
        (broken / "fuzz_classroom_message").write_text("#!/bin/sh\necho '==1==ERROR: AddressSanitizer: SEGV' >&2\nexit 1\n")
        (broken / "fuzz_classroom_message").chmod(0o755)
        process = subprocess.run(command("classroom", broken), capture_output=True, text=True, env=env)
        expect("a broken harness", (process.returncode, "fails on its own seed" in process.stderr), (2, True))

    for failure in failures:
        print("FAIL " + failure)
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
