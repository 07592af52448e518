"""The object-store door: Zarr arrays on S3 (or anything that speaks S3),
through fsspec/s3fs URLs and through obstore.

    pip install "zfpcodec[s3]"
    S3_ENDPOINT_URL=https://... S3_BUCKET=my-bucket python examples/s3.py

Credentials come from the usual AWS variables.  Without S3_ENDPOINT_URL the
example starts moto's S3 server on 127.0.0.1 and uses a scratch bucket
(that needs moto too: pip install "moto[server]").
"""

import os
import sys

import numpy as np
import zarr
from obstore.store import S3Store

from zfpcodec import ZFP
from zfpcodec.zarr3 import ZFPCodec


def run(endpoint: str, bucket: str) -> None:
    key, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    values = np.random.default_rng(0).random((256, 256))

    # Zarr v2 through an s3:// URL (s3fs)
    options = {"endpoint_url": endpoint, "key": key, "secret": secret}
    a = zarr.create_array(f"s3://{bucket}/example-v2.zarr", shape=values.shape,
                          chunks=(64, 64), dtype="f8", zarr_format=2,
                          compressors=ZFP(tolerance=1e-3), storage_options=options,
                          overwrite=True)
    a[...] = values
    back = zarr.open_array(f"s3://{bucket}/example-v2.zarr", storage_options=options)[...]
    print(f"s3://{bucket}/example-v2.zarr: max error {np.abs(back - values).max():.2e}")

    # Zarr v3, sharded, through obstore
    store = zarr.storage.ObjectStore(S3Store(
        bucket, prefix="example-v3.zarr", endpoint=endpoint, access_key_id=key,
        secret_access_key=secret, region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        client_options={"allow_http": endpoint.startswith("http://")}))
    b = zarr.create_array(store, shape=values.shape, chunks=(32, 32), shards=(128, 128),
                          dtype="f4", serializer=ZFPCodec(rate=12), compressors=None,
                          overwrite=True)
    b[...] = values
    back = zarr.open_array(store, mode="r")[...]
    print(f"s3://{bucket}/example-v3.zarr (obstore, sharded, 12 bits/value): "
          f"max error {np.abs(back - values).max():.2e}")


def with_local_moto_server() -> None:
    import logging

    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        sys.exit('no S3_ENDPOINT_URL given, and the local stand-in server needs moto: '
                 'pip install "moto[server]", or set S3_ENDPOINT_URL and S3_BUCKET')

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{server._server.server_address[1]}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="zfpcodec-demo")
        run(endpoint, "zfpcodec-demo")
    finally:
        server.stop()


if __name__ == "__main__":
    if os.environ.get("S3_ENDPOINT_URL"):
        run(os.environ["S3_ENDPOINT_URL"], os.environ["S3_BUCKET"])
    else:
        with_local_moto_server()
