#![no_main]
//! `binned_restore`: see `typed_pool_tests::fuzzing::binned`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| typed_pool_tests::fuzzing::binned::restore(data));
