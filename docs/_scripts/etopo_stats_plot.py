"""Draw docs/_static/rd_etopo20.png with ``zfpcodec stats --plot``, from real
data: the ETOPO20 relief of the Earth's surface (20-minute grid, 540 x 1081
float32 heights in metres, land and sea floor, no missing values) that
Debian's ferret-datasets package ships.

    apt-get install ferret-datasets
    pip install scipy "zfpcodec[plot]"       # scipy reads netCDF classic files
    python docs/_scripts/etopo_stats_plot.py

The image is committed; building the docs needs neither the data nor scipy.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.io import netcdf_file

from zfpcodec.cli import main

SOURCE = Path("/usr/share/ferret-vis/data/etopo20.cdf")
VARIABLE = "ROSE"                       # RELIEF OF THE SURFACE OF THE EARTH, metres
OUTPUT = Path(__file__).resolve().parent.parent / "_static" / "rd_etopo20.png"
SETTINGS = ["-r", "1", "2", "3", "4", "6", "8", "12", "16", "20", "24",
            "-p", "4", "6", "8", "10", "12", "14", "16", "20", "24",
            "-a", "100", "30", "10", "3", "1", "0.3", "0.1", "0.03", "0.01", "0.001",
            "-R"]


def main_script() -> int:
    with netcdf_file(SOURCE, mmap=False) as data:
        relief = np.array(data.variables[VARIABLE][:], dtype=np.float32)  # native order
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)                # the figure's title names the file, not this path
        np.save("etopo20.npy", relief)
        return main(["stats", "etopo20.npy", *SETTINGS, "--plot", str(OUTPUT), "--force"])


if __name__ == "__main__":
    sys.exit(main_script())
