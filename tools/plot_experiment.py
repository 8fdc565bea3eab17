#!/usr/bin/python3
"""Draws an experiment's results to PNG and SVG: fan charts of each outcome's metric per arm (from
bands.csv), arm comparisons (means with bootstrap 95 % intervals), and Sobol indices when present.

    /usr/bin/python3 tools/plot_experiment.py RESULTS_DIR [--out PREFIX]

Writes PREFIX-fan.{png,svg}, PREFIX-arms.{png,svg} and, for Sobol designs, PREFIX-sobol.{png,svg}.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the --out directory of reesim experiment (or merge)")
    parser.add_argument("--out", help="prefix of the image files (default: RESULTS/plot)")
    args = parser.parse_args()
    tables = reesim_data.read_experiment(args.results)
    prefix = args.out or os.path.join(args.results, "plot")
    written = []

    bands = tables.get("bands")
    if bands is not None and not bands.empty:
        outcomes = list(dict.fromkeys(bands["outcome"]))
        figure, axes = plt.subplots(len(outcomes), 1, figsize=(8, 3 * len(outcomes)), squeeze=False)
        for axis, outcome in zip(axes[:, 0], outcomes):
            for arm, group in bands[bands["outcome"] == outcome].groupby("arm", sort=False):
                axis.fill_between(group["round"], group["q5"], group["q95"], alpha=0.15)
                axis.fill_between(group["round"], group["q25"], group["q75"], alpha=0.3)
                axis.plot(group["round"], group["q50"], label=arm)
            axis.set_title("%s (%s): median, 25-75 %% and 5-95 %%" % (outcome, group["metric"].iloc[0]))
            axis.set_xlabel("round")
            axis.legend()
        written += save(figure, prefix, "fan")

    summary = tables["summary"]
    means = summary[summary["statistic"] == "mean"]
    if not means.empty:
        outcomes = list(dict.fromkeys(means["outcome"]))
        figure, axes = plt.subplots(1, len(outcomes), figsize=(4 * len(outcomes), 3.5), squeeze=False)
        for axis, outcome in zip(axes[0], outcomes):
            rows = summary[summary["outcome"] == outcome].pivot_table(index="arm", columns="statistic", values="value", sort=False)
            low = rows["mean"] - rows["mean_ci95_low"]
            high = rows["mean_ci95_high"] - rows["mean"]
            axis.bar(rows.index, rows["mean"], yerr=[low, high], capsize=4)
            axis.set_title(outcome)
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
        axis.set_title("Sobol indices")
        written += save(figure, prefix, "sobol")

    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
