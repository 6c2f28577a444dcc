#![no_main]
//! `arena_ops`: see `typed_pool_tests::fuzzing::arena`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| typed_pool_tests::fuzzing::arena::run(data));
