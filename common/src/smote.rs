//! SMOTE class balancing (spec 6.1) with the missing-value semantics of spec 4.8:
//! imbalanced-learn `SMOTE(k_neighbors=4, sampling_strategy='auto')` on the
//! standardized training set, where missing values stand as the sentinel −9999999
//! during the neighbour search and the interpolation and become missing again
//! afterwards when they fall below the smallest real value of their column.

use crate::classes::{CLASSES, N_CLASSES};
use crate::error::{Error, Result};
use crate::matrix::{class_indices, feature_matrix};
use crate::rng::{Purpose, RngExt, StreamId};
use crate::schema::SYNTHETIC;
use crate::table::{Table, Writer, fmt_f64};

/// The stand-in for a missing value during SMOTE (`exnum` of the authors' library, spec 4.8).
pub const SENTINEL: f64 = -9_999_999.0;

/// The paper's number of neighbours (spec 6.1, 11.2).
pub const DEFAULT_K: usize = 4;

/// A balanced training set: the real rows first, in input order, then the synthetic
/// rows class by class in class order. `x` is row-major, NaN = missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Balanced {
    pub x: Vec<f64>,
    pub y: Vec<u8>,
    pub n_real: usize,
}

impl Balanced {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// Raises every class to the majority count with SMOTE (spec 6.1, 4.8).
///
/// `x`: row-major n × `n_features`, standardized, NaN = missing; `y`: class indices
/// (0..8). For class c with n_c members and n_new = N_max − n_c, the k nearest
/// neighbours (Euclidean, sentinel-filled, the point itself excluded) of every member
/// are found; then, from `id.rng(Purpose::Smote, c)`, n_new integers u uniform in
/// [0, n_c·k) (row u div k, neighbour u mod k), then n_new gaps uniform in [0, 1):
/// new = x_row + gap · (x_nn − x_row). Finally every value below the smallest real
/// non-missing value of its column becomes missing (this catches the sentinel and
/// every point interpolated toward it). Ties between equally distant neighbours go
/// to the lower row index.
pub fn smote(x: &[f64], n_features: usize, y: &[u8], k: usize, id: StreamId) -> Result<Balanced> {
    let n = y.len();
    if n_features == 0 {
        return Err(Error::invalid("SMOTE needs at least one feature"));
    }
    if x.len() != n * n_features {
        return Err(Error::invalid(format!(
            "SMOTE: {} values for {n} rows of {n_features} features",
            x.len()
        )));
    }
    if k == 0 {
        return Err(Error::invalid("SMOTE needs k >= 1 neighbours"));
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); N_CLASSES];
    for (i, &c) in y.iter().enumerate() {
        let c = c as usize;
        if c >= N_CLASSES {
            return Err(Error::invalid(format!(
                "SMOTE: class index {c} of row {i} is not one of the {N_CLASSES} classes"
            )));
        }
        members[c].push(i);
    }
    let n_max = members.iter().map(Vec::len).max().unwrap_or(0);

    // Column minima of the real, non-missing values (spec 4.8).
    let mut col_min = vec![f64::INFINITY; n_features];
    for row in x.chunks_exact(n_features) {
        for (m, &v) in col_min.iter_mut().zip(row) {
            if !v.is_nan() && v < *m {
                *m = v;
            }
        }
    }

    let mut out_x: Vec<f64> = Vec::with_capacity(n_max * N_CLASSES * n_features);
    out_x.extend_from_slice(x);
    let mut out_y: Vec<u8> = Vec::with_capacity(n_max * N_CLASSES);
    out_y.extend_from_slice(y);

    let filled = |i: usize| -> Vec<f64> {
        x[i * n_features..(i + 1) * n_features]
            .iter()
            .map(|&v| if v.is_nan() { SENTINEL } else { v })
            .collect()
    };

    for (c, rows) in members.iter().enumerate() {
        let n_c = rows.len();
        if n_c == 0 || n_c == n_max {
            continue;
        }
        if n_c < k + 1 {
            return Err(Error::invalid(too_few(c, n_c, k)));
        }
        // The class's rows, sentinel-filled, contiguous.
        let pts: Vec<f64> = rows.iter().flat_map(|&i| filled(i)).collect();
        let nn = nearest_neighbours(&pts, n_features, k);
        let n_new = n_max - n_c;
        let mut rng = id.rng(Purpose::Smote, c as u64);
        let picks: Vec<usize> = (0..n_new).map(|_| rng.random_range(0..n_c * k)).collect();
        let gaps: Vec<f64> = (0..n_new).map(|_| rng.random::<f64>()).collect();
        for (u, gap) in picks.into_iter().zip(gaps) {
            let row = u / k;
            let nb = nn[row * k + u % k];
            let a = &pts[row * n_features..(row + 1) * n_features];
            let b = &pts[nb * n_features..(nb + 1) * n_features];
            out_x.extend(a.iter().zip(b).map(|(&a, &b)| a + gap * (b - a)));
            out_y.push(c as u8);
        }
    }

    for row in out_x[n * n_features..].chunks_exact_mut(n_features) {
        for (v, &m) in row.iter_mut().zip(&col_min) {
            if *v < m {
                *v = f64::NAN;
            }
        }
    }
    Ok(Balanced {
        x: out_x,
        y: out_y,
        n_real: n,
    })
}

/// The `smote` tool: balances a table and writes every input row (all columns, plus
/// `synthetic` = 0) then the synthetic rows (class and feature columns filled, other
/// columns empty, `synthetic` = 1). Missing features are empty cells.
pub fn smote_table(
    table: &Table,
    class_column: &str,
    features: &[&str],
    k: usize,
    id: StreamId,
    out: &mut Writer,
) -> Result<()> {
    let y = class_indices(table, class_column)?;
    let x = feature_matrix(table, features)?;
    let balanced = smote(&x, features.len(), &y, k, id)?;
    let header = &table.header;
    let layout = header.extended(&[SYNTHETIC])?;
    let class_col = header.require(class_column)?;
    let feature_cols: Vec<usize> = features
        .iter()
        .map(|f| header.require(f))
        .collect::<Result<_>>()?;
    let synthetic_col = layout
        .names
        .iter()
        .position(|n| n == SYNTHETIC)
        .unwrap_or(layout.names.len() - 1);
    out.write_row(&layout.names)?;
    let real = ["0".to_string()];
    for row in &table.rows {
        out.write_row(layout.row(&row.record, &real))?;
    }
    let n_features = features.len();
    let mut cells = vec![String::new(); layout.names.len()];
    for (i, &c) in balanced.y.iter().enumerate().skip(balanced.n_real) {
        cells.iter_mut().for_each(String::clear);
        cells[class_col] = CLASSES[c as usize].to_string();
        for (j, &col) in feature_cols.iter().enumerate() {
            cells[col] = fmt_f64(balanced.x[i * n_features + j]);
        }
        cells[synthetic_col] = "1".to_string();
        out.write_row(&cells)?;
    }
    Ok(())
}

/// For each of the m points (row-major in `pts`), the indices of its k nearest other
/// points, nearest first; equal distances go to the lower index. Exact brute force:
/// the classes are at most a few thousand points of 29 features, where a kd-tree does
/// not pay (in 29 dimensions it visits most leaves).
fn nearest_neighbours(pts: &[f64], n_features: usize, k: usize) -> Vec<usize> {
    let m = pts.len() / n_features;
    // Feature-major copy, so that the distances of one point to all later points are
    // summed feature by feature across independent lanes (vectorised) rather than
    // one serial sum per pair; each distance still adds its terms in feature order
    // from 0, so it has the same bits.
    let mut by_feature = vec![0.0f64; m * n_features];
    for (i, row) in pts.chunks_exact(n_features).enumerate() {
        for (f, &v) in row.iter().enumerate() {
            by_feature[f * m + i] = v;
        }
    }
    // Full symmetric distance matrix: half the arithmetic of computing each row alone.
    let mut d2 = vec![0.0f64; m * m];
    for i in 0..m {
        let row = &mut d2[i * m + i + 1..(i + 1) * m];
        for (f, column) in by_feature.chunks_exact(m).enumerate() {
            let a = pts[i * n_features + f];
            for (d, &b) in row.iter_mut().zip(&column[i + 1..]) {
                *d += (a - b) * (a - b);
            }
        }
        for j in (i + 1)..m {
            d2[j * m + i] = d2[i * m + j];
        }
    }
    let mut nn = Vec::with_capacity(m * k);
    let mut best: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
    for i in 0..m {
        best.clear();
        for (j, &d) in d2[i * m..(i + 1) * m].iter().enumerate() {
            if j == i {
                continue;
            }
            if best.len() == k && d >= best[k - 1].0 {
                continue;
            }
            // Insert keeping (distance, index) order; scanning j upwards makes the
            // first of equal distances win.
            let pos = best.partition_point(|&(bd, _)| bd <= d);
            best.insert(pos, (d, j));
            best.truncate(k);
        }
        nn.extend(best.iter().map(|&(_, j)| j));
    }
    nn
}

fn too_few(class: usize, n: usize, k: usize) -> String {
    format!(
        "SMOTE: class {} has {n} member(s); k = {k} neighbours need at least {}",
        CLASSES[class],
        k + 1
    )
}

/// Checks that SMOTE with `k` neighbours can balance a training set of `members` per
/// class (an empty class and the largest are not oversampled), so that a tool can
/// refuse a training-set file before any replica runs.
pub(crate) fn check_members(
    members: &[usize; N_CLASSES],
    k: usize,
) -> std::result::Result<(), String> {
    let n_max = members.iter().copied().max().unwrap_or(0);
    match members
        .iter()
        .enumerate()
        .find(|&(_, &n)| n != 0 && n != n_max && n < k + 1)
    {
        Some((c, &n)) => Err(too_few(c, n, k)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> StreamId {
        StreamId::new(42).replica(3)
    }

    /// Two classes: 0 with 10 points, 1 with 5 points, 2 features.
    fn toy() -> (Vec<f64>, Vec<u8>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..10 {
            x.extend([i as f64, (i * i) as f64 * 0.1]);
            y.push(0);
        }
        for i in 0..5 {
            x.extend([100.0 + i as f64, -(i as f64)]);
            y.push(1);
        }
        (x, y)
    }

    #[test]
    fn balances_to_the_majority_with_real_rows_first() {
        let (x, y) = toy();
        let b = smote(&x, 2, &y, 4, id()).unwrap();
        assert_eq!(b.n_real, 15);
        assert_eq!(b.len(), 20);
        assert_eq!(&b.x[..30], &x[..]);
        assert_eq!(&b.y[..15], &y[..]);
        assert!(b.y[15..].iter().all(|&c| c == 1));
    }

    #[test]
    fn synthetic_points_lie_between_a_member_and_one_of_its_neighbours() {
        // Class 1 points on a line x = 100 + t, y = -t: its 4 nearest neighbours are
        // all the others, so every synthetic point lies on that line within the range.
        let (x, y) = toy();
        let b = smote(&x, 2, &y, 4, id()).unwrap();
        for row in b.x[30..].chunks(2) {
            let t = row[0] - 100.0;
            assert!((0.0..=4.0).contains(&t), "{row:?}");
            assert!((row[1] + t).abs() < 1e-12, "{row:?}");
        }
    }

    #[test]
    fn neighbours_are_the_k_nearest_excluding_self() {
        // 1-D points 0, 1, 3, 7, 15: neighbours by distance, ties to the lower index.
        let pts = [0.0, 1.0, 3.0, 7.0, 15.0];
        let nn = nearest_neighbours(&pts, 1, 2);
        assert_eq!(nn, vec![1, 2, 0, 2, 1, 0, 2, 1, 3, 2]);
        // Point 1 (at 1.0) is equally far from 0 and 2 when 2 sits at 2.0.
        let nn = nearest_neighbours(&[0.0, 1.0, 2.0, 10.0, 11.0], 1, 1);
        assert_eq!(nn, vec![1, 0, 1, 4, 3]);
    }

    #[test]
    fn the_same_stream_gives_the_same_rows_and_another_differs() {
        let (x, y) = toy();
        let a = smote(&x, 2, &y, 4, id()).unwrap();
        let b = smote(&x, 2, &y, 4, id()).unwrap();
        let c = smote(&x, 2, &y, 4, id().replica(4)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.x, c.x);
    }

    #[test]
    fn missing_values_follow_the_sentinel_rule() {
        // Class 1: feature 1 missing in two of five members. Interpolating between a
        // present and a missing value lands far below the column minimum: missing.
        // Between two missing values: the sentinel itself: missing. Between two
        // present values: present.
        let (mut x, y) = toy();
        x[2 * 10 + 1] = f64::NAN;
        x[2 * 11 + 1] = f64::NAN;
        let b = smote(&x, 2, &y, 4, id()).unwrap();
        let mut missing = 0;
        for row in b.x[30..].chunks(2) {
            assert!(!row[0].is_nan());
            if row[1].is_nan() {
                missing += 1;
            } else {
                assert!(row[1] <= 0.0 && row[1] >= -4.0, "{row:?}");
            }
        }
        assert!(missing > 0);
        // Real rows keep their values, including the missing ones.
        assert!(b.x[21].is_nan() && b.x[23].is_nan());
        assert_eq!(b.x[25], -2.0);
    }

    #[test]
    fn small_classes_and_bad_shapes_are_errors() {
        let (x, y) = toy();
        let e = smote(&x, 2, &y, 5, id()).unwrap_err().to_string();
        assert_eq!(
            e,
            "SMOTE: class CV has 5 member(s); k = 5 neighbours need at least 6"
        );
        assert!(smote(&x[..29], 2, &y, 4, id()).is_err());
        let mut bad = y.clone();
        bad[0] = 9;
        assert!(smote(&x, 2, &bad, 4, id()).is_err());
    }

    #[test]
    fn draws_follow_the_documented_stream() {
        // Recompute the class-1 synthetic rows from the stream by hand.
        let (x, y) = toy();
        let b = smote(&x, 2, &y, 4, id()).unwrap();
        let pts = &x[20..30];
        let nn = nearest_neighbours(pts, 2, 4);
        let mut rng = id().rng(Purpose::Smote, 1);
        let u: Vec<usize> = (0..5).map(|_| rng.random_range(0..20)).collect();
        let g: Vec<f64> = (0..5).map(|_| rng.random::<f64>()).collect();
        for s in 0..5 {
            let (r, nb) = (u[s] / 4, nn[(u[s] / 4) * 4 + u[s] % 4]);
            for f in 0..2 {
                let want = pts[r * 2 + f] + g[s] * (pts[nb * 2 + f] - pts[r * 2 + f]);
                assert_eq!(b.x[30 + s * 2 + f], want);
            }
        }
    }
}
