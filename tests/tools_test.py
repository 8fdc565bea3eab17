#!/usr/bin/python3
"""The Python tools against the real program: snapshots and experiment outputs load into pandas with
the same numbers reesim prints, truncated files keep their complete rounds, and the plots are drawn."""

import io
import os
import subprocess
import sys
import tempfile
import warnings

import pandas as pd

reesim, source = sys.argv[1], sys.argv[2]
os.environ["REESIM"] = reesim  # the plots ask this build for the metric catalogue's units
sys.path.insert(0, os.path.join(source, "tools"))
import reesim_data  # noqa: E402

checks = 0


def check(condition, what):
    global checks
    if not condition:
        print("FAILED:", what)
        sys.exit(1)
    checks += 1


with tempfile.TemporaryDirectory() as work:
    subprocess.run([reesim, "run", "--quiet", "--rounds", "3", "--out", work], check=True)
    header, rounds, complete = reesim_data.read_snapshots(os.path.join(work, "run.pbs"))
    check(complete and header.rounds == 3 and header.scenario_name == "baseline_2024", "header and footer")
    csv = subprocess.run([reesim, "inspect", os.path.join(work, "run.pbs"), "--format", "csv"],
                         check=True, capture_output=True, text=True).stdout
    expected = pd.read_csv(io.StringIO(csv))
    check(len(expected) == len(rounds), "as many metric rows as reesim inspect")
    merged = expected.merge(rounds, on=["round", "metric"], suffixes=("_cli", "_py"))
    check(len(merged) == len(expected) and (merged["value_cli"] - merged["value_py"]).abs().max() < 1e-9,
          "the same values as reesim inspect")
    share = rounds[(rounds["metric"] == "share.mining.CHN") & (rounds["round"] == 0)]["value"].iloc[0]
    check(0.55 < share < 0.75, "China's mining share in round 0")

    # Format 2's checksums: the known answer, a damaged round skipped and the file not complete, and a
    # format 1 file (tests/data/snapshot_v1) read as before.
    check(reesim_data.crc32c(b"123456789") == 0xE3069283, "CRC32C known answer")
    data = open(os.path.join(work, "run.pbs"), "rb").read()
    damaged = bytearray(data)
    damaged[len(data) * 2 // 3] ^= 0x08
    with open(os.path.join(work, "damaged.pbs"), "wb") as f:
        f.write(damaged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, damaged_rounds, damaged_complete = reesim_data.read_snapshots(os.path.join(work, "damaged.pbs"))
    check(not damaged_complete and len(caught) >= 1 and "damaged" in str(caught[0].message), "a damaged round is reported")
    check(damaged_rounds["round"].nunique() < 3, "a damaged round is skipped")
    v1 = os.path.join(source, "tests", "data", "snapshot_v1", "small-3-rounds.pbs")
    v1_header, v1_rounds, v1_complete = reesim_data.read_snapshots(v1)
    check(v1_header.format_version == 1 and v1_complete and v1_rounds["round"].nunique() == 3, "a format 1 file")

    plants, flows = reesim_data.read_plants_and_flows(os.path.join(work, "run.pbs"))
    first = plants[plants["round"] == 0]
    check(set(first["plant"]) >= {"cn_light_mines", "mountain_pass", "cn_magnets"}, "plant rows by id")
    magnets = first[first["plant"] == "cn_magnets"]["output_tonnes"].iloc[0]  # China's one magnet plant
    check(abs(magnets - rounds[(rounds["round"] == 0) & (rounds["metric"] == "output.magnet.CHN")]["value"].iloc[0]) < 1e-6,
          "a plant's output matches the output metric")
    us_imports = flows[(flows["round"] == 0) & (flows["product"] == "ndfeb_magnet") & (flows["from"] == "CHN") & (flows["to"] == "USA")]
    check(abs(us_imports["tonnes"].sum() - rounds[(rounds["round"] == 0) & (rounds["metric"] == "trade.ndfeb_magnet.CHN.USA")]["value"].sum()) < 1e-6,
          "flows add up to the trade metrics")

    data = open(os.path.join(work, "run.pbs"), "rb").read()
    cut = os.path.join(work, "cut.pbs")
    open(cut, "wb").write(data[: len(data) * 2 // 3])
    _, partial, complete = reesim_data.read_snapshots(cut)
    check(not complete and 0 < partial["round"].nunique() < 3, "a truncated file keeps its complete rounds")
    open(cut, "wb").write(b"")
    try:
        reesim_data.read_snapshots(cut)
        check(False, "an empty file is refused")
    except ValueError as error:
        check("empty" in str(error), "an empty file is refused")

    out = os.path.join(work, "exp")
    spec = os.path.join(source, "experiments", "examples", "export_control_arms.textproto")
    subprocess.run([reesim, "experiment", "--quiet", "--spec", spec, "--out", out], check=True)
    tables = reesim_data.read_experiment(out)
    check(len(tables["runs"]) == 72 and set(tables["runs"]["arm"]) == {"no_policy", "controls", "controls_with_alliance"},
          "runs.csv: 3 arms x 24 replicates")
    check(list(tables["experiments"].columns[-2:]) == ["scenario", "policy"], "EMA experiments table")
    check(len(tables["outcomes"]) == 72, "EMA outcomes table")
    check(all(t.attrs["provenance"].startswith("reesim ") and "experiment_sha256" in t.attrs["provenance"]
              for t in tables.values()), "each table carries its provenance")
    pivot = tables["summary"].pivot_table(index=["arm", "outcome"], columns="statistic", values="value")
    check(pivot.loc[("controls", "dy_price_peak"), "mean"] > pivot.loc[("no_policy", "dy_price_peak"), "mean"],
          "controls raise the Dy peak")

    printed = subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "plot_experiment.py"), out],
                             check=True, capture_output=True, text=True).stdout.split()
    for name in ("fan", "arms"):
        for extension in ("png", "svg"):
            path = os.path.join(out, "plot-%s.%s" % (name, extension))
            check(path in printed and os.path.getsize(path) > 1000, "plot " + path)
    with open(os.path.join(out, "plot-fan.svg")) as f:
        check("USD/kg" in f.read(), "the fan chart's y axis carries the outcome's unit")

    # The metric catalogue, as the plots read it.
    check(reesim_data.metric_family("price.dy_oxide.CHN")["unit"] == "USD/kg", "a price's unit")
    check(reesim_data.metric_family("trade.dy_oxide.CHN.USA")["absent_is_zero"], "a trade flow is absent when zero")
    check(not reesim_data.metric_family("price.dy_oxide.CHN")["absent_is_zero"], "a price is not")
    check(reesim_data.metric_family("prise.dy_oxide") is None, "a misspelt metric has no family")

    chart = os.path.join(work, "chart")
    printed = subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "plot_run.py"),
                              os.path.join(work, "run.pbs"), "--metrics", "price.dy_oxide+price.dy_oxide.CHN,share.magnet.CHN",
                              "--out", chart], check=True, capture_output=True, text=True).stdout.split()
    for extension in ("png", "svg"):
        path = chart + "." + extension
        check(path in printed and os.path.getsize(path) > 1000, "run chart " + path)
    with open(chart + ".svg") as f:
        svg = f.read()
    check("USD/kg" in svg and "fraction 0..1" in svg, "each panel's y axis carries its metrics' units")

    # An empirical game: profiles.csv reads with pandas, and the payoff heat map is drawn.
    game_spec = os.path.join(work, "game.textproto")
    with open(game_spec, "w") as stream:
        stream.write("""name: "tools" scenario: "baseline_2024" rounds: 2 replicates: 3
parameters { path: "market.demand_shock_sd" uniform { min: 0 max: 0.1 } }
players { actor: "CHN" strategies { name: "open" }
  strategies { name: "tax" overlay { policies { export_tax { products: "ndpr_oxide" ad_valorem: 0.2 } } } } }
players { actor: "USA" strategies { name: "none" }
  strategies { name: "tariff" overlay { policies { import_tariff { ad_valorem: 0.25 from: "CHN" } } } } }
analyses { bootstrap_resamples: 50 }
""")
    game_out = os.path.join(work, "game")
    subprocess.run([reesim, "game", "--quiet", "--spec", game_spec, "--out", game_out], check=True)
    profiles = pd.read_csv(os.path.join(game_out, "profiles.csv"), skiprows=1)
    check(len(profiles) == 8 and list(profiles.columns[:4]) == ["profile", "CHN", "USA", "player"], "profiles.csv is tidy")
    printed = subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "plot_game.py"), game_out],
                             check=True, capture_output=True, text=True).stdout.split()
    for extension in ("png", "svg"):
        path = os.path.join(game_out, "plot-payoffs." + extension)
        check(path in printed and os.path.getsize(path) > 1000, "game heat map " + path)
    # With profile search, cells not simulated stay blank and the title says how many were.
    with open(game_spec, "a") as stream:
        stream.write("profile_search: QUIESCE max_profiles: 1\n")
    search_out = os.path.join(work, "search")
    subprocess.run([reesim, "game", "--quiet", "--spec", game_spec, "--out", search_out], check=True)
    profiles = pd.read_csv(os.path.join(search_out, "profiles.csv"), skiprows=1)
    check(len(profiles) == 2 and set(profiles["profile"]) == {0}, "profiles.csv holds the simulated profile only")
    subprocess.run(["/usr/bin/python3", os.path.join(source, "tools", "plot_game.py"), search_out], check=True,
                   capture_output=True)
    with open(os.path.join(search_out, "plot-payoffs.svg")) as f:
        check("1 of 4 profiles simulated" in f.read(), "the heat map of a profile search says what was simulated")

print("%d passed, 0 failed" % checks)
