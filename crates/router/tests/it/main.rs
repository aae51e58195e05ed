//! Integration tests of pattern-router, in one binary.

mod accuracy;
mod calibration;
