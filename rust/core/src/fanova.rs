//! Placeholder: filled in by the fanova work.
