//! Shared inputs for the criterion benchmarks under `benches/benches/`.
