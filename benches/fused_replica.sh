#!/usr/bin/env bash
# Builds benches/fused_replica.rs as a temporary crate against common/ (release) and
# runs it under /usr/bin/time -v. Usage: benches/fused_replica.sh (from anywhere).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=${BENCH_DIR:-/tmp/muwclass-fused-bench}
mkdir -p "$T/src"
cat > "$T/Cargo.toml" <<TOML
[package]
name = "fused-replica-bench"
version = "0.1.0"
edition = "2024"
[dependencies]
common = { path = "$ROOT/common", package = "muwclass-common" }
[profile.release]
codegen-units = 4
lto = "thin"
[workspace]
TOML
cp "$ROOT/benches/fused_replica.rs" "$T/src/main.rs"
(cd "$T" && cargo build --release -q)
/usr/bin/time -v "$T/target/release/fused-replica-bench" 2> "$T/time"
grep -E 'Elapsed|User time|Maximum resident' "$T/time"
