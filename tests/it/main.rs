//! Integration tests: the real tool binaries, run as a user runs them, on the real
//! data in `examples/` and `common/data/`. One test binary with modules (links once).

mod util;

mod ctscore;
mod docs;
mod features;
mod fechner;
mod formats;
mod fuzz;
mod help;
mod loocv;
mod make;
mod outlier;
mod outputs;
mod pipeline;
mod query;
mod redden;
mod rforest;
mod robust;
mod shard;
mod smote;
mod xmatch;
