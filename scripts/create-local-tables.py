#!/usr/bin/env python3
"""Creates the README's example tables on a local DynamoDB-compatible endpoint: us-east-1:users
(keyed by email, stream NEW_AND_OLD_IMAGES) and us-west-2:users, and writes a few items to the
source. Needs boto3 (it comes with moto).

    python3 scripts/create-local-tables.py --endpoint http://127.0.0.1:5000
"""
import argparse

import boto3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local")
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


if __name__ == "__main__":
    main()
