"""A stand-in for the Lambda runtime API, as much of it as a custom runtime uses: next
invocation, response, invocation error, init error. Shared by the local run and the benchmarks."""
import http.server
import json
import threading
import time


class RuntimeApi:
    """Serves queued events to GET /next and records what the function posts back."""

    def __init__(self):
        self.events, self.answers, self.lock = [], [], threading.Condition()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            # HTTP/1.1 with a length on every answer, as the real runtime API: under HTTP/1.0 the
            # stand-in closed each connection after its answer, and the host, finding a connection
            # it had pooled closed, now and then failed to post its response.
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with api.lock:
                    while not api.events:
                        api.lock.wait()
                    request_id, body = api.events.pop(0)
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 60_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:replicator")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with api.lock:
                    api.answers.append((time.monotonic(), self.path, json.loads(body or b"{}")))
                    api.lock.notify_all()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def enqueue(self, event, request_id):
        with self.lock:
            self.events.append((request_id, json.dumps(event).encode()))
            self.lock.notify_all()

    def wait_for_answer(self, count, timeout=120):
        """Waits until `count` answers have arrived; returns the last as (monotonic time, path, body)."""
        with self.lock:
            if not self.lock.wait_for(lambda: len(self.answers) >= count, timeout=timeout):
                raise TimeoutError(f"the function did not answer within {timeout} s")
            return self.answers[count - 1]

    def invoke(self, event, request_id):
        """One invocation, start to answer: returns (path, body) of what the function posted."""
        with self.lock:
            expected = len(self.answers) + 1
        self.enqueue(event, request_id)
        _, path, body = self.wait_for_answer(expected)
        return path, body

    def close(self):
        self.server.shutdown()
