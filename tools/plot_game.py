#!/usr/bin/python3
"""Draws an empirical game's payoff table as heat maps, one per player, with the equilibria marked.

    /usr/bin/python3 tools/plot_game.py RESULTS_DIR [--out PREFIX]

RESULTS_DIR is the --out directory of `reesim game --spec` (or --merge); the plot reads its game.json.
Rows are the profiles of the first half of the players, columns those of the others (for two players:
the row player's strategies against the column player's). Each cell is coloured by the player's mean
payoff there, relative to that player's mean over all profiles, and labelled with the mean; pure
equilibria are outlined in black with their robustness, and the supports of mixed ones listed in the
title. Writes PREFIX-payoffs.png and PREFIX-payoffs.svg (default PREFIX: RESULTS_DIR/plot) and prints
their paths.
"""

import argparse
import itertools
import json
import os

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG: searchable and editable
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def profile_index(choice, counts):
    """Gambit order, player 1 fastest."""
    index = 0
    for strategy, count in reversed(list(zip(choice, counts))):
        index = index * count + strategy
    return index


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the --out directory of reesim game --spec (or --merge)")
    parser.add_argument("--out", help="prefix of the image files (default: RESULTS/plot)")
    args = parser.parse_args()
    with open(os.path.join(args.results, "game.json")) as stream:
        game = json.load(stream)
    players = game["players"]
    actors = [p["actor"] for p in players]
    labels = [p["strategies"] for p in players]
    counts = [len(s) for s in labels]
    n = len(players)
    row_players = list(range(max(1, n // 2)))
    column_players = list(range(len(row_players), n))
    rows = list(itertools.product(*[range(counts[i]) for i in row_players]))
    columns = list(itertools.product(*[range(counts[i]) for i in column_players])) or [()]

    def label(players_, choice):
        return " / ".join(labels[i][s] for i, s in zip(players_, choice)) or "-"

    # Every profile, or with profile search (QUIESCE) the simulated ones: the others stay blank.
    simulated = {p["index"]: p for p in game["profiles"]}
    pure = {}
    mixed = []
    for eq in game["equilibria"]["found"]:
        strategies = eq["strategies"]
        if all(max(mix) > 1 - 1e-9 for mix in strategies):
            choice = [mix.index(max(mix)) for mix in strategies]
            pure[profile_index(choice, counts)] = eq["robustness"]
        else:
            mixed.append("; ".join("%s: %s" % (a, s) for a, s in zip(actors, eq["support"])) +
                         " (robustness %.2f)" % eq["robustness"])

    width = max(4.5, 0.55 * len(columns) + 3)
    height = max(3.0, 0.35 * len(rows) + 2)
    grid_columns = min(n, 2)
    grid_rows = (n + grid_columns - 1) // grid_columns
    figure, axes = plt.subplots(grid_rows, grid_columns, figsize=(width * grid_columns, height * grid_rows), squeeze=False,
                                layout="constrained")
    for extra in axes.flat[n:]:
        extra.axis("off")
    for player, axis in enumerate(axes.flat[:n]):
        table = np.full((len(rows), len(columns)), np.nan)
        for r, row in enumerate(rows):
            for c, column in enumerate(columns):
                choice = list(row) + list(column)
                profile = simulated.get(profile_index(choice, counts))
                cell = None if profile is None else profile["payoffs"][player]["mean"]
                table[r, c] = np.nan if cell is None else cell
        centre = np.nanmean(table)
        spread = np.nanmax(np.abs(table - centre)) or 1.0
        image = axis.imshow(table - centre, cmap="RdYlGn", vmin=-spread, vmax=spread, aspect="auto")
        unit = players[player]["payoff"].get("unit", "")
        figure.colorbar(image, ax=axis, label="payoff - mean (%.6g)%s" % (centre, ", " + unit if unit else ""))
        small = len(rows) * len(columns) <= 64
        for r, row in enumerate(rows):
            for c, column in enumerate(columns):
                index = profile_index(list(row) + list(column), counts)
                if small and not np.isnan(table[r, c]):
                    axis.text(c, r, "%.5g" % table[r, c], ha="center", va="center", fontsize=7)
                if index in pure:
                    axis.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2.5))
                    axis.text(c + 0.45, r - 0.45, "NE %.2f" % pure[index], ha="right", va="top", fontsize=6,
                              fontweight="bold")
        axis.set_xticks(range(len(columns)))
        axis.set_xticklabels([label(column_players, c) for c in columns], rotation=60, ha="right", fontsize=7)
        axis.set_yticks(range(len(rows)))
        axis.set_yticklabels([label(row_players, r) for r in rows], fontsize=7)
        axis.set_xlabel(" / ".join(actors[i] for i in column_players))
        axis.set_ylabel(" / ".join(actors[i] for i in row_players))
        axis.set_title("payoff of %s (%s)" % (actors[player], players[player]["payoff"]["metric"]))
    title = "%s: mean payoffs over %d replicates; outlined: pure equilibria (robustness)" % (
        game["game"] or "game", game["replicates"])
    if "profile_search" in game:
        search = game["profile_search"]
        title += "\nprofile search: %d of %d profiles simulated (blank: not simulated); outlined: confirmed" % (
            search["profiles_simulated"], search["profiles_total"])
    if mixed:
        title += "\nmixed equilibria: " + " | ".join(mixed)
    figure.suptitle(title, fontsize=9)
    prefix = args.out or os.path.join(args.results, "plot")
    for extension in ("png", "svg"):
        path = "%s-payoffs.%s" % (prefix, extension)
        figure.savefig(path, dpi=120, bbox_inches="tight")
        print(path)
    plt.close(figure)


if __name__ == "__main__":
    main()
