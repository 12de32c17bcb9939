//! CUDA backend (being built).
