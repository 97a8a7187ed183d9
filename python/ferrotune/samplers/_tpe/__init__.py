"""Tree-structured Parzen Estimator sampler (Rust-backed)."""
