#!/usr/bin/env python3
"""Writes the libFuzzer seed corpus (fuzz/corpus/<harness>/, docs/fuzzing.md) from the repository's own
inputs: the scenario library, the example experiments, snapshot files and shard files made by the
release program, the .nfg games of the tests and a few classroom messages.

    tools/make_fuzz_corpus.py [--reesim build/release/cli/reesim]

Small inputs fuzz fastest, so the snapshots and shards come from short runs of small experiments.
Run it again after a format changes; it replaces the generated files and keeps any others."""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"

# The two-region world of tests/test_support.h (SmallWorldText), read from there: the smallest complete
# scenario, the one the unit tests use.
def small_world():
    header = (ROOT / "tests" / "test_support.h").read_text()
    match = re.search(r'SmallWorldText\(const std::string& extra = ""\) \{\n  return R"\(\n(.*?)\)" \+ extra;', header, re.S)
    if not match:
        raise SystemExit("tests/test_support.h: SmallWorldText's text not found")
    return match.group(1)


SMALL_WORLD = small_world()

SMALL_POLICIES = """base_scenario: "baseline_2024"
rounds: 4
policies { actor: "CHN" start_round: 1 export_control { products: "dy_oxide" licence_delay_rounds: 1 approval_share: 0.5 } }
policies { actor: "USA" start_round: 0 import_tariff { products: "ndfeb_magnet" ad_valorem: 0.25 } }
"""

# A small experiment: two arms, two parameters, three outcomes, 2 rounds, 3 replicates.
SMALL_EXPERIMENT = """name: "fuzz_small"
scenario: "baseline_2024"
rounds: 2
replicates: 3
seed: 5
sampler: LATIN_HYPERCUBE
parameters { path: "demand[1].growth_per_year" uniform { min: 0.02 max: 0.10 } }
parameters { path: "market.demand_shock_sd" triangular { min: 0 mode: 0.01 max: 0.05 } }
arms { name: "none" }
arms { name: "controls" overlay { policies { actor: "CHN" start_round: 1 export_control { products: "dy_oxide" licence_delay_rounds: 1 approval_share: 0.5 } } } }
outcomes { name: "dy_peak" metric: "price.dy_oxide" aggregation: MAX }
outcomes { name: "china_payoff" metric: "payoff.CHN" aggregation: DISCOUNTED_SUM discount_rate: 0.05 }
outcomes { name: "us_unmet" metric: "unmet.USA.ev" aggregation: MEAN }
"""

SOBOL_EXPERIMENT = """name: "fuzz_sobol"
scenario: "baseline_2024"
rounds: 2
replicates: 2
sampler: SOBOL
parameters { path: "market.demand_shock_sd" truncated_normal { mean: 0.02 sd: 0.01 min: 0 max: 0.05 } }
parameters { path: "demand[0].growth_per_year" lognormal { mu: -3 sigma: 0.5 } }
outcomes { name: "ndpr_mean" metric: "price.ndpr_oxide" aggregation: MEAN }
outcomes { name: "first" metric: "price.ndpr_oxide" aggregation: FIRST_CROSSING threshold: 100 }
"""

FACTORIAL_EXPERIMENT = """name: "fuzz_factorial"
scenario: "baseline_2024"
rounds: 2
replicates: 1
sampler: FULL_FACTORIAL
factorial_levels: 2
parameters { path: "market.demand_shock_sd" discrete { values: 0 values: 0.02 } }
parameters { path: "demand[0].growth_per_year" uniform { min: 0 max: 0.1 } }
outcomes { name: "ndpr_final" metric: "price.ndpr_oxide" aggregation: FINAL }
keep: NOTHING
"""

NFG = {
    "selten.nfg": 'NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"\n{ "Player 1" "Player 2" } { 3 2 }\n\n'
                  "1 1 0 2 0 2 1 1 0 3 2 0\n",
    "mckelvey_mclennan.nfg": 'NFG 1 R "2x2x2 Example from McKelvey-McLennan, with 9 Nash equilibria, 2 totally mixed" '
                             '{ "Player 1" "Player 2" "Player 3" }\n\n{ { "1" "2" }\n{ "1" "2" }\n{ "1" "2" }\n}\n""\n\n'
                             '{\n{ "" 9, 8, 12 }\n{ "" 0, 0, 0 }\n{ "" 0, 0, 0 }\n{ "" 9, 8, 2 }\n{ "" 0, 0, 0 }\n'
                             '{ "" 3, 4, 6 }\n{ "" 3, 4, 6 }\n{ "" 0, 0, 0 }\n}\n1 2 3 4 5 6 7 8\n',
    "pennies3.nfg": 'NFG 1 R "3-player matching pennies" { "1" "2" "3" } { 2 2 2 }\n'
                    "1 1 -1\n-1 1 1\n-1 -1 -1\n1 -1 1\n1 -1 1\n-1 -1 -1\n-1 1 1\n1 1 -1\n",
    "numbers.nfg": 'NFG 1 R "" { "a" "b" } { 2 2 }\n1/3 -2.5 1e3 .5 +4 -7/2 1.25e-2 0.1\n',
    "labels.nfg": 'NFG 1 R "t" { "A \\"the row\\"" "B" }\n{ { "x" "y" } { "z" } } "a comment"\n1 2 3 4\n',
    "outcomes_d.nfg": 'NFG 1 D "old" { "a" "b" } { { "x" "y" } { "z" "w" } }\n""\n'
                      '{ { "o1" 1, 2 } { "o2" 3/4, -1 } }\n1 2 0 1\n',
}

TEACHER = "00000000000000000000000000000001"
TEAM = "00000000000000000000000000000002"
CLASSROOM = {
    "join.json": '{"join":{"code":"CODEAC","name":"team two"}}',
    "join_taken.json": '{"join":{"code":"codeab","name":"again"}}',
    "hello_team.json": '{"hello":{"token":"%s"}}' % TEAM,
    "hello_teacher.json": '{"hello":{"token":"%s"}}' % TEACHER,
    "submit.json": '{"submit":{"token":"%s","round":0,"action":"status_quo"}}' % TEAM,
    "submit_actor.json": '{"submit":{"token":"%s","round":0,"action":"export_controls","actor":"USA"}}' % TEAM,
    "teacher_pause.json": '{"teacher":{"token":"%s","command":"pause"}}' % TEACHER,
    "teacher_advance.json": '{"teacher":{"token":"%s","command":"advance"}}' % TEACHER,
    "teacher_broadcast.json": '{"teacher":{"token":"%s","command":"broadcast","text":"five minutes \\u00e9"}}' % TEACHER,
    "teacher_timer.json": '{"teacher":{"token":"%s","command":"timer","seconds":90.5}}' % TEACHER,
    "teacher_watch.json": '{"teacher":{"token":"%s","command":"watch"}}' % TEACHER,
    "teacher_end.json": '{"teacher":{"token":"%s","command":"end"}}' % TEACHER,
    "two_keys.json": '{"hello":{"token":"x"},"join":{"code":"y"}}',
    "unknown.json": '{"shout":{}}',
}

SHARD_SEPARATOR = "\n@@next-shard@@\n"


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def run(reesim, *args, cwd):
    subprocess.run([reesim, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reesim", default=str(ROOT / "build" / "release" / "cli" / "reesim"))
    reesim = os.path.abspath(parser.parse_args().reesim)

    for scenario in sorted((ROOT / "scenarios").glob("*.textproto")):
        shutil.copy(scenario, CORPUS / "scenario" / scenario.name)
    write(CORPUS / "scenario" / "small_world.textproto", SMALL_WORLD)
    write(CORPUS / "scenario" / "small_policies.textproto", SMALL_POLICIES)

    for experiment in sorted((ROOT / "experiments" / "examples").glob("*.textproto")):
        if "players" in experiment.read_text():  # an empirical game spec, not an experiment
            continue
        shutil.copy(experiment, CORPUS / "experiment" / experiment.name)
    for name, text in [("small.textproto", SMALL_EXPERIMENT), ("sobol.textproto", SOBOL_EXPERIMENT),
                       ("factorial.textproto", FACTORIAL_EXPERIMENT)]:
        write(CORPUS / "experiment" / name, text)

    for name, text in NFG.items():
        write(CORPUS / "nfg" / name, text)
    for name, text in CLASSROOM.items():
        write(CORPUS / "classroom_message" / name, text)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        # Snapshots: format 2 from short runs (a small world and the baseline), format 1 from tests/data.
        write(tmp / "small.textproto", SMALL_WORLD)
        run(reesim, "run", "--scenario", "small.textproto", "--rounds", "3", "--out", "small", "--quiet", cwd=tmp)
        run(reesim, "run", "--rounds", "2", "--out", "baseline", "--quiet", cwd=tmp)
        shutil.copy(tmp / "small" / "run.pbs", CORPUS / "snapshot" / "small-3-rounds-v2.pbs")
        shutil.copy(tmp / "baseline" / "run.pbs", CORPUS / "snapshot" / "baseline-2-rounds-v2.pbs")
        shutil.copy(ROOT / "tests" / "data" / "snapshot_v1" / "small-3-rounds.pbs", CORPUS / "snapshot" / "small-3-rounds-v1.pbs")
        data = (tmp / "small" / "run.pbs").read_bytes()
        write(CORPUS / "snapshot" / "small-cut.pbs", data[: len(data) * 2 // 3])

        # Shards: the small experiment in 2 shards (two files in one input) and in 1/3 of 3.
        write(tmp / "small_experiment.textproto", SMALL_EXPERIMENT)
        shards = []
        for k in (1, 2):
            run(reesim, "experiment", "--spec", "small_experiment.textproto", "--shard", f"{k}/2", "--out", f"s{k}",
                "--quiet", cwd=tmp)
            shards.append((tmp / f"s{k}" / "shard.jsonl").read_text())
        write(CORPUS / "shard" / "small-2-shards.jsonl", SHARD_SEPARATOR.join(shards))
        write(tmp / "factorial.textproto", FACTORIAL_EXPERIMENT)
        shards = []
        for k in (1, 2, 3):
            run(reesim, "experiment", "--spec", "factorial.textproto", "--shard", f"{k}/3", "--out", f"f{k}", "--quiet",
                cwd=tmp)
            shards.append((tmp / f"f{k}" / "shard.jsonl").read_text())
        write(CORPUS / "shard" / "factorial-3-shards.jsonl", SHARD_SEPARATOR.join(shards))
    for harness in sorted(p.name for p in CORPUS.iterdir()):
        print(f"{harness}: {len(list((CORPUS / harness).iterdir()))} inputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
