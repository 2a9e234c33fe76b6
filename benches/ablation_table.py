#!/usr/bin/env python3
"""The README's ablation table from the metrics JSON files of benches/ablation.sh.

    python3 benches/ablation_table.py DIR name1 name2 ...   (DIR/name.json each)
"""
import json
import sys

d, names = sys.argv[1], sys.argv[2:]
SMALL = ["CV", "LMXB", "NS", "HMXB"]
cols = ["acc", "bal. acc", "macro F1", "MCC", "ECE", "Brier",
        "CT≥2 acc", "CT≥2 compl."] + [f"{c} CT≥2 compl." for c in SMALL] + \
       [f"{c} recovered" for c in SMALL]
print("| configuration | " + " | ".join(cols) + " |")
print("| --- |" + " --- |" * len(cols))
for n in names:
    m = json.load(open(f"{d}/{n}.json"))
    pct = lambda v: "—" if v is None else f"{100 * v:.1f}"
    row = [pct(m["all"]["accuracy"]), pct(m["all"]["balanced_accuracy"]),
           pct(m["all"]["macro_f1"]), f'{m["all"]["mcc"]:.3f}',
           f'{m["calibration"]["ece"]:.3f}', f'{m["calibration"]["brier"]:.3f}',
           pct(m["confident"]["accuracy"]), pct(m["confident"]["completeness"])]
    row += [pct(m["completeness_by_true_class"][c]) for c in SMALL]
    row += [pct(m["recovered_by_true_class"][c]) for c in SMALL]
    print(f"| {n} | " + " | ".join(row) + " |")
