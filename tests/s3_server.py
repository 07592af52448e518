"""A stand-in S3 service for the tests: moto's standalone server on
127.0.0.1 (nothing else is reached), with dummy credentials."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

KEY, SECRET, REGION = "testing", "testing", "us-east-1"
# what an S3 client reads from the environment, and what must not leak in
CREDENTIALS = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true"}
FOREIGN = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")


@contextmanager
def moto_s3(bucket: str) -> Iterator[tuple[str, Any]]:
    """(endpoint URL, boto3 client) of a moto S3 server on 127.0.0.1 that
    holds an empty `bucket`; the server stops on exit."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server._server.server_address
        assert host == "127.0.0.1"
        url = f"http://127.0.0.1:{port}"
        client = boto3.client("s3", endpoint_url=url, region_name=REGION,
                              aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        client.create_bucket(Bucket=bucket)
        yield url, client
    finally:
        server.stop()
