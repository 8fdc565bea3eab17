#!/usr/bin/python3
"""Draws metrics of a snapshot file over its rounds to PNG and SVG (one panel per metric).

    /usr/bin/python3 tools/plot_run.py RUN.pbs --metrics price.dy_oxide,price.dy_oxide.CHN --out PREFIX

A metric may be given as KEY or as KEY=LABEL; metrics sharing a panel are joined with '+'
(e.g. "price.ndfeb_magnet.DEU+price.ndfeb_magnet.CHN"). Writes PREFIX.png and PREFIX.svg. Each
panel's y axis carries its metrics' units, from the metric catalogue (`reesim metrics --format
json`; the program is found on the PATH, in this checkout's build/release/cli, or as $REESIM).
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in SVG: searchable and editable
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reesim_data  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="a snapshot file (reesim run --out DIR writes DIR/run.pbs)")
    parser.add_argument("--metrics", required=True, help="comma-separated panels; '+' joins metrics in a panel")
    parser.add_argument("--out", required=True, help="prefix of the image files")
    parser.add_argument("--title", default=None)
    args = parser.parse_args()
    header, rounds, complete = reesim_data.read_snapshots(args.run)
    panels = [panel.split("+") for panel in args.metrics.split(",")]
    figure, axes = plt.subplots(len(panels), 1, figsize=(8, 2.6 * len(panels)), squeeze=False, sharex=True,
                                constrained_layout=True)
    periods = rounds.drop_duplicates("round").set_index("round")["period"]
    markers = "osD^v<>px"
    for axis, panel in zip(axes[:, 0], panels):
        units = []
        for k, item in enumerate(panel):
            key, _, label = item.partition("=")
            family = reesim_data.metric_family(key)
            if family is None:
                parser.error("%s is not a reesim metric (reesim metrics lists them)" % key)
            series = rounds[rounds["metric"] == key].set_index("round")["value"].reindex(periods.index)
            # A flow is written only when positive, so its absence is a zero; any other absent value
            # (a price where the product did not clear) is a gap in the line, not a zero.
            if family["absent_is_zero"]:
                series = series.fillna(0.0)
            # Markers and dashes differ, so a line drawn over an equal one still shows.
            axis.plot(periods.values, series.values, marker=markers[k % len(markers)], markersize=4,
                      linestyle=("-", "--", ":", "-.")[k % 4], label=label or key)
            if family["unit"] not in units:
                units.append(family["unit"])
        # A series flat to rounding (a share at 0.92943790 +- 1e-8) is drawn flat, not as noise on an
        # offset axis: at least 2 % of its level either side.
        low, high = axis.get_ylim()
        centre, least = 0.5 * (low + high), 0.02 * abs(0.5 * (low + high))
        if high - low < 2 * least:
            axis.set_ylim(centre - least, centre + least)
        axis.ticklabel_format(axis="y", useOffset=False)
        axis.set_ylabel(" / ".join(units), fontsize=8)
        axis.legend(fontsize=8)
        axis.grid(alpha=0.3)
    axes[-1, 0].tick_params(axis="x", rotation=45)
    figure.suptitle(args.title or "%s (seed %d)%s" % (header.scenario_name, header.seed, "" if complete else ", truncated"))
    for extension in ("png", "svg"):
        path = "%s.%s" % (args.out, extension)
        figure.savefig(path, dpi=110, bbox_inches="tight")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
