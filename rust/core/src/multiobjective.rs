//! Placeholder: filled in by the multiobjective work.
