"""A minimal DynamoDB endpoint for benchmarks: accepts BatchWriteItem, PutItem and DeleteItem,
counts every item, and answers at once (BatchWriteItem with {"UnprocessedItems":{}}), so that
what is measured is the replicator, not the server. Any other operation gets a 400."""
import http.server
import json
import threading


class FakeDynamoDb:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = 0
        self.requests = {}
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                if operation == "BatchWriteItem":
                    count = sum(len(requests) for requests in body.get("RequestItems", {}).values())
                    answer, status = {"UnprocessedItems": {}}, 200
                elif operation in ("PutItem", "DeleteItem"):
                    count, answer, status = 1, {}, 200
                else:
                    count, status = 0, 400
                    answer = {"__type": "com.amazon.coral.validate#ValidationException", "message": f"{operation} is not supported here"}
                with fake.lock:
                    fake.items += count
                    fake.requests[operation] = fake.requests.get(operation, 0) + 1
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("x-amzn-RequestId", "fake")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that went away (the host was stopped) is not news

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def counts(self):
        with self.lock:
            return self.items, dict(self.requests)

    def close(self):
        self.server.shutdown()
