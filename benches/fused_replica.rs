//! Fused-path timing of one Monte-Carlo replica of the TD in process (redden_agns,
//! sample, features, Scaler), plus Absorption::factors and SfdMap::ebv per call.
//! Built and run by `benches/fused_replica.sh` as a throw-away crate (no bench target
//! in the shared Cargo.toml).
use common::absorption::Absorption;
use common::features::{Scaler, features};
use common::mc::{McOptions, sample};
use common::redden::redden_agns;
use common::rng::StreamId;
use common::sfd::SfdMap;
use common::sources::Sources;
use std::time::Instant;
fn main() {
    let td = Sources::embedded_training_set().unwrap();
    let abs = Absorption::embedded().unwrap();
    let map = SfdMap::embedded().unwrap();
    let n = 200;
    let t0 = Instant::now();
    for k in 0..n { std::hint::black_box(abs.factors(0.01 * k as f64)); }
    println!("factors: {:.1} us/call", t0.elapsed().as_secs_f64() / n as f64 * 1e6);
    let t0 = Instant::now();
    let mut s = 0.0;
    for i in 0..td.len() { s += map.ebv(td.ra[i], td.dec[i]); }
    println!("sfd ebv: {:.2} us/call ({s})", t0.elapsed().as_secs_f64() / td.len() as f64 * 1e6);
    let t0 = Instant::now();
    for r in 0..n {
        let mut x = td.clone();
        redden_agns(&mut x, 0.5, &abs);
        let smp = sample(&x, StreamId::new(1).replica(r as u64), &McOptions::default());
        let mut f = features(&smp);
        let sc = Scaler::fit(&f, 29);
        sc.transform(&mut f);
        std::hint::black_box(f);
    }
    println!("TD replica (clone+redden+sample+features+scale, 2941 rows): {:.2} ms", t0.elapsed().as_secs_f64() / n as f64 * 1e3);
}
