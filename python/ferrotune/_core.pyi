"""Type stub for the private Rust extension module ``ferrotune._core``."""

__version__: str
