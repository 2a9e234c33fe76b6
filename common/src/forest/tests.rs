use super::model::MAGIC;
use super::*;
use crate::rng::{Purpose, RngExt, StreamId};

fn id() -> StreamId {
    StreamId::new(11).replica(2)
}

/// Rows of `n_features` with ties (rounded values), missing values and a class that
/// depends on the first features with noise: the shape of the real training set.
fn messy(n: usize, n_features: usize, n_classes: usize, seed: u64) -> (Vec<f64>, Vec<u8>) {
    let mut rng = StreamId::new(seed).rng(Purpose::Sample, 0);
    let mut x = Vec::with_capacity(n * n_features);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.random_range(0..n_classes);
        for f in 0..n_features {
            let v: f64 = rng.random::<f64>() + if f < 3 { c as f64 * 0.4 } else { 0.0 };
            let v = match f % 3 {
                0 => v,
                1 => (v * 10.0).round() / 10.0,
                _ if rng.random::<f64>() < 0.3 => f64::NAN,
                _ => v,
            };
            x.push(v);
        }
        y.push(c as u8);
    }
    (x, y)
}

/// scikit-learn's tree building written out literally (f64 weights, per-node sort of
/// the f32 values, Gini proxy −w_r·g_r − w_l·g_l), as the independent reference of
/// the rank-based builder; only its random draws come from the per-node streams.
struct Naive<'a> {
    x: &'a [f32],
    n_features: usize,
    y: &'a [u8],
    n_classes: usize,
    max_features: usize,
    class_weight: ClassWeight,
    /// The tree's class weights, computed here from their definition (empty: none).
    cw: Vec<f64>,
    weight: Vec<f64>,
    samples: Vec<usize>,
    features: Vec<usize>,
    constant_features: Vec<usize>,
    nodes: Vec<Node>,
    values: Vec<f64>,
    stats: Vec<(f64, f64)>,
}

impl Naive<'_> {
    fn counts(&self, s: &[usize]) -> Vec<f64> {
        let mut c = vec![0.0; self.n_classes];
        for &i in s {
            c[self.y[i] as usize] += self.weight[i];
        }
        for (v, k) in c.iter_mut().zip(&self.cw) {
            *v *= k;
        }
        c
    }

    fn gini(c: &[f64]) -> f64 {
        let w: f64 = c.iter().sum();
        let sq: f64 = c.iter().map(|v| v * v).sum();
        1.0 - sq / (w * w)
    }

    fn build(mut self, rng: &mut ChaCha8Rng) -> Tree {
        let n = self.y.len();
        for _ in 0..n {
            self.weight[rng.random_range(0..n)] += 1.0;
        }
        // scikit-learn's compute_sample_weight('balanced', y[, indices]): per class
        // n / (classes present · class count), over y or over the bootstrap draws.
        let mut count = vec![0.0f64; self.n_classes];
        for i in 0..n {
            count[self.y[i] as usize] += match self.class_weight {
                ClassWeight::BalancedSubsample => self.weight[i],
                _ => 1.0,
            };
        }
        let present = count.iter().filter(|&&c| c > 0.0).count() as f64;
        if self.class_weight != ClassWeight::None {
            self.cw = count
                .iter()
                .map(|&c| {
                    if c > 0.0 {
                        n as f64 / (present * c)
                    } else {
                        0.0
                    }
                })
                .collect();
        }
        let tree_key: [u8; 32] = rng.random();
        self.samples = (0..n).filter(|&i| self.weight[i] > 0.0).collect();
        // A node starts from its parent's feature order and draws from its own stream.
        let root = (0, self.samples.len(), None::<(usize, bool)>, 0usize);
        let mut stack = vec![(root, self.features.clone(), 0u64)];
        while let Some(((start, end, parent, n_known), features, stream)) = stack.pop() {
            self.features = features;
            let id = self.nodes.len();
            if let Some((p, left)) = parent {
                if left {
                    self.nodes[p].left = id as u32;
                } else {
                    self.nodes[p].right = id as u32;
                }
            }
            let counts = self.counts(&self.samples[start..end]);
            let w: f64 = counts.iter().sum();
            let impurity = Self::gini(&counts);
            self.stats.push((w, impurity));
            let split = if end - start < 2 || impurity <= f64::EPSILON {
                None
            } else {
                self.split(start, end, n_known, &mut node_rng(tree_key, stream))
            };
            match split {
                Some((f, threshold, n_total)) => {
                    let mut p = start;
                    let mut q = end;
                    while p < q {
                        if f64::from(self.x[self.samples[p] * self.n_features + f]) <= threshold {
                            p += 1;
                        } else {
                            q -= 1;
                            self.samples.swap(p, q);
                        }
                    }
                    self.nodes.push(Node {
                        feature: f as u32,
                        left: 0,
                        right: 0,
                        threshold,
                    });
                    let right = (p, end, Some((id, false)), n_total);
                    let left = (start, p, Some((id, true)), n_total);
                    stack.push((right, self.features.clone(), child_stream(stream, false)));
                    stack.push((left, self.features.clone(), child_stream(stream, true)));
                }
                None => {
                    let leaf = (self.values.len() / self.n_classes) as u32;
                    self.values.extend(counts.iter().map(|c| c / w));
                    self.nodes.push(Node {
                        feature: LEAF,
                        left: leaf,
                        right: 0,
                        threshold: 0.0,
                    });
                }
            }
        }
        let mut imp = vec![0.0; self.n_features];
        for (node, &(w, i)) in self.nodes.iter().zip(&self.stats) {
            if node.feature != LEAF {
                let (wl, il) = self.stats[node.left as usize];
                let (wr, ir) = self.stats[node.right as usize];
                imp[node.feature as usize] += w * i - wl * il - wr * ir;
            }
        }
        let root = self.stats[0].0;
        imp.iter_mut().for_each(|v| *v /= root);
        let total: f64 = imp.iter().sum();
        if total > 0.0 {
            imp.iter_mut().for_each(|v| *v /= total);
        }
        // Only nodes, values and importances are compared.
        Tree {
            nodes: self.nodes,
            weights: Vec::new(),
            class_weight: Vec::new(),
            values: self.values,
            importances: imp,
        }
    }

    fn split(
        &mut self,
        start: usize,
        end: usize,
        n_known: usize,
        rng: &mut ChaCha8Rng,
    ) -> Option<(usize, f64, usize)> {
        let mut f_i = self.n_features;
        let (mut visited, mut found, mut drawn, mut total) = (0, 0, 0, n_known);
        self.constant_features[..n_known].copy_from_slice(&self.features[..n_known]);
        let mut best: Option<(usize, f64)> = None;
        let mut best_proxy = (0u128, 1u128);
        let mut best_weighted = f64::NEG_INFINITY;
        while f_i > total && (visited < self.max_features || visited <= found + drawn) {
            visited += 1;
            let mut f_j = rng.random_range(drawn..f_i - found);
            if f_j < n_known {
                self.features.swap(drawn, f_j);
                drawn += 1;
                continue;
            }
            f_j += found;
            let f = self.features[f_j];
            let mut xs: Vec<(f64, usize)> = self.samples[start..end]
                .iter()
                .map(|&s| (f64::from(self.x[s * self.n_features + f]), s))
                .collect();
            xs.sort_by(|a, b| a.0.total_cmp(&b.0));
            if xs[xs.len() - 1].0 <= xs[0].0 + FEATURE_THRESHOLD {
                self.features.swap(f_j, total);
                found += 1;
                total += 1;
                continue;
            }
            f_i -= 1;
            self.features.swap(f_i, f_j);
            let node: Vec<usize> = xs.iter().map(|v| v.1).collect();
            for pos in 1..xs.len() {
                if xs[pos].0 <= xs[pos - 1].0 + FEATURE_THRESHOLD {
                    continue;
                }
                let cl = self.counts(&node[..pos]);
                let cr = self.counts(&node[pos..]);
                // The Gini proxy −w_r·g_r − w_l·g_l = Σw_lc²/w_l + Σw_rc²/w_r − w: as an
                // exact fraction, so that exactly tied splits tie (the first wins).
                let (wl, wr): (f64, f64) = (cl.iter().sum(), cr.iter().sum());
                let better = if self.cw.is_empty() {
                    let sq = |c: &[f64]| c.iter().map(|v| v * v).sum::<f64>() as u128;
                    let proxy = (
                        sq(&cl) * wr as u128 + sq(&cr) * wl as u128,
                        wl as u128 * wr as u128,
                    );
                    let better = best.is_none() || proxy.0 * best_proxy.1 > best_proxy.0 * proxy.1;
                    if better {
                        best_proxy = proxy;
                    }
                    better
                } else {
                    // Class-weighted: scikit-learn's floating-point proxy.
                    let proxy = -wr * Self::gini(&cr) - wl * Self::gini(&cl);
                    let better = proxy > best_weighted;
                    if better {
                        best_weighted = proxy;
                    }
                    better
                };
                if better {
                    let mut t = xs[pos - 1].0 / 2.0 + xs[pos].0 / 2.0;
                    if t == xs[pos].0 || !t.is_finite() {
                        t = xs[pos - 1].0;
                    }
                    best = Some((f, t));
                }
            }
        }
        self.features[..n_known].copy_from_slice(&self.constant_features[..n_known]);
        self.constant_features[n_known..total].copy_from_slice(&self.features[n_known..total]);
        best.map(|(f, t)| (f, t, total))
    }
}

fn naive_tree(
    x: &[f64],
    n_features: usize,
    y: &[u8],
    n_classes: usize,
    max_features: usize,
    class_weight: ClassWeight,
    rng: &mut ChaCha8Rng,
) -> Tree {
    let x32: Vec<f32> = x
        .iter()
        .map(|&v| if v.is_nan() { -100.0f32 } else { v as f32 })
        .collect();
    Naive {
        x: &x32,
        n_features,
        y,
        n_classes,
        max_features,
        class_weight,
        cw: Vec::new(),
        weight: vec![0.0; y.len()],
        samples: Vec::new(),
        features: (0..n_features).collect(),
        constant_features: vec![0; n_features],
        nodes: Vec::new(),
        values: Vec::new(),
        stats: Vec::new(),
    }
    .build(rng)
}

#[test]
fn trees_equal_the_literal_scikit_learn_algorithm() {
    let cases = [(300, 7, 3, 2, 1), (500, 12, 8, 3, 2), (60, 29, 8, 5, 3)];
    for ((n, nf, nc, mf, seed), class_weight) in cases.into_iter().flat_map(|c| {
        [
            ClassWeight::None,
            ClassWeight::Balanced,
            ClassWeight::BalancedSubsample,
        ]
        .map(|w| (c, w))
    }) {
        let (x, y) = messy(n, nf, nc, seed);
        let params = ForestParams {
            n_trees: 6,
            max_features: Some(mf),
            missing: -100.0,
            class_weight,
        };
        let forest = Forest::fit(&x, nf, &y, nc, &params, id()).unwrap();
        for (t, tree) in forest.trees.iter().enumerate() {
            let mut rng = id().rng(Purpose::Forest, t as u64);
            let want = naive_tree(&x, nf, &y, nc, mf, class_weight, &mut rng);
            assert_eq!(
                tree.class_weight.is_empty(),
                class_weight == ClassWeight::None
            );
            assert_eq!(tree.nodes, want.nodes, "tree {t} of case {seed}");
            assert_eq!(tree.values, want.values);
            for (a, b) in tree.importances.iter().zip(&want.importances) {
                assert!((a - b).abs() < 1e-12, "{a} {b}");
            }
            assert!(tree.nodes.len() > 10);
        }
    }
}

#[test]
fn a_clean_step_is_split_at_the_midpoint() {
    // 40 rows at 0 (class 0) and 40 at 1 (class 1): every bootstrap holds both values,
    // every root splits at 0.5 into two pure leaves.
    let x: Vec<f64> = (0..80).map(|i| if i < 40 { 0.0 } else { 1.0 }).collect();
    let y: Vec<u8> = (0..80).map(|i| u8::from(i >= 40)).collect();
    let f = Forest::fit(&x, 1, &y, 2, &ForestParams::default(), id()).unwrap();
    assert_eq!(f.n_trees(), 100);
    for tree in &f.trees {
        assert_eq!(tree.nodes.len(), 3);
        assert_eq!(tree.nodes[0].threshold, 0.5);
    }
    assert_eq!(f.predict_proba(&[0.5]), vec![1.0, 0.0]);
    assert_eq!(f.predict_proba(&[0.5000001]), vec![0.0, 1.0]);
    assert_eq!(f.predict(&[-3.0]), 0);
    assert_eq!(f.importances(), vec![1.0]);
}

#[test]
fn an_unsplittable_node_holds_the_bootstrap_class_fractions() {
    // All rows equal: each tree is one leaf whose value is the weighted class
    // fraction of its bootstrap, recomputed here from the documented stream.
    let x = vec![0.25; 30];
    let y: Vec<u8> = (0..30).map(|i| (i % 3) as u8).collect();
    let params = ForestParams {
        n_trees: 7,
        ..ForestParams::default()
    };
    let f = Forest::fit(&x, 1, &y, 3, &params, id()).unwrap();
    let mut want = vec![0.0f64; 3];
    for t in 0..7 {
        let mut rng = id().rng(Purpose::Forest, t);
        let mut counts = [0.0f64; 3];
        for _ in 0..30 {
            counts[y[rng.random_range(0..30)] as usize] += 1.0;
        }
        for c in 0..3 {
            want[c] += counts[c] / 30.0;
        }
    }
    want.iter_mut().for_each(|v| *v /= 7.0);
    assert_eq!(f.predict_proba(&[0.25]), want);
    assert_eq!(f.importances(), vec![0.0]);
}

/// Class weights by hand on one-leaf trees (all rows equal): a leaf's value is its
/// bootstrap class counts b_c times the class weights, normalised. `balanced`: 20, 8
/// and 2 rows of classes 0, 1, 2 weigh 30/(3·20), 30/(3·8), 30/(3·2) = 0.5, 1.25, 5.
/// `balanced_subsample`: n / (3 · b_c) from each bootstrap, so k_c · b_c = n/3 for
/// every class drawn: the leaf is uniform over the classes its bootstrap holds.
#[test]
fn class_weights_by_hand() {
    let x = vec![0.5; 30];
    let y: Vec<u8> = (0..30)
        .map(|i| [0, 1, 2][usize::from(i >= 20) + usize::from(i >= 28)])
        .collect();
    let fit = |class_weight| {
        let params = ForestParams {
            n_trees: 9,
            class_weight,
            ..ForestParams::default()
        };
        Forest::fit(&x, 1, &y, 3, &params, id()).unwrap()
    };
    let mut balanced = [0.0f64; 3];
    let mut subsample = [0.0f64; 3];
    for t in 0..9 {
        let mut rng = id().rng(Purpose::Forest, t);
        let mut b = [0.0f64; 3];
        for _ in 0..30 {
            b[y[rng.random_range(0..30)] as usize] += 1.0;
        }
        let weighted = [0.5 * b[0], 1.25 * b[1], 5.0 * b[2]];
        let total: f64 = weighted.iter().sum();
        let drawn = b.iter().filter(|&&v| v > 0.0).count() as f64;
        for c in 0..3 {
            balanced[c] += weighted[c] / total / 9.0;
            subsample[c] += if b[c] > 0.0 { 1.0 / drawn / 9.0 } else { 0.0 };
        }
    }
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-15);
    let got = fit(ClassWeight::Balanced).predict_proba(&[0.5]);
    assert!(close(&got, &balanced), "{got:?} {balanced:?}");
    let got = fit(ClassWeight::BalancedSubsample).predict_proba(&[0.5]);
    assert!(close(&got, &subsample), "{got:?} {subsample:?}");
    // Equal classes: `balanced` weighs every sample alike, the forest is the unweighted one.
    let y2: Vec<u8> = (0..30).map(|i| (i % 3) as u8).collect();
    let params = |class_weight| ForestParams {
        n_trees: 4,
        class_weight,
        ..ForestParams::default()
    };
    let (xm, _) = messy(30, 2, 3, 8);
    let plain = Forest::fit(&xm, 2, &y2, 3, &params(ClassWeight::None), id()).unwrap();
    let weighted = Forest::fit(&xm, 2, &y2, 3, &params(ClassWeight::Balanced), id()).unwrap();
    assert_eq!(plain.trees, weighted.trees);
}

/// scikit-learn on a small table of repeated values of mixed classes
/// (benches/class_weight_reference.py: the mean of 5 forests of 4,000 trees,
/// max_features=1): `RandomForestClassifier` unweighted and with 'balanced_subsample';
/// for 'balanced', bagged `DecisionTreeClassifier(class_weight='balanced')` with
/// uniform bootstrap counts as sample weights (scikit-learn 1.9's forest now draws the
/// bootstrap of 'balanced' in proportion to the weights instead, another estimator).
/// A forest of 4,000 trees here estimates the same expectations over bootstraps, within
/// sampling error (sd about 0.004 per forest); the weights move the probabilities by
/// up to 0.38.
#[test]
fn class_weights_as_scikit_learn() {
    let table = [
        (0.0, [12, 2, 1]),
        (1.0, [6, 4, 0]),
        (2.0, [3, 6, 1]),
        (3.0, [8, 1, 3]),
    ];
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (v, counts) in table {
        for (c, k) in counts.into_iter().enumerate() {
            x.extend(std::iter::repeat_n(v, k));
            y.extend(std::iter::repeat_n(c as u8, k));
        }
    }
    let sklearn = [
        (
            ClassWeight::None,
            [
                [0.8004, 0.1328, 0.0667],
                [0.6016, 0.3984, 0.0],
                [0.3016, 0.5984, 0.1],
                [0.6668, 0.0838, 0.2494],
            ],
        ),
        (
            ClassWeight::Balanced,
            [
                [0.5735, 0.2019, 0.2246],
                [0.4262, 0.5738, 0.0],
                [0.1491, 0.6252, 0.2257],
                [0.3311, 0.0873, 0.5815],
            ],
        ),
        (
            ClassWeight::BalancedSubsample,
            [
                [0.5801, 0.2004, 0.2195],
                [0.4206, 0.5794, 0.0],
                [0.1464, 0.6323, 0.2213],
                [0.3171, 0.0839, 0.5990],
            ],
        ),
    ];
    for (class_weight, want) in sklearn {
        let params = ForestParams {
            n_trees: 4000,
            max_features: Some(1),
            class_weight,
            ..ForestParams::default()
        };
        let queries = [0.0, 1.0, 2.0, 3.0];
        let got = Forest::fit_predict(&x, 1, &y, 3, &params, id(), &queries).unwrap();
        for (q, (p, w)) in got.iter().zip(want).enumerate() {
            for c in 0..3 {
                assert!(
                    (p[c] - w[c]).abs() < 0.015,
                    "{class_weight:?} x={q}: {p:?} vs {w:?}"
                );
            }
        }
    }
}

#[test]
fn constant_features_are_passed_over() {
    // Five constant features and one informative: with max_features = 1 the splitter
    // keeps drawing past constant features, so every root splits on feature 5.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        x.extend([1.0, 2.0, f64::NAN, 4.0, 5.0, i as f64]);
        y.push(u8::from(i >= 30));
    }
    let params = ForestParams {
        n_trees: 20,
        max_features: Some(1),
        missing: -100.0,
        class_weight: ClassWeight::None,
    };
    let f = Forest::fit(&x, 6, &y, 2, &params, id()).unwrap();
    assert!(f.trees.iter().all(|t| t.nodes[0].feature == 5));
    let imp = f.importances();
    assert_eq!(imp[5], 1.0);
}

#[test]
fn missing_values_are_the_flag() {
    // Class 1 has the feature missing; a NaN at prediction is the same -100 flag.
    let x: Vec<f64> = (0..40)
        .map(|i| if i < 20 { i as f64 } else { f64::NAN })
        .collect();
    let y: Vec<u8> = (0..40).map(|i| u8::from(i >= 20)).collect();
    let f = Forest::fit(&x, 1, &y, 2, &ForestParams::default(), id()).unwrap();
    assert_eq!(f.predict_proba(&[f64::NAN]), vec![0.0, 1.0]);
    assert_eq!(f.predict_proba(&[-100.0]), vec![0.0, 1.0]);
    assert_eq!(f.predict_proba(&[3.0]), vec![1.0, 0.0]);
    // The root splits between the flag and the smallest real value in the bootstrap,
    // at their midpoint (-100 + v)/2.
    for t in &f.trees {
        let v = 2.0 * t.nodes[0].threshold + 100.0;
        assert!(v.fract() == 0.0 && (0.0..5.0).contains(&v), "{v}");
    }
}

#[test]
fn informative_features_get_the_importance() {
    let (x, y) = messy(400, 9, 4, 5);
    let f = Forest::fit(&x, 9, &y, 4, &ForestParams::default(), id()).unwrap();
    let imp = f.importances();
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Features 0..3 carry the class (0 continuous, 1 rounded, 2 with missing values).
    let informative: f64 = imp[..3].iter().sum();
    assert!(informative > 0.5, "{imp:?}");
    // The forest learns its training set almost perfectly.
    let correct = (0..400)
        .filter(|&i| f.predict(&x[i * 9..(i + 1) * 9]) == y[i] as usize)
        .count();
    assert!(correct > 380, "{correct}");
}

#[test]
fn the_forest_does_not_depend_on_the_number_of_threads() {
    let (x, y) = messy(400, 10, 8, 7);
    let fit = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| Forest::fit(&x, 10, &y, 8, &ForestParams::default(), id()).unwrap())
    };
    let one = fit(1);
    let two = fit(2);
    assert_eq!(one, two);
    let other = Forest::fit(&x, 10, &y, 8, &ForestParams::default(), id().replica(9)).unwrap();
    assert_ne!(one, other);
}

#[test]
fn max_features_default_is_floor_sqrt() {
    let p = ForestParams::default();
    assert_eq!(p.max_features_for(29), 5);
    assert_eq!(p.max_features_for(28), 5);
    assert_eq!(p.max_features_for(1), 1);
    assert_eq!(p.n_trees, 100);
    assert_eq!(p.missing, -100.0);
}

#[test]
fn bad_training_input_is_an_error() {
    let p = ForestParams::default();
    assert!(Forest::fit(&[1.0, 2.0], 1, &[0, 3], 2, &p, id()).is_err());
    assert!(Forest::fit(&[1.0, f64::INFINITY], 1, &[0, 1], 2, &p, id()).is_err());
    assert!(Forest::fit(&[1.0], 1, &[0, 1], 2, &p, id()).is_err());
    assert!(Forest::fit(&[], 1, &[], 2, &p, id()).is_err());
}

#[test]
fn models_round_trip_and_foreign_files_are_refused() {
    let (x, y) = messy(100, 3, 2, 9);
    let params = ForestParams {
        n_trees: 3,
        ..ForestParams::default()
    };
    let forest = Forest::fit(&x, 3, &y, 2, &params, id()).unwrap();
    let model = Model::new(
        vec!["a".into(), "b".into(), "c".into()],
        vec!["AGN".into(), "CV".into()],
        params,
        forest,
    );
    let dir = std::env::temp_dir().join(format!("muwclass-forest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["m.postcard", "m.json"] {
        let path = dir.join(name);
        model.save(&path).unwrap();
        assert_eq!(Model::load(&path).unwrap(), model);
    }
    let e = Model::from_bytes("x.model", b"a,b\n1,2\n", false).unwrap_err();
    assert!(
        e.to_string().contains("not a muwclass-rforest model"),
        "{e}"
    );
    let mut old = model.clone();
    old.version = 0;
    let e = Model::from_bytes("x.json", &serde_json::to_vec(&old).unwrap(), true).unwrap_err();
    assert!(e.to_string().contains("version 0"), "{e}");
    // A version-1 file (leaf fractions, no weights) does not parse as this version:
    // it is named by its version, not by the parse error.
    let mut v1 = serde_json::to_value(&model).unwrap();
    v1["version"] = 1.into();
    v1["forest"]["trees"][0]
        .as_object_mut()
        .unwrap()
        .remove("weights");
    let e = Model::from_bytes("x.json", &serde_json::to_vec(&v1).unwrap(), true).unwrap_err();
    assert!(
        e.to_string().ends_with("(muwclass-rforest version 1)"),
        "{e}"
    );
    // A damaged tree (a child pointing back at the root, a leaf past the weights) is
    // refused on load rather than looping or panicking in predict.
    let mut looped = model.clone();
    looped.forest.trees[1].nodes[0].right = 0;
    let mut short = model.clone();
    short.forest.trees[2].weights.truncate(2);
    for (damaged, why) in [
        (looped, "tree 1: node 0 points outside"),
        (short, "tree 2: node"),
    ] {
        for json in [true, false] {
            let bytes = if json {
                serde_json::to_vec(&damaged).unwrap()
            } else {
                [MAGIC.as_slice(), &postcard::to_stdvec(&damaged).unwrap()].concat()
            };
            let e = Model::from_bytes("x", &bytes, json).unwrap_err();
            assert!(e.to_string().contains(why), "{e}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn growing_only_the_paths_predicts_what_the_whole_forest_predicts() {
    for (n, nf, nc, mf, seed) in [
        (400, 10, 8, None, 4),
        (300, 29, 8, Some(5), 5),
        (80, 3, 2, Some(1), 6),
    ] {
        let (x, y) = messy(n, nf, nc, seed);
        let params = ForestParams {
            n_trees: 20,
            max_features: mf,
            missing: -100.0,
            class_weight: ClassWeight::None,
        };
        // Unseen rows with missing values, a copy of a training row, rows outside the
        // training range, and none at all.
        let (mut queries, _) = messy(50, nf, nc, seed + 100);
        queries.extend_from_slice(&x[..nf]);
        queries.extend(std::iter::repeat_n(1e3, nf));
        queries.extend(std::iter::repeat_n(f64::NAN, nf));
        let forest = Forest::fit(&x, nf, &y, nc, &params, id()).unwrap();
        let got = Forest::fit_predict(&x, nf, &y, nc, &params, id(), &queries).unwrap();
        assert_eq!(got.len(), queries.len() / nf);
        for (row, p) in queries.chunks(nf).zip(&got) {
            let want = forest.predict_proba(row);
            let same = want.iter().zip(p).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "case {seed}: {p:?} != {want:?}");
        }
        let none = Forest::fit_predict(&x, nf, &y, nc, &params, id(), &[]).unwrap();
        assert!(none.is_empty());
        assert!(Forest::fit_predict(&x, nf, &y, nc, &params, id(), &queries[..nf - 1]).is_err());
    }
}

#[test]
fn total_order_is_a_stable_total_cmp_sort() {
    // Negatives, both zeros, ties, infinities and values across all exponent bytes.
    let mut rng = StreamId::new(5).rng(Purpose::Sample, 1);
    let mut col: Vec<f32> = vec![0.0, -0.0, 1.0, -1.0, f32::INFINITY, f32::NEG_INFINITY];
    col.extend((0..3000).map(|_| {
        let v: f32 = rng.random_range(-1e3..1e3) * 10f32.powi(rng.random_range(-30..30));
        if rng.random::<f64>() < 0.2 {
            v.round()
        } else {
            v
        }
    }));
    let mut want: Vec<u32> = (0..col.len() as u32).collect();
    want.sort_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
    assert_eq!(total_order(&col), want);
    assert_eq!(total_order(&[2.0, 2.0, 1.0]), [2, 0, 1]);
}
