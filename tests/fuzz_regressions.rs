//! Replays every saved fuzz input (`fuzz/regressions/<target>/*`: seeds, and inputs that
//! once crashed a target, kept so the bug stays fixed) and a batch of pseudo-random inputs
//! through the fuzz targets' bodies, so `cargo test` exercises them without libFuzzer.

use std::path::Path;

use pool_core::{Handle, Pool, Shuffler};
use typed_pool_tests::fuzzing::TARGETS;

/// The serde seeds are valid documents, so the fuzzer starts from inputs that get past
/// the parser.
#[test]
fn serde_seeds_decode() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/pool_serde");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let pool: Pool<String> = serde_json::from_slice(&read("seed-pool.json")).unwrap();
    assert_eq!(pool.len(), 2);
    let pool: Pool<u16> = postcard::from_bytes(&read("seed-pool.postcard")).unwrap();
    assert_eq!(pool.values().copied().collect::<Vec<_>>(), [7, 300]);
    let s: Shuffler<u8> = serde_json::from_slice(&read("seed-shuffler.json")).unwrap();
    assert_eq!(s.len(), 2);
    let s: Shuffler<u8> = postcard::from_bytes(&read("seed-shuffler.postcard")).unwrap();
    assert_eq!(s.len(), 1);
    let h: Handle<u8> = serde_json::from_slice(&read("seed-handle.json")).unwrap();
    assert_eq!(h.index(), 1);
}

#[test]
fn saved_inputs_still_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (name, run) in TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            eprintln!("replaying {}", path.display());
            run(&data);
            replayed += 1;
        }
    }
    eprintln!("{replayed} saved inputs replayed");
}

#[test]
fn pseudo_random_inputs_pass() {
    // xorshift64*: the same inputs on every run.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let (inputs, max_len) = if cfg!(miri) { (3, 96) } else { (300, 1024) };
    for (name, run) in TARGETS {
        for _ in 0..inputs {
            let len = (next() % max_len) as usize;
            let data: Vec<u8> = (0..len).map(|_| (next() >> 56) as u8).collect();
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{name} failed on {data:?}");
        }
    }
}
