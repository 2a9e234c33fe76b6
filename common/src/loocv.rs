//! Leave-one-out cross-validation over the training set (paper 4.1, 4.5; spec 9.1): for
//! every left-out source and Monte-Carlo replica, the other sources are reddened toward
//! the left-out source's E(B-V), re-sampled, re-standardized, balanced and used to grow
//! a forest that classifies the left-out source. Folds run in parallel; every random
//! step draws from the stream of its (seed, replica, fold), so the result does not
//! depend on the number of threads.

use rayon::prelude::*;

use crate::absorption::Absorption;
use crate::classes::N_CLASSES;
use crate::error::Result;
use crate::plan::{Group, Plan, Study, Unit};
use crate::progress::Progress;
use crate::redden::redden_agns;
use crate::replica::{ReplicaOptions, classify_replica, labels};
use crate::rng::{Purpose, RngExt, StreamId};
use crate::sources::Sources;

#[derive(Debug, Clone)]
pub struct LoocvOptions {
    pub replicas: usize,
    pub seed: u64,
    pub replica: ReplicaOptions,
}

/// Checks before any fold that SMOTE can balance the training set of every fold (the
/// training set less its left-out source); the error names the training-set `file`.
pub fn check_folds(file: &str, classes: &[Option<usize>], rows: &[usize], k: usize) -> Result<()> {
    let mut members = [0usize; N_CLASSES];
    for &c in classes.iter().flatten() {
        members[c] += 1;
    }
    let mut left: Vec<usize> = rows.iter().filter_map(|&r| classes[r]).collect();
    left.sort_unstable();
    left.dedup();
    for c in left {
        let mut fold = members;
        fold[c] -= 1;
        crate::smote::check_members(&fold, k).map_err(|m| {
            crate::error::Error::file(file, format!("{m} once a source is left out"))
        })?;
    }
    Ok(())
}

/// The rows to leave out: all of them, or a stratified subset of `limit` rows (class
/// shares kept by largest remainders, at least one per class), in table order.
pub fn left_out_rows(classes: &[Option<usize>], limit: Option<usize>, seed: u64) -> Vec<usize> {
    let n = classes.len();
    let limit = match limit {
        Some(l) if l < n => l,
        _ => return (0..n).collect(),
    };
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); N_CLASSES];
    for (row, c) in classes.iter().enumerate() {
        if let Some(c) = c {
            members[*c].push(row);
        }
    }
    let present: Vec<usize> = (0..N_CLASSES).filter(|c| !members[*c].is_empty()).collect();
    let exact: Vec<f64> = present
        .iter()
        .map(|c| limit as f64 * members[*c].len() as f64 / n as f64)
        .collect();
    let mut quota: Vec<usize> = exact.iter().map(|q| (q.floor() as usize).max(1)).collect();
    let mut order: Vec<usize> = (0..present.len()).collect();
    order.sort_by(|a, b| {
        let ra = exact[*a] - exact[*a].floor();
        let rb = exact[*b] - exact[*b].floor();
        rb.total_cmp(&ra).then(a.cmp(b))
    });
    let mut total: usize = quota.iter().sum();
    // The at-least-one rule can overshoot: take back from the classes that lose least.
    while total > limit {
        let Some(i) = (0..present.len())
            .filter(|&i| quota[i] > 1)
            .min_by(|&a, &b| {
                let la = exact[a] - (quota[a] - 1) as f64;
                let lb = exact[b] - (quota[b] - 1) as f64;
                la.total_cmp(&lb).then(a.cmp(&b))
            })
        else {
            break;
        };
        quota[i] -= 1;
        total -= 1;
    }
    for &i in order.iter().cycle().take(present.len() * 2) {
        if total >= limit {
            break;
        }
        if quota[i] < members[present[i]].len() {
            quota[i] += 1;
            total += 1;
        }
    }
    let mut rng = StreamId::new(seed).rng(Purpose::Subset, 0);
    let mut chosen = Vec::with_capacity(limit);
    for (i, &c) in present.iter().enumerate() {
        let pool = &mut members[c];
        // Partial Fisher-Yates: the first quota[i] entries become a uniform sample.
        for j in 0..quota[i].min(pool.len()) {
            let k = rng.random_range(j..pool.len());
            pool.swap(j, k);
        }
        chosen.extend_from_slice(&pool[..quota[i].min(pool.len())]);
    }
    chosen.sort_unstable();
    chosen
}

/// LOOCV of `td` leaving out each of `rows` in turn (all rows, or
/// [`left_out_rows`]' stratified subset); `ebv[i]` is the E(B-V) toward training
/// source i. Returns, for each left-out row in the order given, the row index and its
/// replicas' class probabilities in replica order (aggregate them with
/// `aggregate::summarize`).
pub fn loocv(
    td: &Sources,
    ebv: &[f64],
    rows: &[usize],
    absorption: &Absorption,
    opts: &LoocvOptions,
    progress: &Progress,
) -> Result<Vec<(usize, Vec<[f64; N_CLASSES]>)>> {
    let plan = loocv_plan(rows, opts.replicas);
    let units: Vec<Unit> = plan.units().collect();
    let probs = loocv_units(td, ebv, rows, &units, absorption, opts, progress)?;
    let mut samples: Vec<(usize, Vec<[f64; N_CLASSES]>)> = rows
        .iter()
        .map(|&r| (r, Vec::with_capacity(opts.replicas)))
        .collect();
    for (u, p) in units.iter().zip(probs) {
        samples[u.group].1.push(p);
    }
    Ok(samples)
}

/// The units of a LOOCV: one fold per left-out row (one source each) times the
/// replicas.
pub fn loocv_plan(rows: &[usize], replicas: usize) -> Plan {
    Plan {
        study: Study::Loocv,
        groups: rows
            .iter()
            .map(|&r| Group {
                id: r as u64,
                sources: 1,
            })
            .collect(),
        replicas,
    }
}

/// The left-out source's probabilities of each unit of the plan of `rows`
/// ([`loocv_plan`]). A fold's units run in one task, which reddens its training set
/// once; `progress` counts folds.
pub fn loocv_units(
    td: &Sources,
    ebv: &[f64],
    rows: &[usize],
    units: &[Unit],
    absorption: &Absorption,
    opts: &LoocvOptions,
    progress: &Progress,
) -> Result<Vec<[f64; N_CLASSES]>> {
    let all_labels = labels(td)?;
    let folds: Vec<&[Unit]> = units.chunk_by(|a, b| a.group == b.group).collect();
    let per_fold: Vec<Vec<[f64; N_CLASSES]>> = folds
        .par_iter()
        .map(|fold| {
            let i = rows[fold[0].group];
            let train_rows: Vec<usize> = (0..td.len()).filter(|&j| j != i).collect();
            let mut train = td.subset(&train_rows);
            redden_agns(&mut train, ebv[i], absorption);
            let train_labels: Vec<u8> = train_rows.iter().map(|&j| all_labels[j]).collect();
            let test = td.subset(&[i]);
            let samples = fold
                .iter()
                .map(|u| {
                    let id = StreamId::new(opts.seed)
                        .replica(u.replica as u64)
                        .fold(i as u64);
                    Ok(classify_replica(&train, &train_labels, &test, id, &opts.replica)?[0])
                })
                .collect::<Result<Vec<_>>>()?;
            progress.inc(1);
            Ok(samples)
        })
        .collect::<Result<_>>()?;
    Ok(per_fold.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_in(rows: &[usize], classes: &[Option<usize>], c: usize) -> usize {
        rows.iter().filter(|&&r| classes[r] == Some(c)).count()
    }

    /// Nothing fitted in a fold (scaler, physical copies, SMOTE, forest) sees the
    /// left-out source's class: relabelling it leaves its probabilities unchanged bit
    /// for bit, with every option of the improved methods on.
    #[test]
    fn the_left_out_label_never_reaches_the_fold() {
        use crate::features::FeatureSet;
        use crate::replica::{Oversampling, ReplicaOptions};
        let full = Sources::embedded_training_set().unwrap();
        let rows: Vec<usize> = (0..full.len()).step_by(20).collect();
        let mut td = full.subset(&rows);
        let absorption = Absorption::embedded().unwrap();
        let opts = LoocvOptions {
            replicas: 2,
            seed: 5,
            replica: ReplicaOptions {
                features: FeatureSet::Astrometry,
                oversample: Some(Oversampling {
                    fraction: 0.5,
                    grid: crate::oversample::AbsorptionGrid::new(&absorption),
                }),
                forest: crate::forest::ForestParams {
                    n_trees: 10,
                    ..Default::default()
                },
                ..ReplicaOptions::default()
            },
        };
        let ebv = vec![0.3; td.len()];
        // A minority-class source: its class is oversampled in the other folds.
        let k = (0..td.len()).find(|&i| td.class[i] == Some(1)).unwrap();
        let progress = Progress::new(1, "test", true);
        let before = loocv(&td, &ebv, &[k], &absorption, &opts, &progress).unwrap();
        td.class[k] = Some(0);
        let after = loocv(&td, &ebv, &[k], &absorption, &opts, &progress).unwrap();
        assert_eq!(before, after);
        // ... while the other sources' classes do reach it.
        let j = (0..td.len())
            .find(|&i| i != k && td.class[i] == Some(1))
            .unwrap();
        td.class[j] = Some(7);
        let other = loocv(&td, &ebv, &[k], &absorption, &opts, &progress).unwrap();
        assert_ne!(before, other);
    }

    #[test]
    fn stratified_subset_keeps_class_shares() {
        let classes: Vec<Option<usize>> = (0..1000)
            .map(|i| {
                Some(if i < 600 {
                    0
                } else if i < 990 {
                    7
                } else {
                    3
                })
            })
            .collect();
        let rows = left_out_rows(&classes, Some(100), 1);
        assert_eq!(rows.len(), 100);
        let count = |c| rows.iter().filter(|&&r| classes[r] == Some(c)).count();
        assert_eq!((count(0), count(7), count(3)), (60, 39, 1));
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(rows, left_out_rows(&classes, Some(100), 1));
        assert_ne!(rows, left_out_rows(&classes, Some(100), 2));
        assert_eq!(left_out_rows(&classes, None, 1).len(), 1000);
        // Rare classes keep one member; the others give back what that costs.
        let rows = left_out_rows(&classes, Some(10), 1);
        assert_eq!(rows.len(), 10);
        assert_eq!(
            (
                count_in(&rows, &classes, 0),
                count_in(&rows, &classes, 7),
                count_in(&rows, &classes, 3)
            ),
            (6, 3, 1)
        );
    }
}
