#!/usr/bin/env python3
"""Cold start of the published Lambda bootstrap: time from process start to its first response
at a stand-in of the runtime API (an event with no records, so only the host's own start-up is
timed: configuration, AWS clients, engine), median of N runs.

    python3 bench/cold-start.py [--runs N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from lambda_runtime import RuntimeApi  # noqa: E402

BOOTSTRAP = ROOT / "artifacts" / "lambda" / "bootstrap"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not BOOTSTRAP.exists():
        subprocess.run([str(ROOT / "build" / "publish-lambda.sh")], check=True, stdout=subprocess.DEVNULL)

    timings = []
    for run in range(args.runs):
        runtime = RuntimeApi()
        runtime.enqueue({"Records": []}, f"cold-{run}")
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=runtime.address, REPLICATION_TARGETS="us-west-2:users",
                   AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
        started = time.monotonic()
        process = subprocess.Popen([str(BOOTSTRAP)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        answered, path, _ = runtime.wait_for_answer(1, timeout=30)
        timings.append((answered - started) * 1000)
        process.terminate()
        process.wait(10)
        runtime.close()
        if not path.endswith("/response"):
            sys.exit(f"run {run}: the function answered {path}, not a response")

    size = BOOTSTRAP.stat().st_size / 1024 / 1024
    print(f"bootstrap ({size:.1f} MiB): process start to first response, median {statistics.median(timings):.1f} ms "
          f"over {args.runs} runs (min {min(timings):.1f}, max {max(timings):.1f})")


if __name__ == "__main__":
    main()
