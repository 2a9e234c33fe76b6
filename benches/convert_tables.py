#!/usr/bin/env python3
"""Writes an example field's input tables as astropy writes VOTable BINARY2 and FITS
binary tables, for the tests that read them (tests/it/formats.rs).

    python3 benches/convert_tables.py 3fgl_j1306

writes examples/<field>/votable/<table>.vot (BINARY2) and examples/<field>/fits/<table>.fits.
astropy is an independent writer: the files are what a user gets from astropy,
TOPCAT-like tools and TAP services, not what our own writer makes.

Column types are chosen the way a catalog service would declare them: booleans
(TRUE/FALSE), 64-bit integers, 64-bit floats, else strings; an empty cell is a
masked (null) value: a null flag in BINARY2, TNULL for FITS integers, NaN for FITS
floats. A boolean column with empty cells is written as integers 1/0 with nulls,
since FITS logicals with nulls are not written by astropy.
"""

import csv
import sys
from pathlib import Path

import numpy as np
from astropy.io.votable import from_table
from astropy.table import MaskedColumn, Table

BOOLS = {"true": True, "false": False}


def column(name, cells):
    present = [c.strip() for c in cells if c.strip() != ""]
    mask = np.array([c.strip() == "" for c in cells])
    if present and all(c.lower() in BOOLS for c in present):
        if mask.any():
            values = [int(BOOLS[c.strip().lower()]) if c.strip() else 0 for c in cells]
            return MaskedColumn(np.array(values, dtype=np.int64), name=name, mask=mask)
        return MaskedColumn(np.array([BOOLS[c.strip().lower()] for c in cells]), name=name)
    try:
        ints = [int(c) if c.strip() else 0 for c in cells]
        if present:
            return MaskedColumn(np.array(ints, dtype=np.int64), name=name, mask=mask)
    except ValueError:
        pass
    try:
        floats = [float(c) if c.strip() else np.nan for c in cells]
        if present:
            return MaskedColumn(np.array(floats, dtype=np.float64), name=name, mask=mask)
    except ValueError:
        pass
    width = max([len(c) for c in cells] + [1])
    return MaskedColumn(np.array(cells, dtype=f"U{width}"), name=name, mask=mask)


def convert_file(path: Path, vot_dir: Path, fits_dir: Path, tabledata: bool = False) -> None:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cols = [column(n, [r[i] for r in body]) for i, n in enumerate(header)]
    t = Table(cols, masked=True)
    vot = from_table(t)
    vot.to_xml(str(vot_dir / f"{path.stem}.vot"), tabledata_format="binary2")
    if tabledata:
        vot.to_xml(str(vot_dir / f"{path.stem}.tabledata.vot"), tabledata_format="tabledata")
    t.write(fits_dir / f"{path.stem}.fits", format="fits", overwrite=True)
    print(f"{path.name}: {len(body)} rows, {len(header)} columns")


def convert(field: str) -> None:
    root = Path(__file__).resolve().parent.parent / "examples" / field
    (root / "votable").mkdir(exist_ok=True)
    (root / "fits").mkdir(exist_ok=True)
    for path in sorted((root / "input").glob("*.csv")):
        convert_file(path, root / "votable", root / "fits")


if __name__ == "__main__":
    # `--file CSV DIR`: one table into DIR (BINARY2 and TABLEDATA VOTable, FITS), for
    # benches/formats.sh.
    if sys.argv[1:2] == ["--file"]:
        out = Path(sys.argv[3])
        convert_file(Path(sys.argv[2]), out, out, tabledata=True)
    else:
        for field in sys.argv[1:] or ["3fgl_j1306"]:
            convert(field)
