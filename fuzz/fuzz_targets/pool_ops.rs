#![no_main]
//! `pool_ops`: see `typed_pool_tests::fuzzing::pool`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| typed_pool_tests::fuzzing::pool::run(data));
