//! Timing of one replica's training step: SMOTE + a 100-tree forest fit on the
//! standardized training set (spec 6.1, 7), in process, without CSV work; and the
//! same forest grown only along one source's path (`Forest::fit_predict`, what a
//! LOOCV fold needs).
//!
//! Usage: cargo bench --bench forest -- TRAIN_STD.csv [REPEATS] [TREES]
//! (TRAIN_STD.csv: the 29 standardized features and True_Class, e.g. from
//! `features common/data/td_2941.csv | standardize --fit - -`; see
//! benches/forest_vs_sklearn.py, which runs this and scikit-learn side by side).
//! Threads: RAYON_NUM_THREADS. Prints one line of key=value pairs.

use std::path::Path;
use std::time::Instant;

use common::classes::N_CLASSES;
use common::forest::{Forest, ForestParams};
use common::matrix::{class_indices, feature_matrix};
use common::rng::StreamId;
use common::schema::{FEATURE_NAMES, TRUE_CLASS};
use common::smote::smote;
use common::table::Table;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let path = args
        .first()
        .expect("usage: forest TRAIN_STD.csv [REPEATS] [TREES]");
    let repeats: usize = args.get(1).map_or(5, |r| r.parse().unwrap());
    let trees: usize = args.get(2).map_or(100, |r| r.parse().unwrap());
    let table = Table::read(Some(Path::new(path))).unwrap();
    let x = feature_matrix(&table, &FEATURE_NAMES).unwrap();
    let y = class_indices(&table, TRUE_CLASS).unwrap();
    let params = ForestParams {
        n_trees: trees,
        ..ForestParams::default()
    };
    let (mut t_smote, mut t_fit, mut t_path, mut nodes) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for r in 0..repeats {
        let id = StreamId::new(1).replica(r as u64);
        let t0 = Instant::now();
        let b = smote(&x, FEATURE_NAMES.len(), &y, 4, id).unwrap();
        let t1 = Instant::now();
        let f = Forest::fit(&b.x, FEATURE_NAMES.len(), &b.y, N_CLASSES, &params, id).unwrap();
        let t2 = Instant::now();
        // One LOOCV fold's forest: grown only along the path of one source.
        let query = &x[r * FEATURE_NAMES.len()..(r + 1) * FEATURE_NAMES.len()];
        let p = Forest::fit_predict(
            &b.x,
            FEATURE_NAMES.len(),
            &b.y,
            N_CLASSES,
            &params,
            id,
            query,
        )
        .unwrap();
        let t3 = Instant::now();
        assert_eq!(p[0], f.predict_proba(query));
        t_smote.push((t1 - t0).as_secs_f64());
        t_fit.push((t2 - t1).as_secs_f64());
        t_path.push((t3 - t2).as_secs_f64());
        nodes = f.n_nodes();
        assert_eq!(b.len(), 8 * 1390.min(b.len() / 8));
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (s, f, fp) = (med(&mut t_smote), med(&mut t_fit), med(&mut t_path));
    println!(
        "rows={} threads={} trees={trees} nodes={nodes} smote_s={s:.4} fit_s={f:.4} fit_predict1_s={fp:.4} total_s={:.4} repeats={repeats}",
        x.len() / FEATURE_NAMES.len(),
        rayon::current_num_threads(),
        s + f
    );
}
