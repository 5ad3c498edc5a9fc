//! Fuzz target `suite_check`: see `quiesce::fuzzing::suite_check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quiesce::fuzzing::suite_check(data));
