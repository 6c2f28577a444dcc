#![no_main]
//! `shuffler_ops`: see `typed_pool_tests::fuzzing::shuffler`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| typed_pool_tests::fuzzing::shuffler::run(data));
