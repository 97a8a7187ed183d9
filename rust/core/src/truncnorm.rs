//! Truncated normal primitives (placeholder, filled in by the truncnorm work).
