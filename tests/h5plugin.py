"""The REFERENCE for HDF5: h5py with hdf5plugin's H5Z-ZFP, run in a child
process (tests/h5plugin_worker.py) so that the test process itself never
loads the plugin and proves that zfpcodec.hdf5 needs none.

    ref = Reference(tmp_path)
    ref.write("their.h5", [Spec("x", data, chunks=(8, 8), zfp={"rate": 8})])
    values, cd_values = ref.read("our.h5")
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WORKER = Path(__file__).resolve().parent / "h5plugin_worker.py"


@dataclass
class Spec:
    """One dataset for the reference to write: `zfp` holds hdf5plugin.Zfp's
    keyword arguments (or zfpcodec's mode arguments for `write_ours`)."""

    name: str
    data: np.ndarray
    chunks: tuple[int, ...]
    zfp: dict[str, Any]
    fillvalue: Any = None
    regions: list | None = None
    pipeline: list[str] | None = None   # "zfp", "shuffle", "deflate" in order


def plugin_kwargs(mode: dict[str, Any]) -> dict[str, Any]:
    """hdf5plugin.Zfp's keywords for zfpcodec's mode arguments."""
    mode = dict(mode)
    if "tolerance" in mode:
        mode["accuracy"] = mode.pop("tolerance")
    return mode


class Reference:
    """Runs jobs in the reference child process, files under `folder`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.jobs = 0

    def _run(self, job: dict) -> dict:
        self.jobs += 1
        path = self.folder / f"job{self.jobs}.json"
        path.write_text(json.dumps(job))
        env = {k: v for k, v in os.environ.items() if k != "HDF5_PLUGIN_PATH"}
        done = subprocess.run([sys.executable, str(WORKER), str(path)], capture_output=True,
                              text=True, timeout=300, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"the hdf5plugin reference failed:\n{done.stderr}")
        return json.loads(done.stdout)

    def _specs(self, specs: list[Spec]) -> list[dict]:
        out = []
        for i, spec in enumerate(specs):
            data = self.folder / f"data{self.jobs}_{i}.npy"
            np.save(data, spec.data)
            entry = {"name": spec.name, "data": str(data), "chunks": list(spec.chunks),
                     "zfp": spec.zfp}
            if spec.fillvalue is not None:
                entry["fillvalue"] = spec.fillvalue
            if spec.regions is not None:
                entry["regions"] = spec.regions
            if spec.pipeline is not None:
                entry["pipeline"] = spec.pipeline
            out.append(entry)
        return out

    def write(self, file: str, specs: list[Spec]) -> dict[str, list[int]]:
        """hdf5plugin writes the datasets; returns their stored cd_values."""
        return self._run({"action": "write", "file": str(self.folder / file),
                          "datasets": self._specs(specs)})["cd_values"]

    def write_ours(self, file: str, specs: list[Spec]) -> dict[str, list[int]]:
        """zfpcodec.hdf5.write with the plugin loaded; stored cd_values."""
        return self._run({"action": "write_ours", "file": str(self.folder / file),
                          "datasets": self._specs(specs)})["cd_values"]

    def read(self, file: str) -> tuple[dict[str, np.ndarray], dict[str, list[int]]]:
        """hdf5plugin reads every dataset: ({path: values}, {path: cd_values})."""
        out = self.folder / f"read{self.jobs + 1}.npz"
        answer = self._run({"action": "read", "file": str(self.folder / file),
                            "out": str(out)})
        with np.load(out) as values:
            arrays = {"/" + key.replace("__", "/"): values[key] for key in values.files}
        return arrays, answer["cd_values"]
