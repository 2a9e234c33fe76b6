#!/usr/bin/env bash
# Reading speed of the table formats: `fechner` on N synthetic detections (default
# 100,000) as CSV, and as astropy writes them as VOTable (BINARY2 and TABLEDATA) and
# FITS, in one run; the four outputs must be identical. Needs astropy (pip install
# astropy) for the conversion, which is not timed.
# Usage: benches/formats.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
SEED=${2:-1}
cargo build --release --quiet --bin fechner --bin synth
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
./target/release/synth detections "$N" --seed "$SEED" > "$dir/per.csv"
python3 benches/convert_tables.py --file "$dir/per.csv" "$dir" > /dev/null
echo "input: $N detections, $(nproc) cores"

measure() { # label, file
    /usr/bin/time -v ./target/release/fechner "$2" -o "$dir/ave-$1.csv" 2> "$dir/time.txt"
    local wall user rss
    wall=$(grep 'Elapsed (wall clock)' "$dir/time.txt" | awk '{print $NF}')
    user=$(grep 'User time' "$dir/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$dir/time.txt" | awk '{print $NF}')
    printf '%-18s %6d MB  wall %s, user %s s, peak RSS %d MiB\n' "$1" \
        $(($(stat -c %s "$2") / 1000000)) "$wall" "$user" $((rss / 1024))
}

measure csv "$dir/per.csv"
measure votable-binary2 "$dir/per.vot"
measure votable-tabledata "$dir/per.tabledata.vot"
measure fits "$dir/per.fits"
for f in votable-binary2 votable-tabledata fits; do
    cmp "$dir/ave-csv.csv" "$dir/ave-$f.csv" || { echo "fechner on $f differs from CSV"; exit 1; }
done
echo "outputs identical: yes"
