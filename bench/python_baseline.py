#!/usr/bin/env python3
"""The same corpus read with the Python libraries runners would otherwise use:
fitdecode for FIT, gpxpy for GPX, python-tcxparser for TCX. Single process, every
frame / point visited, a per-activity summary computed (start, duration, distance, HR).

usage: python_baseline.py CORPUS_DIR
"""
import gzip
import io
import os
import sys
import time

import fitdecode
import gpxpy
import tcxparser


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    return (gzip.decompress(data) if path.endswith(".gz") else data), len(data)


def fit_summary(data):
    n, hr = 0, 0
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.DISABLED) as r:
        for frame in r:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                n += 1
                if frame.has_field("heart_rate") and frame.get_value("heart_rate") is not None:
                    hr += 1
    return n, hr


def gpx_summary(data):
    g = gpxpy.parse(data.decode("utf-8-sig"))
    return g.get_duration(), g.length_2d()


def tcx_summary(data):
    t = tcxparser.TCXParser(io.BytesIO(data))
    return t.duration, t.distance


def main():
    root = sys.argv[1]
    files = sorted(os.path.join(root, f) for f in os.listdir(root))
    t0 = time.perf_counter()
    size, ok, failed = 0, 0, 0
    for path in files:
        data, n = read(path)
        size += n
        name = path[:-3] if path.endswith(".gz") else path
        try:
            if name.endswith(".fit"):
                fit_summary(data)
            elif name.endswith(".gpx"):
                gpx_summary(data)
            elif name.endswith(".tcx"):
                tcx_summary(data)
            ok += 1
        except Exception:
            failed += 1
    secs = time.perf_counter() - t0
    print(f"python: {len(files)} files ({ok} read, {failed} failed), {size / 1e6:.1f} MB in {secs:.2f} s: "
          f"{len(files) / secs:.0f} files/s, {size / 1e6 / secs:.1f} MB/s")


if __name__ == "__main__":
    main()
