"""What the benchmark scripts share: the repository's paths, moto, the published Lambda hosts (AOT and
JIT) and the CLI, each built when missing or older than its sources, percentiles, and markdown."""
import fcntl
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from local_moto import start_moto  # noqa: E402,F401  (the benchmarks call benchlib.start_moto)

AOT_BOOTSTRAP = ROOT / "artifacts" / "lambda" / "bootstrap"
BASELINE_BOOTSTRAP = ROOT / "artifacts" / "lambda-baseline" / "bootstrap"
BASELINE_COMMIT = "d2a9569"  # the last commit before issue 12: the old path, the baseline in the same run
JIT_DIR = ROOT / "artifacts" / "lambda-jit"
JIT_BOOTSTRAP = JIT_DIR / "bootstrap"
CLI_PROJECT = ROOT / "src" / "Replicator.Cli" / "Replicator.Cli.csproj"
CLI = ROOT / "src" / "Replicator.Cli" / "bin" / "Release" / "net10.0" / "replicator"
PUBLISH_LOCK = ROOT / "artifacts" / "lambda-publish.lock"  # the integration tests' publish lock, too

# The framework-dependent build of the same Lambda host: the JIT baseline for cold start and memory.
JIT_PUBLISH = ["dotnet", "publish", "src/Replicator.Lambda/Replicator.Lambda.csproj", "-c", "Release", "-r", "linux-x64",
               "--self-contained", "false", "-p:PublishAot=false", "-o", "artifacts/lambda-jit"]


def log(message):
    print(message, file=sys.stderr, flush=True)


def newest_source_time(project_dirs=("src/Replicator.Core", "src/Replicator.Aws", "src/Replicator.Lambda")):
    """The newest modification time of the sources and build files a host is made from."""
    newest = max((ROOT / name).stat().st_mtime for name in ("Directory.Build.props", "Directory.Packages.props", "global.json"))
    for directory in project_dirs:
        for path in (ROOT / directory).rglob("*"):
            if path.suffix in (".cs", ".csproj", ".props", ".targets", ".json") and not {"bin", "obj"} & set(path.relative_to(ROOT).parts):
                newest = max(newest, path.stat().st_mtime)
    return newest


def is_fresh(binary, project_dirs=("src/Replicator.Core", "src/Replicator.Aws", "src/Replicator.Lambda")):
    return binary.exists() and binary.stat().st_mtime >= newest_source_time(project_dirs)


@contextmanager
def publish_lock():
    """The file lock the integration tests take around publishing (.NET's FileShare.None is flock on Linux)."""
    PUBLISH_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(PUBLISH_LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_quiet(command, what):
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"{what} failed ({' '.join(map(str, command))}):\n{result.stdout[-4000:]}")


def ensure_aot():
    """artifacts/lambda/bootstrap, published with build/publish-lambda.sh when missing or stale."""
    with publish_lock():
        if not is_fresh(AOT_BOOTSTRAP):
            log("publishing the Native AOT bootstrap (build/publish-lambda.sh, about a minute)...")
            run_quiet([str(ROOT / "build" / "publish-lambda.sh")], "build/publish-lambda.sh")
            AOT_BOOTSTRAP.touch()
    return AOT_BOOTSTRAP


def ensure_jit():
    """artifacts/lambda-jit/bootstrap: the same host, framework-dependent (JIT), published when missing or stale."""
    with publish_lock():
        if not is_fresh(JIT_BOOTSTRAP) or not (JIT_DIR / "bootstrap.dll").exists():
            log("publishing the framework-dependent (JIT) bootstrap: " + " ".join(JIT_PUBLISH))
            run_quiet(JIT_PUBLISH, "the JIT publish")
            JIT_BOOTSTRAP.touch()
    return JIT_BOOTSTRAP


def add_baseline_options(parser):
    """--baseline PATH and --no-baseline, as every benchmark of the Lambda host takes them."""
    parser.add_argument("--baseline", default=str(BASELINE_BOOTSTRAP),
                        help=f"the old path's bootstrap, measured in the same run (default {BASELINE_BOOTSTRAP.relative_to(ROOT)}, "
                             f"published from commit {BASELINE_COMMIT} by bench/baseline.sh when missing)")
    parser.add_argument("--no-baseline", action="store_true", help="measure the current bootstrap alone (--smoke implies it)")


def ensure_baseline(args):
    """The baseline bootstrap the options name, or None with --no-baseline or --smoke. The default
    path is published by bench/baseline.sh when it is missing (once per commit); another path must exist."""
    if args.no_baseline or getattr(args, "smoke", False):
        return None
    path = Path(args.baseline)
    if path.resolve() == BASELINE_BOOTSTRAP.resolve():
        run_quiet([str(ROOT / "bench" / "baseline.sh"), BASELINE_COMMIT], "bench/baseline.sh")
    if not path.is_file() or not os.access(path, os.X_OK):
        sys.exit(f"--baseline {path}: no executable bootstrap there (publish one, or give --no-baseline)")
    return path


def baseline_label(path):
    """How the results name the baseline: its commit when bench/baseline.sh published it."""
    commit_file = Path(path).parent / "COMMIT"
    if commit_file.is_file():
        return f"old path, {commit_file.read_text().strip()[:7]}"
    return f"baseline, {os.path.relpath(path, ROOT)}"


def ensure_cli():
    """The `replicator` command line, built in Release (what ./replicator runs) when missing or stale."""
    dirs = ("src/Replicator.Core", "src/Replicator.Aws", "src/Replicator.Cli")
    if not is_fresh(CLI, dirs):
        log("building the replicator command line (Release)...")
        run_quiet(["dotnet", "build", str(CLI_PROJECT), "-c", "Release", "--nologo", "-v", "q"], "building the CLI")
        CLI.touch()
    return CLI


def percentile(values, p):
    """Linear interpolation between closest ranks (as numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def proc_status(pid):
    """/proc/PID/status as a dict of kB figures (VmHWM, VmRSS, ...), or {} once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return {}
    figures = {}
    for line in lines:
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            figures[name] = int(value.split()[0])
    return figures


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(met, smoke, missed_by=""):
    if smoke:
        return "not judged (smoke)"
    return "**met**" if met else f"**missed**{f' ({missed_by})' if missed_by else ''}"


def write_outputs(markdown_path, json_path, markdown, data):
    if markdown_path:
        Path(markdown_path).parent.mkdir(parents=True, exist_ok=True)
        Path(markdown_path).write_text(markdown.rstrip() + "\n")
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(data, indent=2) + "\n")


def quoted_command(argv):
    """The command as it was run, for the results: `python3 bench/x.py ARGS` (output paths left out)."""
    shown, skip = [], False
    for arg in argv[1:]:
        if skip:
            skip = False
            continue
        if arg in ("--markdown", "--json"):
            skip = True
            continue
        shown.append(arg)
    script = os.path.relpath(os.path.abspath(argv[0]), ROOT)
    return " ".join(["python3", script] + shown)


# --- A realistic DynamoDB Streams event, as Lambda hands it to the function ---------------------

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/customers/stream/2026-01-01T00:00:00.000"


def _item(rng, key, version):
    """A customer profile: 20 top-level attributes, nested maps and lists, every kind of set."""
    import base64
    city = rng.choice(["Lisbon", "Porto", "Dublin", "Frankfurt", "Oregon", "Virginia", "Sydney"])
    return {
        "pk": {"S": f"customer#{key:08d}"},
        "sk": {"S": "profile"},
        "name": {"S": f"Customer {key} {rng.choice(['Silva', 'Murphy', 'Schmidt', 'Smith', 'Tanaka'])}"},
        "email": {"S": f"customer{key}@example.com"},
        "createdAt": {"S": "2025-03-14T09:26:53.589Z"},
        "updatedAt": {"N": str(1767225600 + version * 17)},
        "version": {"N": str(version)},
        "balance": {"N": f"{rng.randint(0, 10**9)}.{rng.randint(0, 10**8):08d}"},
        "active": {"BOOL": rng.random() < 0.8},
        "nickname": {"NULL": True},
        "avatar": {"B": base64.b64encode(rng.randbytes(48)).decode()},
        "tags": {"SS": sorted({f"tag{rng.randint(0, 40)}" for _ in range(4)})},
        "scores": {"NS": sorted({str(rng.randint(0, 1000)) for _ in range(4)} | {"2.5"})},
        "keys": {"BS": [base64.b64encode(bytes([key % 256, 1])).decode(), base64.b64encode(bytes([version % 256, 2])).decode()]},
        "address": {"M": {"street": {"S": f"{rng.randint(1, 300)} Main Street"}, "city": {"S": city}, "zip": {"S": f"{rng.randint(10000, 99999)}"},
                          "geo": {"M": {"lat": {"N": f"{rng.uniform(-90, 90):.6f}"}, "lon": {"N": f"{rng.uniform(-180, 180):.6f}"}}}}},
        "preferences": {"M": {"theme": {"S": rng.choice(["dark", "light"])}, "languages": {"L": [{"S": "en"}, {"S": "pt"}]},
                              "notifications": {"M": {"email": {"BOOL": True}, "sms": {"BOOL": False}, "push": {"BOOL": rng.random() < 0.5}}}}},
        "orders": {"L": [{"M": {"id": {"S": f"order-{key}-{n}"}, "total": {"N": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"},
                                "lines": {"NS": [str(rng.randint(1, 9)), str(10 + n)]}}} for n in range(3)]},
        "counters": {"M": {"visits": {"N": str(rng.randint(0, 10**6))}, "logins": {"N": str(rng.randint(0, 10**4))}}},
        "notes": {"S": "Prefers contact by e-mail; renewed the annual plan early; asked about the family discount."},
        "locale": {"S": "en-IE"},
    }


def _small_item(rng, key, version):
    """A small item (7 attributes, one map, one set): 10,000 of them fit in Lambda's 6 MB."""
    return {
        "pk": {"S": f"c#{key:06d}"},
        "sk": {"S": "p"},
        "v": {"N": str(version)},
        "n": {"S": f"Name {key % 997}"},
        "ok": {"BOOL": rng.random() < 0.8},
        "t": {"SS": ["a", f"t{key % 7}"]},
        "m": {"M": {"x": {"N": str(rng.randint(0, 999))}}},
    }


def _sized_item(layout):
    """An item like _item, grown or cut to about `layout`'s bytes: its first `attributes` attributes
    of _item's (the key first), `orders` orders, and the notes padded to `pad` characters."""
    attributes, orders, pad = layout

    def make(rng, key, version):
        item = _item(rng, key, version)
        kept = dict(list(item.items())[:attributes])
        if orders:
            kept["orders"] = {"L": [{"M": {"id": {"S": f"order-{key}-{n}"}, "total": {"N": f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"},
                                           "lines": {"NS": [str(rng.randint(1, 9)), str(10 + n)]}}} for n in range(orders)]}
        if pad:
            kept["notes"] = {"S": (item["notes"]["S"] + " ") * (pad // len(item["notes"]["S"]) + 1)}
            kept["notes"]["S"] = kept["notes"]["S"][:pad]
        return kept
    return make


def _layout_for(image_bytes):
    """The (attributes, orders, pad) of an item of about `image_bytes` bytes of JSON."""
    import random
    rng = random.Random(0)
    names = list(_item(rng, 1, 1))
    size = lambda layout: len(json.dumps(_sized_item(layout)(random.Random(0), 12345, 7)))  # noqa: E731
    attributes = next((n for n in range(2, len(names) + 1) if size((n, 0, 0)) > image_bytes), len(names) + 1) - 1
    attributes = max(2, min(attributes, names.index("orders")))  # orders and notes are added by size below
    orders = 0
    while size((attributes, orders + 1, 0)) <= image_bytes - 40:
        orders += 1
    pad = max(0, image_bytes - size((attributes, orders, 0)) - len(', "notes": {"S": ""}'))
    return attributes, orders, pad


def sized_stream_event(records, record_bytes, seed=1, first_key=0):
    """A Lambda event of `records` realistic records on distinct keys (from `first_key` on), each
    record about `record_bytes` bytes of JSON on average (both images; the mix of stream_event).
    The item's size is found by generating a sample and correcting once. Returns (event, distinct keys)."""
    images_per_record = 0.3 + 0.6 * 2 + 0.1  # INSERT new, MODIFY both, REMOVE old
    envelope = 490
    image = max(120, int((record_bytes - envelope) / images_per_record))
    for _ in range(2):
        sample, _ = stream_event(200, seed=seed, distinct_keys=200, make=_sized_item(_layout_for(image)), first_key=first_key)
        actual = len(json.dumps(sample)) / 200
        image = max(120, int(image + (record_bytes - actual) / images_per_record))
    return stream_event(records, seed=seed, distinct_keys=records, make=_sized_item(_layout_for(image)), first_key=first_key)


def stream_event(records, seed=1, distinct_keys=None, small=False, make=None, first_key=0):
    """A Lambda event of `records` DynamoDB stream records: 30 % INSERT, 60 % MODIFY, 10 % REMOVE,
    on about 95 % distinct keys (a few keys change twice in the batch). Realistic items (20
    attributes) with both images (NEW_AND_OLD_IMAGES), or, with `small`, 7-attribute items with
    new images only (NEW_IMAGE), so that 10,000 records fit in one 6 MB Lambda event.
    `make(rng, key, version)` gives another item shape (sized_stream_event); keys are numbered from
    `first_key` on. Returns (event, distinct keys)."""
    import random
    rng = random.Random(seed)
    pool = distinct_keys or max(1, int(records * 0.95))
    versions, out = {}, []
    for i in range(records):
        key = first_key + (i if i < pool else rng.randrange(pool))
        version = versions.get(key, rng.randint(1, 50)) + 1
        versions[key] = version
        roll = rng.random()
        name = "INSERT" if roll < 0.3 else "MODIFY" if roll < 0.9 else "REMOVE"
        make = make or (_small_item if small else _item)
        image_keys = {name: value for name, value in make(rng, key, version).items() if name in ("pk", "sk")}
        change = {"ApproximateCreationDateTime": 1767225600 + i // 100, "Keys": image_keys,
                  "SequenceNumber": str(10**20 + i * 100), "StreamViewType": "NEW_IMAGE" if small else "NEW_AND_OLD_IMAGES"}
        if name != "REMOVE":
            change["NewImage"] = make(rng, key, version)
        if name != "INSERT" and not small:
            change["OldImage"] = make(rng, key, version - 1)
        change["SizeBytes"] = len(json.dumps(change))
        out.append({"eventID": f"{i:032x}", "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                    "awsRegion": "us-east-1", "dynamodb": change, "eventSourceARN": STREAM_ARN})
    return {"Records": out}, len(versions)


def cpu_seconds(pid):
    """User + system CPU time a process has used so far, in seconds (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
