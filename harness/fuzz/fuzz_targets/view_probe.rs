//! Fuzz target `view_probe`: see `quiesce::fuzzing::view_probe`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quiesce::fuzzing::view_probe(data));
