//! Allocation failure: every fallible API returns its error when the global allocator
//! fails, changes nothing, and leaves the store usable; none aborts.
//!
//! A global allocator fails the Nth allocation. For each case and each N (from 1 until
//! the case no longer reaches an Nth allocation) the case runs in a child process of this
//! binary, so an abort through `handle_alloc_error` shows as a failed child instead of
//! killing the run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use allocator_api2::vec::Vec as ApiVec;
use pool_core::arena::{AllocError, Arena};
use pool_core::shuffler::ShuffleError;
use pool_core::{BinnedAllocator, BinnedError, Pool, PoolError, Shuffler, SnapshotError, SyncPool};

/// Allocations left before the one that fails; 0 means disarmed.
static COUNTDOWN: AtomicUsize = AtomicUsize::new(0);
/// Whether the armed failure happened.
static FAILED: AtomicBool = AtomicBool::new(false);

/// While set, every allocation is refused (for drops, which must not need memory).
static REFUSE_ALL: AtomicBool = AtomicBool::new(false);

struct FailNth;

impl FailNth {
    fn should_fail() -> bool {
        if REFUSE_ALL.load(Ordering::Relaxed) {
            FAILED.store(true, Ordering::Relaxed);
            return true;
        }
        let step =
            COUNTDOWN.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if step == Ok(1) {
            FAILED.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }
}

// SAFETY: delegates to `System`, or returns null (a legal failure) without allocating.
unsafe impl GlobalAlloc for FailNth {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::should_fail() {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Self::should_fail() {
            return std::ptr::null_mut();
        }
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Self::should_fail() {
            return std::ptr::null_mut();
        }
        // SAFETY: as in `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: FailNth = FailNth;

/// Fails the `n`th allocation from now (a case may arm several times; `FAILED` records
/// whether any armed failure happened).
fn arm(n: usize) {
    COUNTDOWN.store(n, Ordering::Relaxed);
}

fn disarm() {
    COUNTDOWN.store(0, Ordering::Relaxed);
}

// === cases: each arms the failure around fallible calls only, then checks the store ===

fn pool_try_insert(n: usize) {
    let mut pool: Pool<u64> = Pool::new();
    let kept: Vec<_> = (0..3).map(|i| pool.insert(i)).collect();
    // The test's own bookkeeping is allocated before arming.
    let mut added = Vec::with_capacity(200);
    arm(n);
    let mut error = None;
    for i in 0..200 {
        match pool.try_insert(100 + i) {
            Ok(h) => added.push(h),
            Err(e) => {
                error = Some((e.reason(), e.into_value(), i));
                break;
            }
        }
    }
    disarm();
    if let Some((e, v, i)) = error {
        assert_eq!(e, PoolError::AllocFailed);
        assert_eq!(v, 100 + i, "the value comes back");
    }
    assert_eq!(pool.len(), 3 + added.len());
    for (i, &h) in kept.iter().enumerate() {
        assert_eq!(pool[h], i as u64);
    }
    for _ in 0..300 {
        pool.insert(1);
    }
    assert_eq!(pool.iter().count(), pool.len());
}

fn pool_try_reserve(n: usize) {
    let mut pool: Pool<[u8; 24]> = Pool::new();
    pool.insert([1; 24]);
    let cap = pool.capacity();
    arm(n);
    let r = pool.try_reserve(5000);
    disarm();
    match r {
        Ok(()) => assert!(pool.capacity() >= 5001),
        Err(e) => {
            assert_eq!(e, PoolError::AllocFailed);
            assert_eq!(pool.capacity(), cap, "nothing changes on error");
        }
    }
    arm(n);
    let r = pool.try_insert([2; 24]);
    disarm();
    assert!(r.is_ok() || r.unwrap_err().reason() == PoolError::AllocFailed);
    for _ in 0..10_000 {
        pool.insert([3; 24]);
    }
    assert_eq!(pool.iter().count(), pool.len());
}

fn pool_try_acquire(n: usize) {
    let mut pool: Pool<Vec<u8>> = Pool::new();
    arm(n);
    let mut got = 0;
    while got < 100 {
        match pool.try_acquire() {
            Ok(_) => got += 1,
            Err(e) => {
                assert_eq!(e, PoolError::AllocFailed);
                break;
            }
        }
    }
    disarm();
    assert_eq!(pool.len(), got);
    assert_eq!(pool.stats().acquire_misses, got as u64);
    pool.acquire();
}

/// Releasing while the spare list cannot grow drops the value instead (never aborts), and
/// guards keep working.
fn pool_release_and_guards(n: usize) {
    let mut pool: Pool<Vec<u8>> = Pool::new();
    let hs: Vec<_> = (0..64).map(|_| pool.acquire()).collect();
    arm(n);
    let mut kept = 0;
    for h in hs {
        let spares = pool.stats().spares;
        assert!(pool.release(h));
        kept += (pool.stats().spares > spares) as usize;
    }
    for _ in 0..64 {
        if let Ok(g) = pool.try_acquire_guard() {
            assert!(g.is_empty());
        }
    }
    disarm();
    assert_eq!(pool.len(), 0);
    assert!(pool.stats().spares <= kept.max(1));
    let h = pool.acquire();
    assert!(pool[h].is_empty());
}

/// A recycler's leases while memory is refused: acquires report `AllocFailed` or
/// succeed, releases that cannot remember a spare drop the value instead (never abort),
/// and the session keeps working.
fn pool_recycler(n: usize) {
    let mut pool: Pool<Vec<u8>> = Pool::with_capacity(32);
    arm(n);
    for _ in 0..3 {
        let recycler = pool.recycler();
        let mut leases: [_; 32] = core::array::from_fn(|_| recycler.try_acquire());
        for lease in leases.iter_mut().flatten() {
            assert!(lease.is_empty());
            if lease.try_reserve(1).is_ok() {
                lease.push(1);
            }
        }
        for r in &leases {
            assert!(matches!(r, Ok(_) | Err(PoolError::AllocFailed)));
        }
    }
    disarm();
    assert_eq!(pool.len(), 0);
    let spares = pool.stats().spares;
    let recycler = pool.recycler();
    assert_eq!(recycler.room(), 32);
    let lease = recycler.acquire();
    assert!(lease.is_empty());
    drop(lease);
    drop(recycler);
    assert!(pool.stats().spares >= spares.min(1));
}

fn arena_try(n: usize) {
    arm(n);
    let fresh = Arena::try_with_capacity(100);
    disarm();
    assert!(matches!(fresh, Ok(_) | Err(AllocError::AllocFailed)));
    let arena = Arena::with_limit(1 << 24);
    arena.alloc(1u32);
    let before = arena.stats();
    arm(n);
    let mut failed = false;
    let mut sizes = 0;
    for i in 0..200usize {
        let len = 1 + (i * 997) % 20_000;
        match arena.try_alloc_slice_fill_with(len, |j| j as u8) {
            Ok(s) => {
                sizes += len;
                assert_eq!(s.len(), len);
            }
            Err(e) => {
                assert_eq!(e, AllocError::AllocFailed);
                failed = true;
                break;
            }
        }
    }
    disarm();
    assert!(failed || sizes > 0);
    assert_eq!(
        arena.stats().allocated_bytes,
        before.allocated_bytes + sizes
    );
    // Usable afterwards, also as an `allocator_api2` allocator.
    let mut v: ApiVec<u64, _> = ApiVec::new_in(&arena);
    arm(n);
    let r = v.try_reserve(10_000);
    disarm();
    assert!(r.is_ok() || v.capacity() == 0);
    v.extend(0..20_000);
    assert_eq!(v.iter().sum::<u64>(), 20_000 * 19_999 / 2);
}

fn shuffler_try_alloc(n: usize) {
    shuffler_try_alloc_case(n, None);
}

/// With a budget set, `try_alloc_with` and `free` also run a compaction step, whose
/// working lists need memory: refused, the step is skipped, never an abort.
fn shuffler_try_alloc_budget(n: usize) {
    shuffler_try_alloc_case(n, Some(64));
}

fn shuffler_try_alloc_case(n: usize, budget: Option<usize>) {
    // Elements whose construction does not allocate: only the shuffler's own
    // allocations are failed.
    let s: Shuffler<u64> = Shuffler::new();
    s.set_budget(budget);
    let mut made = Vec::with_capacity(100);
    arm(n);
    let mut error = None;
    for i in 0..100usize {
        // Zero-length blocks first: the very first block of a fresh shuffler.
        match s.try_alloc_with(i % 7, |j| j as u64) {
            Ok(h) => made.push((h, i % 7)),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        if i % 3 == 0 {
            let (h, _) = made.remove(0);
            s.free(h);
        }
    }
    disarm();
    if let Some(e) = error {
        assert_eq!(e, ShuffleError::AllocFailed);
    }
    assert_eq!(s.len(), made.len());
    for &(h, len) in &made {
        let block = s.rent(h).unwrap();
        assert_eq!(block.len(), len);
        assert!(block.iter().enumerate().all(|(j, v)| *v == j as u64));
    }
    s.shuffle();
    let h = s.alloc_with(3, |j| j as u64);
    assert_eq!(s.rent(h).unwrap()[2], 2);
}

fn binned_try_alloc(n: usize) {
    let mut a = BinnedAllocator::new();
    let first = a.alloc(10);
    let mut live = Vec::with_capacity(200);
    live.push(first);
    arm(n);
    let mut error = None;
    for i in 0..120usize {
        let r = match i % 4 {
            0 => a.try_alloc(1 + i),
            1 => a.try_alloc(70_000 + i),
            2 => a.try_alloc_layout(64, 8192),
            _ => a.try_alloc(3000),
        };
        match r {
            Ok(h) => live.push(h),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        if i % 5 == 4 {
            let h = live.remove(1);
            assert!(a.free(h));
        }
    }
    disarm();
    if let Some(e) = error {
        assert_eq!(e, BinnedError::AllocFailed);
    }
    assert_eq!(a.stats().live_blocks, live.len() as u64);
    // A refused page-map node loses no lookup: every live block is still found.
    for &h in &live {
        assert_eq!(a.handle_of(a.get(h).unwrap().as_ptr()), Some(h));
    }
    for h in live {
        assert!(a.free(h));
    }
    assert_eq!(a.stats().live_bytes, 0);
}

fn binned_restore(n: usize) {
    let table = pool_core::size_class::SizeClassTable::custom(&[16, 64, 256]).unwrap();
    let mut src = BinnedAllocator::builder().table(table).build();
    let hs: Vec<_> = (0..40).map(|i| src.alloc(1 + i * 9)).collect();
    for h in hs.iter().step_by(3) {
        src.free(*h);
    }
    let snap = src.snapshot();
    let expected = src.stats().live_blocks;
    let mut a = BinnedAllocator::new();
    let mine = a.alloc(5);
    let before = a.snapshot();
    arm(n);
    let r = a.restore(&snap);
    let built = BinnedAllocator::from_snapshot(&snap).map(|b| b.stats().live_blocks);
    disarm();
    match r {
        Ok(()) => {
            assert_eq!(a.snapshot(), snap);
            for (h, bytes) in a.iter() {
                assert_eq!(a.handle_of(bytes.as_ptr()), Some(h));
            }
        }
        Err(e) => {
            assert_eq!(e, SnapshotError::AllocFailed);
            assert_eq!(a.snapshot(), before, "nothing changes on error");
            assert!(a.contains(mine));
        }
    }
    assert!(built == Ok(expected) || built == Err(SnapshotError::AllocFailed));
    // Whatever state it is in, freeing never allocates and allocating works.
    a.alloc(100);
}

fn sync_pool_try_insert(n: usize) {
    let pool: SyncPool<u64> = SyncPool::new();
    // Touch the pool first: the thread's id and thread-locals are set up outside the test.
    let kept: Vec<_> = (0..3).map(|i| pool.insert(i)).collect();
    let mut added = Vec::with_capacity(2000);
    arm(n);
    let mut error = None;
    for i in 0..2000 {
        match pool.try_insert(100 + i) {
            Ok(h) => added.push(h),
            Err(e) => {
                error = Some((e.reason(), e.into_value(), i));
                break;
            }
        }
    }
    let acquired = pool.try_acquire();
    disarm();
    if let Some((e, v, i)) = error {
        assert_eq!(e, PoolError::AllocFailed);
        assert_eq!(v, 100 + i, "the value comes back");
    }
    if let Err(e) = acquired {
        assert_eq!(e, PoolError::AllocFailed);
    }
    assert_eq!(pool.len(), 3 + added.len() + usize::from(acquired.is_ok()));
    for (i, &h) in kept.iter().enumerate() {
        assert_eq!(*pool.get(h).unwrap(), i as u64);
    }
    for &h in &added {
        assert!(pool.contains(h));
    }
    for _ in 0..3000 {
        pool.insert(1);
    }
}

/// Every other fallible call of every store, in one sequence: each returns its
/// allocation-failure error or succeeds, never aborts, and the store stays usable.
fn other_try_apis(n: usize) {
    use pool_core::arena::{AllocOrInitError, ArenaString};
    use pool_core::TryInsertError;
    let mut pool: Pool<Vec<u8>> = Pool::new();
    let sync: SyncPool<Vec<u8>> = SyncPool::new();
    sync.insert(Vec::new());
    let mut binned = BinnedAllocator::new();
    binned.alloc(1);
    let arena = Arena::with_limit(1 << 24);
    arena.alloc(1u8);
    let pool_failed = |e: &PoolError| *e == PoolError::AllocFailed;
    let arena_failed = |e: &AllocError| *e == AllocError::AllocFailed;
    // Values and sources that need no memory while armed: only the stores' own
    // allocations are failed.
    let source = "x".repeat(12_000);
    arm(n);
    for round in 0..4usize {
        match pool.try_vacant_entry() {
            Ok(entry) => {
                entry.insert(Vec::new());
            }
            Err(e) => assert!(pool_failed(&e)),
        }
        match pool.try_insert_with(|_| Ok::<_, ()>(Vec::new())) {
            Ok(_) | Err(TryInsertError::Init(())) => {}
            Err(TryInsertError::NoRoom(e)) => assert!(pool_failed(&e)),
        }
        if let Err(e) = pool.try_reserve_exact(50 * (round + 1)) {
            assert!(pool_failed(&e));
        }
        if let Err(e) = pool.try_acquire_with(Vec::new) {
            assert!(pool_failed(&e));
        }
        // Past the slots reserved above, and past the spare list's room.
        let spares = pool.stats().spares;
        if let Err(e) = pool.try_prefill_with(spares + 40 * (round + 1), Vec::new) {
            assert!(pool_failed(&e));
        }
        {
            let recycler = pool.recycler();
            if let Err(e) = recycler.try_acquire_with(Vec::new) {
                assert!(pool_failed(&e));
            };
        }
        if let Err(e) = sync.try_acquire_with(Vec::new) {
            assert!(pool_failed(&e));
        }
        if let Err(e) = sync.try_acquire_guard_with(Vec::new) {
            assert!(pool_failed(&e));
        }
        for size in [24, 5000, 100_000] {
            if let Err(e) = binned.try_alloc_aligned(size, 64 << round) {
                assert_eq!(e, BinnedError::AllocFailed);
            }
        }
        if let Err(e) = binned.try_alloc_pod(7u64 << round) {
            assert_eq!(e, BinnedError::AllocFailed);
        }
        let big = 3000 * (round + 1);
        if let Err(e) = arena.try_alloc_box([round; 4]) {
            assert!(arena_failed(&e));
        }
        if let Err(e) = arena.try_alloc_with_drop(Vec::<u8>::new()) {
            assert!(arena_failed(&e));
        }
        match arena.try_alloc_try_with(|| Ok::<_, ()>([0u8; 2000])) {
            Ok(_) | Err(AllocOrInitError::Init(())) => {}
            Err(AllocOrInitError::Alloc(e)) => assert!(arena_failed(&e)),
        }
        match arena.try_alloc_slice_try_fill_with(big, |i| Ok::<_, ()>(i as u16)) {
            Ok(s) => assert_eq!(s.len(), big),
            Err(AllocOrInitError::Init(())) => unreachable!(),
            Err(AllocOrInitError::Alloc(e)) => assert!(arena_failed(&e)),
        }
        if let Err(e) = arena.try_alloc_box_slice_fill_with(big, |i| i as u64) {
            assert!(arena_failed(&e));
        }
        if let Err(e) = arena.try_alloc_slice_copy(&[round as u32; 1500]) {
            assert!(arena_failed(&e));
        }
        if let Err(e) = arena.try_alloc_slice_clone(&[(round, 'c'); 700]) {
            assert!(arena_failed(&e));
        }
        if let Err(e) = arena.try_alloc_str(&source[..big]) {
            assert!(arena_failed(&e));
        }
        let mut text = ArenaString::new_in(&arena);
        let _ = text.try_reserve(big);
        let _ = text.try_push_str("typed-pool");
        assert!(text.is_empty() || text.as_str() == "typed-pool");
    }
    let fresh = Arena::try_new();
    disarm();
    assert!(matches!(fresh, Ok(_) | Err(AllocError::AllocFailed)));
    // Everything still works.
    let h = pool.insert(vec![9]);
    assert_eq!(pool[h], [9]);
    assert_eq!(pool.iter().count(), pool.len());
    let h = sync.insert(vec![9]);
    assert_eq!(*sync.get(h).unwrap(), [9]);
    let b = binned.alloc_aligned(100, 4096);
    assert_eq!(binned.get(b).unwrap().as_ptr() as usize % 4096, 0);
    assert_eq!(*arena.alloc(5u64), 5);
}

/// A case: its name, and the body that fails allocation `n` (counted from arming).
type Case = (&'static str, fn(usize));

/// Every store dropped full (live values, pending blocks, leaked rents in debug mode)
/// while the allocator refuses everything: dropping must not need memory, or it would
/// abort. (Run once: `n` is not used.)
fn drops_while_memory_is_refused(_: usize) {
    let mut pool = Pool::new();
    for i in 0..100 {
        pool.insert(i.to_string());
    }
    let kept = pool.insert(String::from("rented"));
    std::mem::forget(pool.rentals().rent_mut(kept).unwrap());
    let shuffler: Shuffler<String> = Shuffler::new();
    let blocks: Vec<_> = (0..20)
        .map(|i| shuffler.alloc_with(3, |j| format!("{i}.{j}")))
        .collect();
    shuffler.free(blocks[0]);
    shuffler.free(blocks[7]);
    let mut binned = BinnedAllocator::new();
    for i in 0..50 {
        binned.alloc(1 + i * 37);
    }
    binned.alloc(100_000);
    binned.alloc_aligned(100, 1 << 13);
    let sync: SyncPool<String> = SyncPool::new();
    for i in 0..50 {
        sync.insert(i.to_string());
    }
    REFUSE_ALL.store(true, Ordering::Relaxed);
    drop(pool);
    drop(shuffler);
    drop(binned);
    drop(sync);
    REFUSE_ALL.store(false, Ordering::Relaxed);
    // Refusals (debug mode's leak reports ask for memory) are expected and survived: one
    // run is enough.
    FAILED.store(false, Ordering::Relaxed);
}

const CASES: &[Case] = &[
    ("pool_try_insert", pool_try_insert),
    ("pool_try_reserve", pool_try_reserve),
    ("pool_try_acquire", pool_try_acquire),
    ("pool_release_and_guards", pool_release_and_guards),
    ("pool_recycler", pool_recycler),
    ("arena_try", arena_try),
    ("shuffler_try_alloc", shuffler_try_alloc),
    ("shuffler_try_alloc_budget", shuffler_try_alloc_budget),
    ("binned_try_alloc", binned_try_alloc),
    ("binned_restore", binned_restore),
    ("sync_pool_try_insert", sync_pool_try_insert),
    ("other_try_apis", other_try_apis),
    (
        "drops_while_memory_is_refused",
        drops_while_memory_is_refused,
    ),
];

/// Most failure points tried per case (each is one child process).
const MAX_N: usize = 400;

fn main() {
    if let Ok(spec) = std::env::var("TYPED_POOL_ALLOC_FAILURE_CASE") {
        let (name, n) = spec.split_once(':').expect("case:n");
        let n: usize = n.parse().expect("n");
        let case = CASES.iter().find(|c| c.0 == name).expect("known case").1;
        case(n);
        // Tell the parent whether the Nth allocation was reached.
        println!(
            "{}",
            if FAILED.load(Ordering::Relaxed) {
                "HIT"
            } else {
                "MISS"
            }
        );
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let (mut passed, mut failed) = (0usize, 0usize);
    for &(name, _) in CASES {
        let mut runs = 0;
        for n in 1..=MAX_N {
            let out = Command::new(&exe)
                .env("TYPED_POOL_ALLOC_FAILURE_CASE", format!("{name}:{n}"))
                .output()
                .expect("spawn child");
            runs += 1;
            if !out.status.success() {
                failed += 1;
                eprintln!(
                    "alloc_failure: {name} with allocation {n} failing: {}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                break;
            }
            if String::from_utf8_lossy(&out.stdout).trim() == "MISS" {
                break;
            }
        }
        passed += 1;
        println!("alloc_failure: {name}: {runs} failure points");
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
