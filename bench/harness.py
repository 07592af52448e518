"""The benchmark's shared state and its one comparison: data files that both
sides read, turns of ours and the peers on the same array (`Bench.duel`),
and the check that two zfp streams agree byte for byte."""

from __future__ import annotations

import os

import numpy as np

import data
import real_fields
from common import mbps, run_case
from console import log, loud
from peer_link import PeerError, Peers

MIB = 2**20
# mode parameters of the single-thread and thread tables
PARAMS = {"reversible": None, "accuracy": 1e-3, "rate": 8.0, "precision": 20}


class Bench:
    """What the sections share: the options (`args`), the peer worker
    (`peers`, None with --no-peers), a temporary folder (`tmp`), the results
    so far, the real datasets the worker exported (`peer_datasets_meta`),
    and the data files both sides read."""

    def __init__(self, args, peers: Peers | None, tmp: str):
        self.args, self.peers, self.tmp = args, peers, tmp
        self.results: dict = {"mismatches": []}
        self.peer_datasets_meta: list = []
        self._files: dict = {}

    # data -----------------------------------------------------------------
    def dataset(self, name: str, dtype: str, nbytes_f64: float | None = None,
                nbytes: float | None = None) -> tuple[np.ndarray, str]:
        """A synthetic field as (array, .npy path); its shape holds
        `nbytes` bytes of `dtype` (or `nbytes_f64` of float64)."""
        rank = data.RANK[name]
        shape = (data.shape_for(rank, nbytes, np.dtype(dtype).itemsize) if nbytes
                 else data.shape_for(rank, nbytes_f64, 8))
        key = (name, shape, dtype)
        if key not in self._files:
            field_key = (name, shape)
            if field_key not in self._files:
                self._files[field_key] = data.GENERATORS[name](shape)
            arr = data.as_dtype(self._files[field_key], dtype)
            path = os.path.join(self.tmp, f"{name}-{'x'.join(map(str, shape))}-{dtype}.npy")
            np.save(path, arr)
            self._files[key] = (arr, path)
        return self._files[key]

    def real_datasets(self, nbytes_f64: float) -> list[dict]:
        """The real fields of real_fields.py (skipped, with a message saying
        what to install, where their package is missing), each a central
        window of at most as many values as a float64 array of `nbytes_f64`
        holds, as dicts like the peer worker's datasets (with a "path")."""
        fields, skipped = real_fields.available()
        for message in skipped:
            log(f"real field skipped: {message}")
        self.results["real_skipped"] = skipped
        sets = []
        for field in fields:
            arr = real_fields.window(field.values, int(nbytes_f64 // 8))
            key = ("real", field.name, arr.shape)
            if key not in self._files:
                path = os.path.join(self.tmp, f"{field.name}-{'x'.join(map(str, arr.shape))}.npy")
                np.save(path, arr)
                self._files[key] = (arr, path)
            sets.append({"name": field.name, "path": self._files[key][1],
                         "dtype": str(arr.dtype), "shape": list(arr.shape),
                         "description": field.description, "source": field.source,
                         "real": True})
        return sets

    def forget(self):
        """Drop the data files of a finished section, on both sides."""
        self._files.clear()
        if self.peers:
            self.peers.call(cmd="forget")

    # one comparison ----------------------------------------------------------
    def duel(self, arr, path, ours, peer_specs, rounds=None, reps=None, first=True, warmup=1):
        """Ours (a codec adapter, or None) and each peer (label, spec) in
        turn, `rounds` times, `warmup` untimed calls before each side's
        `reps` timed ones; each entry gathers every round's times."""
        rounds = rounds or self.args.rounds
        reps = reps or self.args.reps
        out: dict = {}

        def merge(label, one):
            if label not in out or "comp_s" not in out[label]:
                out[label] = one
            elif "comp_s" in one:
                out[label]["comp_s"] += one["comp_s"]
                out[label]["decomp_s"] = out[label].get("decomp_s", []) + one.get("decomp_s", [])

        def peer(label, spec, metrics):
            if label in out and "comp_s" not in out[label]:
                return                    # skipped or failed in round 1
            if self.peers is None:
                out[label] = {"skipped": "--no-peers"}
                return
            try:
                reply = self.peers.call(cmd="bench", path=path, reps=reps, warmup=warmup,
                                        metrics=metrics, **spec)
            except PeerError as error:
                out[label] = {"error": str(error)}
                log(f"  {label}: error: {error}")
                return
            merge(label, reply.get("ok") or {"skipped": reply.get("skipped")})

        turns = ([("ours", None)] if ours is not None else []) + list(peer_specs)
        for r in range(rounds):
            metrics = first and r == 0
            for label, spec in (reversed(turns) if r % 2 else turns):  # odd: peers first
                if spec is None:
                    merge("ours", run_case(ours, arr, reps=reps, warmup=warmup,
                                           metrics=metrics))
                else:
                    peer(label, spec, metrics)
        for entry in out.values():
            if "comp_s" in entry:
                entry["comp_mbps"] = mbps(arr.nbytes, entry["comp_s"])
                entry["decomp_mbps"] = mbps(arr.nbytes, entry.get("decomp_s"))
                entry["ratio"] = arr.nbytes / entry["nbytes"]
        return out

    def check_same(self, what: str, ours: dict, theirs: dict, alarm: bool) -> bool | None:
        """Do the two streams and decoded arrays agree?  With `alarm`,
        a difference is a mismatch, printed loudly."""
        if "sha" not in ours or not theirs.get("sha"):
            return None
        same = ours["sha"] == theirs["sha"] and ours.get("dec_sha") == theirs.get("dec_sha")
        if not same and alarm:
            kind = "BYTES" if ours["sha"] != theirs["sha"] else "DECODED VALUES"
            loud(f"MISMATCH ({kind}) with zfpy 1.0.1: {what}")
            self.results["mismatches"].append({"case": what, "kind": kind.lower()})
        return same
