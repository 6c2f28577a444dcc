#![no_main]
//! `pool_serde`: see `typed_pool_tests::fuzzing::serde`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| typed_pool_tests::fuzzing::serde::run(data));
