//! Placeholder: filled in by the cmaes work.
