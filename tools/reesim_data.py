"""Load reesim outputs into pandas DataFrames.

    import sys; sys.path.insert(0, "tools")
    import reesim_data
    header, rounds, complete = reesim_data.read_snapshots("reesim-out/run.pbs")   # rounds: round, period, metric, value
    plants, flows = reesim_data.read_plants_and_flows("reesim-out/run.pbs")        # per plant, per trade flow
    results = reesim_data.read_experiment("results")    # runs, summary, bands, experiments, outcomes

Snapshot files (*.pbs) are length-delimited protobuf messages (RunHeader, RoundSnapshot..., RunFooter),
in format 2 each followed by its CRC32C (docs/snapshots.md); format 1 files (no checksums) are read too.
The Python classes are generated from the project's proto/ files with Debian's protoc the first time
they are needed (into a temporary directory of this process), so they always match the schema of this
checkout.
Requires Debian's python3-protobuf and python3-pandas (tools/setup.sh installs them).
"""

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import pandas as pd

_PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "proto")
_modules = {}


def _proto_modules():
    """Returns the generated (scenario_pb2, snapshot_pb2, experiment_pb2) modules."""
    if _modules:
        return _modules
    # A directory of this process's own: two programs generating into a shared one at the same time
    # could import a half-written module.
    cache = tempfile.mkdtemp(prefix="reesim-python-")
    atexit.register(shutil.rmtree, cache, True)
    protos = ["scenario.proto", "snapshot.proto", "experiment.proto"]
    subprocess.run(["protoc", "-I", _PROTO_DIR, "--python_out", cache] + protos, check=True)
    if cache not in sys.path:
        sys.path.insert(0, cache)
    for name in ("scenario_pb2", "snapshot_pb2", "experiment_pb2"):
        _modules[name] = importlib.import_module(name)
    return _modules


def _read_varint(data, position):
    result, shift = 0, 0
    while True:
        if position >= len(data):
            raise EOFError
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ValueError("bad length prefix")


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC32C (Castagnoli, reflected polynomial 0x82F63B78): crc32c(b"123456789") == 0xE3069283."""
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _read_snapshot_messages(path):
    """Returns (header, [RoundSnapshot...], complete) from a snapshot file; see read_snapshots."""
    snapshot_pb2 = _proto_modules()["snapshot_pb2"]
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise ValueError("%s: the file is empty (not a snapshot file)" % path)

    def frame(position, with_checksum):
        """(message bytes, checksum or None, next position); EOFError at a cut."""
        length, start = _read_varint(data, position)
        end = start + length
        if end + (4 if with_checksum else 0) > len(data):
            raise EOFError
        if not with_checksum:
            return data[start:end], None, end
        return data[start:end], int.from_bytes(data[end:end + 4], "little"), end + 4

    def intact(kind, payload, checksum):
        return checksum is None or checksum == crc32c(payload, crc32c(kind))

    try:
        payload, _, position = frame(0, False)
        header = snapshot_pb2.RunHeader()
        header.ParseFromString(payload)
    except Exception:
        raise ValueError("%s: not a reesim snapshot file (no readable header)" % path)
    if header.magic != "reesim-snapshots":
        raise ValueError("%s: not a reesim snapshot file (wrong magic)" % path)
    # Format 2 follows every record with the CRC32C of its kind (b"H", b"R", b"F") and its bytes;
    # format 1 has no checksums. A damaged round is skipped with a warning, as reesim inspect does.
    checksums = header.format_version >= 2
    if checksums:
        if position + 4 > len(data) or int.from_bytes(data[position:position + 4], "little") != crc32c(payload, crc32c(b"H")):
            raise ValueError("%s: the header is damaged (checksum mismatch)" % path)
        position += 4
    rounds = []
    damaged = False
    complete = False
    try:
        for index in range(header.rounds):
            payload, checksum, position = frame(position, checksums)
            snapshot = snapshot_pb2.RoundSnapshot()
            if not intact(b"R", payload, checksum):
                warnings.warn("%s: round %d: damaged (checksum mismatch); skipped" % (path, index))
                damaged = True
                continue
            snapshot.ParseFromString(payload)
            if snapshot.round != index:
                warnings.warn("%s: round %d: the record there holds round %d; skipped" % (path, index, snapshot.round))
                damaged = True
                continue
            rounds.append(snapshot)
        payload, checksum, position = frame(position, checksums)
        footer = snapshot_pb2.RunFooter()
        if not intact(b"F", payload, checksum):
            raise ValueError("the footer is damaged or is not a footer")
        footer.ParseFromString(payload)
        if footer.rounds_completed != header.rounds or position != len(data):
            raise ValueError("the footer does not match the rounds, or data follows it")
        complete = not damaged
    except EOFError:
        pass
    except Exception as error:  # damage after the intact rounds: they are still returned
        warnings.warn("%s: damaged: %s" % (path, error))
    return header, rounds, complete


def read_snapshots(path):
    """Reads a snapshot file. Returns (header, rounds, complete): the RunHeader message, a long
    DataFrame with columns round, period, metric, value, and whether the footer was there (False for a
    truncated run, whose complete rounds are still returned). Raises ValueError for a file that is empty
    or not a snapshot file."""
    header, snapshots, complete = _read_snapshot_messages(path)
    rows = [(s.round, s.period, key, s.metrics[key]) for s in snapshots for key in sorted(s.metrics)]
    return header, pd.DataFrame(rows, columns=["round", "period", "metric", "value"]), complete


def read_plants_and_flows(path):
    """Reads a snapshot file's plant-level and trade data. Returns (plants, flows): DataFrames with
    columns round, period, plant, output_tonnes, sales_tonnes, stock_tonnes, revenue_usd, cost_usd
    (one row per plant and round), and round, period, product, from, to, tonnes, price_usd_per_kg (one
    row per flow, domestic ones included). Ids are the scenario's."""
    header, snapshots, _ = _read_snapshot_messages(path)
    plants, flows = [], []
    for s in snapshots:
        for p in s.plants:
            plants.append((s.round, s.period, header.plant_ids[p.plant], p.output_tonnes, p.sales_tonnes,
                           p.stock_tonnes, p.revenue_usd, p.cost_usd))
        for f in s.flows:
            flows.append((s.round, s.period, header.product_ids[f.product], header.region_ids[f.from_region],
                          header.region_ids[f.to_region], f.tonnes, f.price_usd_per_kg))
    return (pd.DataFrame(plants, columns=["round", "period", "plant", "output_tonnes", "sales_tonnes", "stock_tonnes",
                                          "revenue_usd", "cost_usd"]),
            pd.DataFrame(flows, columns=["round", "period", "product", "from", "to", "tonnes", "price_usd_per_kg"]))


def read_experiment(directory):
    """Reads the outputs of `reesim experiment` into DataFrames: runs, summary, bands, and EMA
    Workbench's experiments and outcomes tables (those that exist). Each file's first line, a `#`
    comment, records its provenance; it is kept in each DataFrame's `attrs["provenance"]`."""
    tables = {}
    for name in ("runs", "summary", "bands", "experiments", "outcomes"):
        path = os.path.join(directory, name + ".csv")
        if os.path.exists(path):
            with open(path) as f:
                first = f.readline()
            provenance = first.startswith("#")
            tables[name] = pd.read_csv(path, skiprows=1 if provenance else 0)
            if provenance:
                tables[name].attrs["provenance"] = first[1:].strip()
    if "runs" not in tables:
        raise ValueError("%s: no runs.csv (not an experiment output directory)" % directory)
    return tables


def find_reesim():
    """Returns the reesim program to ask: $REESIM, else `reesim` on the PATH, else this checkout's
    build/release/cli/reesim. Raises FileNotFoundError saying how to provide it."""
    candidates = [os.environ.get("REESIM"), shutil.which("reesim"),
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "build", "release", "cli", "reesim")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("reesim not found: put it on the PATH (tools/setup.sh run installs it) or set REESIM=/path/to/reesim")


_families = []


def metric_families():
    """The metric catalogue, as `reesim metrics --format json` prints it: a list of dicts with keys
    pattern ("price.<product>.<REGION>"), unit, absent_is_zero and meaning."""
    if not _families:
        import json
        printed = subprocess.run([find_reesim(), "metrics", "--format", "json"], check=True, capture_output=True, text=True)
        _families.extend(json.loads(printed.stdout))
    return _families


def metric_family(name):
    """The catalogue family of a metric name (each <...> of a pattern is one dot-free id), or None."""
    parts = name.split(".")
    for family in metric_families():
        pattern = family["pattern"].split(".")
        if len(pattern) == len(parts) and all(p.startswith("<") or p == q for p, q in zip(pattern, parts)):
            return family
    return None
