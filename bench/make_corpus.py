#!/usr/bin/env python3
"""Builds a large activity export from the real files in testdata/realdata.

Each copy is shifted in time by a whole number of days, so it is a distinct activity
(not a duplicate): GPX/TCX timestamps are rewritten as text, FIT timestamps are rewritten
in the binary messages and the CRCs recomputed. A third of the copies are gzipped, as
Strava exports them.

usage: make_corpus.py OUT_DIR COPIES
"""
import datetime as dt
import gzip
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, "..", "testdata", "realdata")

# Real activity files that import cleanly (see MANIFEST.tsv).
FIT = ["fit_run_fenix2_hr.fit", "fit_run_fr110_hr.fit", "fit_run_stryd_devfields.fit", "fit_run_fenix5_short.fit",
       "fit_bike_edge500_hr.fit", "fit_indoor_rowing_hr.fit", "fit_pool_swim_fr735.fit", "fit_virtual_ride_zwift.fit"]
GPX = ["gpx_run_strava_hr_pauses.gpx", "gpx_run_garmin_connect_hr.gpx", "gpx_run_tomtom_no_hr.gpx", "gpx_run_nike_hr.gpx"]
TCX = ["tcx_run_hr_tcxparser.tcx", "tcx_run_garmin_connect.tcx", "tcx_run_2020-12-16.tcx", "tcx_no_hr.tcx"]

CRC_TABLE = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
             0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]


def fit_crc(data, crc=0):
    for byte in data:
        tmp = CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ CRC_TABLE[byte & 0xF]
        tmp = CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ CRC_TABLE[(byte >> 4) & 0xF]
    return crc


# (global message, field) pairs holding a date_time besides the common timestamp (253).
DATE_FIELDS = {(0, 4), (18, 2), (19, 2), (34, 5), (21, 253), (20, 253)}


def shift_fit(buf, seconds):
    out = bytearray(buf)
    pos = 0
    while pos + 12 <= len(out):
        hsize = out[pos]
        if hsize not in (12, 14) or out[pos + 8:pos + 12] != b".FIT":
            break
        data_size = struct.unpack_from("<I", out, pos + 4)[0]
        start, end = pos + hsize, pos + hsize + data_size
        if end + 2 > len(out):
            raise ValueError("truncated")
        defs = {}
        p = start
        while p < end:
            h = out[p]
            p += 1
            if h & 0x80:  # compressed timestamp header: a data message
                local = (h >> 5) & 0x3
                d = defs[local]
                p += d["size"]
                continue
            local = h & 0x0F
            if h & 0x40:  # definition
                arch = out[p + 1]
                gnum = struct.unpack_from(">H" if arch else "<H", out, p + 2)[0]
                n = out[p + 4]
                p += 5
                fields, offset = [], 0
                for _ in range(n):
                    num, size = out[p], out[p + 1]
                    fields.append((num, size, offset))
                    offset += size
                    p += 3
                if h & 0x20:
                    nd = out[p]
                    p += 1
                    for _ in range(nd):
                        offset += out[p + 1]
                        p += 3
                defs[local] = {"g": gnum, "arch": arch, "fields": fields, "size": offset}
            else:
                d = defs[local]
                for num, size, off in d["fields"]:
                    if size == 4 and (num == 253 or (d["g"], num) in DATE_FIELDS):
                        fmt = ">I" if d["arch"] else "<I"
                        v = struct.unpack_from(fmt, out, p + off)[0]
                        if v != 0xFFFFFFFF and v > 0x10000000:
                            struct.pack_into(fmt, out, p + off, (v + seconds) & 0xFFFFFFFF)
                p += d["size"]
        if hsize == 14:
            struct.pack_into("<H", out, pos + 12, fit_crc(out[pos:pos + 12]))
        struct.pack_into("<H", out, end, fit_crc(out[pos:end]))
        pos = end + 2
    return bytes(out)


TS = re.compile(rb"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})")


def shift_text(buf, days):
    def sub(m):
        d = dt.datetime.fromisoformat((m.group(1) + b"T" + m.group(2)).decode()) + dt.timedelta(days=days)
        return d.strftime("%Y-%m-%dT%H:%M:%S").encode()
    return TS.sub(sub, buf)


def main():
    out, copies = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    sources = [(n, open(os.path.join(REAL, n), "rb").read()) for n in FIT + GPX + TCX]
    count = 0
    for i in range(copies):
        days = -(i + 1) * 3  # every copy three days earlier: distinct activities
        for name, data in sources:
            if name.endswith(".fit"):
                shifted = shift_fit(data, days * 86400)
            else:
                shifted = shift_text(data, days)
            target = os.path.join(out, f"{i:04d}_{name}")
            if count % 3 == 0:
                with gzip.open(target + ".gz", "wb", compresslevel=6) as f:
                    f.write(shifted)
            else:
                with open(target, "wb") as f:
                    f.write(shifted)
            count += 1
    print(f"{count} files in {out}")


if __name__ == "__main__":
    main()
