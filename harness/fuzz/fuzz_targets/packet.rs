//! Fuzz target `packet`: see `quiesce::fuzzing::packet`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quiesce::fuzzing::packet(data));
