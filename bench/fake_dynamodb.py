"""A minimal DynamoDB endpoint for benchmarks, so that what is measured is the replicator, not the
server. It counts every item and answers each request at once, or after `delay_ms` (a cross-region
round trip: each request waits on its own connection's thread, so requests in flight overlap).

One-way replication: BatchWriteItem (answered {"UnprocessedItems":{}}), PutItem, DeleteItem.

Multi-active replication (REPLICATION_MODE=multi-active), answered as DynamoDB would if no other
writer were about: every condition is met; UpdateItem applies its `SET #a = :v, ...` to the item
as the fake knows it (one given by `seed`, the application's write that the stream record
reports, else the key alone) and answers ALL_NEW with the result; TransactWriteItems writes;
BatchGetItem finds nothing (no tombstones, no insert pins, nothing to read back); DescribeTable
describes an ACTIVE table (the side tables `{table}-replicator-tombstones` and `-conflicts` with
their keys). The fake keeps no writes: the items it answers with are the seeded ones.

Any other operation gets a 400.

    python3 bench/fake_dynamodb.py [--port 0] [--delay-ms 0]   # on its own, until interrupted
"""
import argparse
import http.server
import json
import re
import threading
import time

_SET = re.compile(r"\s*(#?[\w.]+)\s*=\s*(:\w+)\s*")


def _key_text(key):
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


class FakeDynamoDb:
    def __init__(self, delay_ms=0, port=0):
        self.lock = threading.Lock()
        self.items = 0
        self.requests = {}
        self.delay = delay_ms / 1000
        self.seeded = {}  # (table, key text) -> item, what UpdateItem answers ALL_NEW over
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                count, answer, status = fake.answer(operation, body)
                with fake.lock:
                    fake.items += count
                    fake.requests[operation] = fake.requests.get(operation, 0) + 1
                if fake.delay:
                    time.sleep(fake.delay)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("x-amzn-RequestId", "fake")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 1024  # the host opens hundreds of connections at once in multi-active mode

            def handle_error(self, request, client_address):
                pass  # a client that went away (the host was stopped) is not news

        self.server = Server(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, operation, body):
        """(items counted, answer, HTTP status) of one request."""
        if operation == "BatchWriteItem":
            return sum(len(requests) for requests in body.get("RequestItems", {}).values()), {"UnprocessedItems": {}}, 200
        if operation in ("PutItem", "DeleteItem"):
            return 1, {}, 200
        if operation == "UpdateItem":
            return 1, {"Attributes": self.updated(body)}, 200
        if operation == "TransactWriteItems":
            writes = [item for item in body.get("TransactItems", []) if "ConditionCheck" not in item]
            return len(writes), {}, 200
        if operation == "BatchGetItem":
            return 0, {"Responses": {table: [] for table in body.get("RequestItems", {})}, "UnprocessedKeys": {}}, 200
        if operation == "DescribeTable":
            return 0, {"Table": self.description(body.get("TableName", ""))}, 200
        return 0, {"__type": "com.amazon.coral.validate#ValidationException", "message": f"{operation} is not supported here"}, 400

    def seed(self, table, items, key_names):
        """Items the application wrote to `table` (whose stream records the host is handed): UpdateItem answers over them."""
        with self.lock:
            for item in items:
                self.seeded[(table, _key_text({name: item[name] for name in key_names}))] = item

    def clear_seeds(self):
        with self.lock:
            self.seeded.clear()

    def updated(self, body):
        key = body.get("Key", {})
        with self.lock:
            item = dict(self.seeded.get((body.get("TableName", ""), _key_text(key)), key))
        names, values = body.get("ExpressionAttributeNames", {}), body.get("ExpressionAttributeValues", {})
        expression = body.get("UpdateExpression", "").strip()
        if expression.upper().startswith("SET "):
            for assignment in expression[4:].split(","):
                match = _SET.fullmatch(assignment)
                if match and match.group(2) in values:
                    path = [names.get(part, part) for part in match.group(1).split(".")]
                    if len(path) == 1:
                        item[path[0]] = values[match.group(2)]
        return item

    @staticmethod
    def description(table):
        key = "key" if table.endswith("-replicator-tombstones") else "id" if table.endswith("-replicator-conflicts") else None
        schema = [(key, "HASH")] if key else [("pk", "HASH"), ("sk", "RANGE")]
        return {"TableName": table, "TableStatus": "ACTIVE", "ItemCount": 0, "TableSizeBytes": 0,
                "TableArn": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}",
                "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in schema],
                "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name, _ in schema],
                "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}}

    def counts(self):
        with self.lock:
            return self.items, dict(self.requests)

    def close(self):
        self.server.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--delay-ms", type=float, default=0, help="answer each request after this many milliseconds (default 0)")
    args = parser.parse_args()
    fake = FakeDynamoDb(delay_ms=args.delay_ms, port=args.port)
    print(f"fake DynamoDB at {fake.endpoint}, answering after {args.delay_ms:g} ms; Ctrl-C stops it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.close()


if __name__ == "__main__":
    main()
