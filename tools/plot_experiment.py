#!/usr/bin/python3
"""Draws an experiment's results to PNG and SVG: fan charts of each outcome's metric per arm (from
bands.csv), arm comparisons (means with bootstrap 95 % intervals), and Sobol indices when present.

    /usr/bin/python3 tools/plot_experiment.py RESULTS_DIR [--out PREFIX]

Writes PREFIX-fan.{png,svg}, PREFIX-arms.{png,svg} and, for Sobol designs, PREFIX-sobol.{png,svg}.
Axis units: the outcomes' from summary.json; the fan charts' (each outcome's metric per round) from
the metric catalogue (`reesim metrics --format json`; the program is found on the PATH, in this
checkout's build/release/cli, or as $REESIM). Arms whose medians coincide are drawn with different
markers and dashes and named in the legend ("= other arm").
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG: searchable and editable
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reesim_data  # noqa: E402


def save(figure, prefix, name):
    paths = []
    for extension in ("png", "svg"):
        path = "%s-%s.%s" % (prefix, name, extension)
        figure.savefig(path, dpi=120, bbox_inches="tight")
        paths.append(path)
    plt.close(figure)
    return paths


def outcome_units(results):
    """Each outcome's unit, from summary.json (the metric catalogue's unit after its aggregation)."""
    path = os.path.join(results, "summary.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        outcomes = json.load(f).get("outcomes", {})
    return {name: info.get("unit", "") for name, info in outcomes.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the --out directory of reesim experiment (or merge)")
    parser.add_argument("--out", help="prefix of the image files (default: RESULTS/plot)")
    args = parser.parse_args()
    tables = reesim_data.read_experiment(args.results)
    prefix = args.out or os.path.join(args.results, "plot")
    written = []

    units = outcome_units(args.results)
    markers = "osD^v<>px"
    bands = tables.get("bands")
    if bands is not None and not bands.empty:
        outcomes = list(dict.fromkeys(bands["outcome"]))
        figure, axes = plt.subplots(len(outcomes), 1, figsize=(8, 3.2 * len(outcomes)), squeeze=False,
                                    constrained_layout=True)
        for axis, outcome in zip(axes[:, 0], outcomes):
            drawn = {}  # arm -> its median series, to say when arms coincide
            for k, (arm, group) in enumerate(bands[bands["outcome"] == outcome].groupby("arm", sort=False)):
                color = "C%d" % (k % 10)
                axis.fill_between(group["round"], group["q5"], group["q95"], color=color, alpha=0.12)
                axis.fill_between(group["round"], group["q25"], group["q75"], color=color, alpha=0.25)
                median = list(group["q50"])
                same = [other for other, series in drawn.items() if series == median]
                label = arm + (" (= %s)" % ", ".join(same) if same else "")
                # Markers and dashes differ per arm, so an arm drawn over an equal one still shows.
                axis.plot(group["round"], group["q50"], color=color, marker=markers[k % len(markers)], markersize=4,
                          linestyle=("-", "--", ":", "-.")[k % 4], label=label)
                drawn[arm] = median
            axis.set_title("%s (%s): median, 25-75 %% and 5-95 %%" % (outcome, group["metric"].iloc[0]), fontsize=10)
            axis.set_xlabel("round")
            # The bands are the outcome's metric round by round, so the axis takes the metric's unit
            # (per round), not the outcome's (which may be a sum or a discounted sum over rounds).
            family = reesim_data.metric_family(group["metric"].iloc[0])
            axis.set_ylabel(family["unit"] if family else "", fontsize=9)
            axis.legend(fontsize=8)
        written += save(figure, prefix, "fan")

    summary = tables["summary"]
    means = summary[summary["statistic"] == "mean"]
    if not means.empty:
        outcomes = list(dict.fromkeys(means["outcome"]))
        figure, axes = plt.subplots(1, len(outcomes), figsize=(4 * len(outcomes), 3.5), squeeze=False,
                                    constrained_layout=True)
        for axis, outcome in zip(axes[0], outcomes):
            rows = summary[summary["outcome"] == outcome].pivot_table(index="arm", columns="statistic", values="value", sort=False)
            low = rows["mean"] - rows["mean_ci95_low"]
            high = rows["mean_ci95_high"] - rows["mean"]
            axis.bar(rows.index, rows["mean"], yerr=[low, high], capsize=4)
            axis.set_title(outcome)
            axis.set_ylabel("mean, " + units.get(outcome, "") if units.get(outcome) else "mean", fontsize=9)
            axis.tick_params(axis="x", rotation=30)
        written += save(figure, prefix, "arms")

    sobol = summary[summary["statistic"].str.startswith("sobol_first.")]
    if not sobol.empty:
        figure, axis = plt.subplots(figsize=(8, 4))
        labels = []
        first, total = [], []
        for _, row in sobol.iterrows():
            parameter = row["statistic"][len("sobol_first."):]
            labels.append("%s / %s / %s" % (row["arm"], row["outcome"], parameter))
            first.append(row["value"])
            match = summary[(summary["arm"] == row["arm"]) & (summary["outcome"] == row["outcome"]) &
                            (summary["statistic"] == "sobol_total." + parameter)]
            total.append(match["value"].iloc[0])
        positions = range(len(labels))
        axis.barh([p + 0.2 for p in positions], first, height=0.4, label="first order")
        axis.barh([p - 0.2 for p in positions], total, height=0.4, label="total")
        axis.set_yticks(list(positions))
        axis.set_yticklabels(labels)
        axis.legend()
        axis.set_xlabel("share of the outcome's variance")
        axis.set_title("Sobol indices")
        written += save(figure, prefix, "sobol")

    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
