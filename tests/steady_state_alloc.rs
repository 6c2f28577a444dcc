//! A pool of packets recycled through `acquire` / `release` makes no heap allocation
//! once warm, and freeing shuffler blocks allocates nothing.

use pool_core::{Pool, Reset, Shuffler};
use typed_pool_tests::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[derive(Default)]
struct Packet {
    payload: Vec<u8>,
    seq: u32,
}

impl Reset for Packet {
    fn reset(&mut self) {
        self.payload.clear();
        self.seq = 0;
    }
}

fn frame(pool: &mut Pool<Packet>, live: &mut Vec<pool_core::Handle<Packet>>, n: u32) {
    for i in 0..n {
        let h = pool.acquire();
        let p = &mut pool[h];
        assert!(p.payload.is_empty() && p.seq == 0, "spares come back reset");
        p.seq = i;
        p.payload
            .extend(std::iter::repeat_n(i as u8, 64 + (i as usize % 7) * 100));
        live.push(h);
    }
    for h in live.drain(..) {
        assert!(pool.release(h));
    }
}

#[test]
fn recycling_reaches_zero_allocations() {
    let mut pool = Pool::new();
    let mut live = Vec::with_capacity(256);
    for _ in 0..3 {
        frame(&mut pool, &mut live, 200);
    }
    let before = ALLOC.thread_allocations();
    for _ in 0..50 {
        frame(&mut pool, &mut live, 200);
    }
    assert_eq!(
        ALLOC.thread_allocations() - before,
        0,
        "steady state must not allocate"
    );
    let s = pool.stats();
    assert_eq!(s.acquire_misses, 200);
    assert_eq!(s.acquire_hits, 52 * 200);
}

#[test]
fn recycled_guards_reach_zero_allocations() {
    let mut pool: Pool<Packet> = Pool::new();
    for i in 0..3u8 {
        let mut p = pool.acquire_guard();
        p.payload.extend_from_slice(&[i; 1500]);
    }
    let before = ALLOC.thread_allocations();
    for i in 0..1000u32 {
        let mut p = pool.acquire_guard();
        assert!(p.payload.is_empty() && p.payload.capacity() >= 1500);
        p.seq = i;
        p.payload.extend_from_slice(&[i as u8; 1500]);
    }
    assert_eq!(
        ALLOC.thread_allocations() - before,
        0,
        "guards must not allocate once warm"
    );
    assert_eq!(pool.stats().acquire_misses, 1);
}

#[test]
fn freeing_shuffler_blocks_never_allocates() {
    let s: Shuffler<u32> = Shuffler::new();
    // Some freed while rented (their frees wait for the guard), some from a clone.
    let hs: Vec<_> = (0..1000u32).map(|i| s.alloc_from_slice(&[i; 3])).collect();
    let guards: Vec<_> = hs.iter().step_by(7).map(|h| s.rent(*h).unwrap()).collect();
    let before = ALLOC.thread_allocations();
    for h in &hs {
        assert!(s.free(*h));
    }
    assert_eq!(
        ALLOC.thread_allocations() - before,
        0,
        "free must not allocate"
    );
    drop(guards);
    assert_eq!(s.stats().pending_frees, 1000);
    s.shuffle();
    assert_eq!(s.stats().pending_frees, 0);

    // A copy (built from a list of blocks, as `Deserialize` builds one) frees for free
    // too.
    let s: Shuffler<u32> = Shuffler::new();
    for i in 0..100u32 {
        s.alloc_from_slice(&[i; 2]);
    }
    let mut copy = s.clone();
    let hs: Vec<_> = copy.iter().map(|(h, _)| h).collect();
    let before = ALLOC.thread_allocations();
    for h in hs {
        assert!(copy.free(h));
    }
    assert_eq!(ALLOC.thread_allocations() - before, 0);
}
