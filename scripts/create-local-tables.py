#!/usr/bin/env python3
"""Creates the README's example tables on a local DynamoDB-compatible endpoint: us-east-1:users
(keyed by email, stream NEW_AND_OLD_IMAGES) and us-west-2:users, and writes a few items to the
source. With --multi-active: orders in us-east-1, eu-west-1 and ap-southeast-2 instead, each with
a stream, each written to (one key in all three, at once). Needs boto3 (it comes with moto).

    python3 scripts/create-local-tables.py --endpoint http://127.0.0.1:5000
    python3 scripts/create-local-tables.py --endpoint http://127.0.0.1:5000 --multi-active
"""
import argparse

import boto3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--multi-active", action="store_true")
    args = parser.parse_args()
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local")
    if args.multi_active:
        multi_active(session, args.endpoint)
        return
    spec = dict(TableName="users", BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}])
    source = session.client("dynamodb", region_name="us-east-1", endpoint_url=args.endpoint)
    target = session.client("dynamodb", region_name="us-west-2", endpoint_url=args.endpoint)
    source.create_table(**spec, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    target.create_table(**spec)
    for i in range(10):
        source.put_item(TableName="users", Item={"email": {"S": f"user{i}@example.com"}, "visits": {"N": str(i)}, "tags": {"SS": ["new"]}})
    source.delete_item(TableName="users", Key={"email": {"S": "user0@example.com"}})
    print("created us-east-1:users (with a stream, 9 items) and us-west-2:users (empty)")


def multi_active(session, endpoint):
    spec = dict(TableName="orders", BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    clients = {region: session.client("dynamodb", region_name=region, endpoint_url=endpoint) for region in regions}
    for client in clients.values():
        client.create_table(**spec)
    for region, client in clients.items():
        for i in range(3):
            client.put_item(TableName="orders", Item={"id": {"S": f"{region}-{i}"}, "status": {"S": "new"}})
        # The same order, written in every region at once: a conflict for two of them.
        client.put_item(TableName="orders", Item={"id": {"S": "shared"}, "status": {"S": f"written in {region}"}})
    print("created orders in " + ", ".join(regions) + " (with streams, 4 items each, one of them on the same key)")


if __name__ == "__main__":
    main()
