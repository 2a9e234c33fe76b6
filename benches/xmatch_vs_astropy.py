#!/usr/bin/env python3
"""xmatch beside the Python a user would otherwise write, in one run.

The reference reads the X-ray list and the catalog with pandas and finds each source's
nearest and second-nearest catalog entries with astropy's match_coordinates_sky (a
kd-tree), keeping those within the radius. It does less than xmatch: no positional
uncertainties, no acceptance flags, no local density / P_chance, no output file.

Both run as separate processes under /usr/bin/time, on synthetic inputs made by
`synth` (benches/xmatch.sh makes the same files), with the page cache warm.

Usage: python3 benches/xmatch_vs_astropy.py [--xray 100000] [--catalog 2000000]
           [--no-reference]      # xmatch only (e.g. for 20,000,000 rows)
           [--repeats 3] [--no-build]
Needs: pandas, astropy (pip install pandas astropy).
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reference(xray_csv, catalog_csv, radius):
    import numpy as np
    import pandas as pd
    from astropy import units as u
    from astropy.coordinates import SkyCoord, match_coordinates_sky

    x = pd.read_csv(xray_csv)
    c = pd.read_csv(catalog_csv, usecols=["DR3Name", "RA_ICRS", "DE_ICRS"])
    xs = SkyCoord(x["CSCv2_RA"].to_numpy() * u.deg, x["CSCv2_DEC"].to_numpy() * u.deg)
    cs = SkyCoord(c["RA_ICRS"].to_numpy() * u.deg, c["DE_ICRS"].to_numpy() * u.deg)
    i1, d1, _ = match_coordinates_sky(xs, cs, nthneighbor=1)
    _, d2, _ = match_coordinates_sky(xs, cs, nthneighbor=2)
    sep = d1.to(u.arcsec).value
    sep2 = d2.to(u.arcsec).value
    within = sep <= radius
    x["id_gaia"] = np.where(within, c["DR3Name"].to_numpy()[i1], "")
    x["sep_gaia"] = np.where(within, sep, np.nan)
    x["sep2_gaia"] = np.where(sep2 <= radius, sep2, np.nan)
    print(f"reference: {int(within.sum())} of {len(x)} sources with a candidate", file=sys.stderr)


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (wall s, user s, peak MB)."""
    out = subprocess.run(
        ["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    t = out.stderr
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", t)
    h, m, s = wall.groups()
    wall_s = int(h or 0) * 3600 + int(m) * 60 + float(s)
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    return wall_s, user, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xray", type=int, default=100_000)
    ap.add_argument("--catalog", type=int, default=2_000_000)
    ap.add_argument("--radius", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--no-build", action="store_true", help="use target/release as it is")
    ap.add_argument("--run-reference", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.run_reference:
        reference(*a.run_reference, a.radius)
        return
    d = os.environ.get("BENCH_DIR", os.path.join(ROOT, "target", "bench-xmatch"))
    os.makedirs(d, exist_ok=True)
    if not a.no_build:
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "--bin", "xmatch", "--bin", "synth"],
            cwd=ROOT,
            check=True,
        )
    bin_dir = os.path.join(ROOT, "target", "release")
    xray = os.path.join(d, f"xray_{a.xray}.csv")
    cat = os.path.join(d, f"gaia_{a.catalog}.csv")
    for path, args in [(xray, ["xray", str(a.xray)]), (cat, ["catalog", "gaia", str(a.catalog)])]:
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            with open(path + ".part", "w") as f:
                subprocess.run([os.path.join(bin_dir, "synth")] + args + ["--seed", "1"], stdout=f, check=True)
            os.rename(path + ".part", path)
    for path in (xray, cat):
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
    xmatch = [os.path.join(bin_dir, "xmatch"), "--gaia", cat, xray, "--radius", str(a.radius),
              "-o", os.path.join(d, "out.csv")]
    ref = [sys.executable, os.path.abspath(__file__), "--radius", str(a.radius),
           "--run-reference", xray, cat]
    print(f"{a.xray} X-ray sources x {a.catalog} Gaia rows ({os.path.getsize(cat) / 1e6:.0f} MB), "
          f"radius {a.radius} arcsec, best of {a.repeats}")
    rows = []
    for name, cmd in [("xmatch (2 threads)", xmatch), ("pandas + astropy", ref)]:
        if a.no_reference and cmd is ref:
            continue
        runs = [timed(cmd) for _ in range(a.repeats)]
        best = min(runs)
        rows.append((name, best))
        print(f"  {name:20s} wall {best[0]:6.2f} s  user {best[1]:6.2f} s  peak {max(r[2] for r in runs):7.1f} MB")
    if len(rows) == 2:
        print(f"  ratio (reference / xmatch wall): {rows[1][1][0] / rows[0][1][0]:.1f}x")


if __name__ == "__main__":
    main()
