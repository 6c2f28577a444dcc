#![no_main]
//! `binned_ops`: see `typed_pool_tests::fuzzing::binned`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| typed_pool_tests::fuzzing::binned::run(data));
