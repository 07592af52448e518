"""Every script in examples/ runs as a user would run it (a fresh
interpreter, from the repository root) and succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {  # script: modules it needs
    "zfpy_api.py": [],
    "zarr_v2.py": ["zarr"],
    "zarr_v3.py": ["zarr"],
    "xarray_dask.py": ["zarr", "xarray", "distributed"],
    "s3.py": ["zarr", "s3fs", "obstore", "moto.server", "boto3"],
    "random_access.py": ["zarr"],
    "hdf5.py": ["h5py", "zarr", "xarray", "fsspec"],
}


def test_every_example_is_listed():
    assert {p.name for p in (ROOT / "examples").glob("*.py")} >= set(EXAMPLES)


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script, tmp_path):
    for module in EXAMPLES[script]:
        pytest.importorskip(module)
    env = {k: v for k, v in os.environ.items() if k not in ("S3_ENDPOINT_URL", "S3_BUCKET")}
    args = [sys.executable, str(ROOT / "examples" / script)]
    if script not in ("zfpy_api.py", "s3.py"):
        args.append(str(tmp_path))
    done = subprocess.run(args, cwd=ROOT, env=env, check=False, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip()
