#!/usr/bin/env python3
"""Reference values for the SMOTE test (tests/it/smote.rs,
`synthetic_rows_lie_on_imbalanced_learns_neighbour_segments`), from imbalanced-learn.

The fixed table: 200 AGN rows made by a formula (the test makes the same rows), 6 CV
and 7 YSO rows written out, one YSO value missing. imbalanced-learn's
SMOTE(k_neighbors=4) runs on it with the authors' missing-value rule (spec 4.8: the
sentinel -9999999 during SMOTE); the script prints what the test asserts:
the count of every class after resampling and, for every CV and YSO row, the four
neighbours imbalanced-learn interpolates toward (row indices within the class),
taken from imbalanced-learn's own sample generator.

    pip install imbalanced-learn==0.14.2
    python3 benches/smote_reference.py
"""

import numpy as np
from imblearn.over_sampling import SMOTE

SENTINEL = -9999999.0
FEATURES = ["f1", "f2", "f3"]


def agn_rows(n=200):
    """The majority class, the formula tests/it/smote.rs repeats."""
    return [
        [((i * 37) % 101) / 10, ((i * 53) % 103) / 10, ((i * 71) % 107) / 10]
        for i in range(n)
    ]


CV = [
    [1.013, 4.871, 2.302],
    [1.407, 4.102, 2.955],
    [0.588, 5.224, 1.736],
    [2.161, 3.540, 3.318],
    [1.792, 4.467, 1.221],
    [0.204, 3.913, 2.684],
]
YSO = [
    [7.340, 0.512, 6.027],
    [6.815, 1.245, 5.498],
    [8.122, None, 6.610],
    [7.903, 0.089, 4.951],
    [6.271, 0.903, 6.844],
    [7.588, 1.677, 5.206],
    [8.459, 0.338, 5.733],
]


class Recording(SMOTE):
    """imbalanced-learn's SMOTE, recording the neighbour table of every class."""

    neighbours = []

    def _make_samples(self, X, y_dtype, y_type, nn_data, nn_num, n_samples, step_size=1.0, y=None):
        self.neighbours.append((y_type, nn_num.copy()))
        return super()._make_samples(X, y_dtype, y_type, nn_data, nn_num, n_samples, step_size, y)


def main():
    rows = agn_rows() + CV + YSO
    labels = ["AGN"] * 200 + ["CV"] * len(CV) + ["YSO"] * len(YSO)
    x = np.array([[np.nan if v is None else v for v in r] for r in rows])
    filled = np.where(np.isnan(x), SENTINEL, x)
    # No ties among the 5 nearest points (the point itself and its 4 neighbours).
    for members in (CV, YSO):
        m = np.array([[SENTINEL if v is None else v for v in r] for r in members])
        d = np.sort(((m[:, None, :] - m[None, :, :]) ** 2).sum(-1), axis=1)
        assert (np.diff(d[:, :6], axis=1)[:, 1:] > 1e-6).all(), "tie among neighbours"
    smote = Recording(k_neighbors=4, random_state=0)
    _, y_res = smote.fit_resample(filled, np.array(labels))
    counts = {c: int((y_res == c).sum()) for c in sorted(set(labels))}
    print("// Class counts after imbalanced-learn's SMOTE:", counts)
    for label, nn in smote.neighbours:
        print(f"// {label}: the 4 neighbours of each row, by index within the class")
        print(f"const {label}_NEIGHBOURS: [[usize; 4]; {len(nn)}] = [")
        for row in nn:
            print(f"    [{', '.join(str(int(j)) for j in sorted(row))}],")
        print("];")


if __name__ == "__main__":
    main()
