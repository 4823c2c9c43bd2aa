"""A moto server on a free loopback port, for the local scripts and the benchmarks."""
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    """Starts moto_server (from PATH, else ~/.pyenv/shims) and waits until it answers: (process, endpoint)."""
    exe = shutil.which("moto_server") or shutil.which("moto_server", path=str(Path.home() / ".pyenv" / "shims"))
    if not exe:
        sys.exit('moto_server not found: install it with pip install "moto[server]"')
    port = free_port()
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("moto_server did not start")
