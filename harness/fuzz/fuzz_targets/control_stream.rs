//! Fuzz target `control_stream`: see `quiesce::fuzzing::control_stream`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quiesce::fuzzing::control_stream(data));
