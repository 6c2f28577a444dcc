//! `SmallPool` against glibc malloc (`System`), mimalloc and jemalloc, each called
//! directly through `GlobalAlloc`, same run, same size sequences: churn with 10k live
//! blocks of mixed sizes, alloc/free pairs, a batch of 1000 freed FIFO, and
//! producer/consumer across two threads (allocated on one, freed on the other). Every
//! block gets its first and last byte written, as a user's would.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mimalloc::MiMalloc;
use pool_core::small_pool::SmallPool;
use tikv_jemallocator::Jemalloc;
use typed_pool_tests::{size_mix as sizes, XorShift};

static SMALL_POOL: SmallPool = SmallPool::new();

#[derive(Clone, Copy)]
struct Block(*mut u8, Layout);
// SAFETY: a block is used by one thread at a time (handed over through the ring).
unsafe impl Send for Block {}

#[inline(always)]
fn alloc(a: &impl GlobalAlloc, size: usize) -> Block {
    let layout = Layout::from_size_align(size, 8).unwrap();
    // SAFETY: every size in the mix is non-zero.
    let p = unsafe { a.alloc(layout) };
    assert!(!p.is_null());
    // SAFETY: the block holds `size` bytes.
    unsafe {
        p.write(size as u8);
        p.add(size - 1).write(1);
    }
    Block(p, layout)
}

#[inline(always)]
fn free(a: &impl GlobalAlloc, b: Block) {
    // SAFETY: `b.0` came from `a.alloc(b.1)` and is freed once.
    unsafe { a.dealloc(b.0, b.1) }
}

const LIVE: usize = 10_000;
const OPS: usize = 10_000;

fn churn(c: &mut Criterion, name: &str, a: &'static (impl GlobalAlloc + Sync)) {
    let mut g = c.benchmark_group("small_pool/churn_10k_live");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function(name, |b| {
        let mut live: Vec<Block> = sizes(LIVE, 1).iter().map(|&s| alloc(a, s)).collect();
        let next = sizes(OPS, 2);
        let mut rng = XorShift(3);
        let picks: Vec<usize> = (0..OPS).map(|_| rng.next() as usize % LIVE).collect();
        b.iter(|| {
            for (&size, &i) in next.iter().zip(&picks) {
                free(a, black_box(live[i]));
                live[i] = alloc(a, black_box(size));
            }
        });
        live.into_iter().for_each(|blk| free(a, blk));
    });
    g.finish();
}

fn pairs(c: &mut Criterion, name: &str, a: &'static (impl GlobalAlloc + Sync)) {
    let mut g = c.benchmark_group("small_pool/alloc_free_pairs");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function(name, |b| {
        let s = sizes(OPS, 4);
        b.iter(|| {
            for &size in &s {
                let blk = alloc(a, black_box(size));
                free(a, black_box(blk));
            }
        });
    });
    g.finish();
}

fn batch_fifo(c: &mut Criterion, name: &str, a: &'static (impl GlobalAlloc + Sync)) {
    let mut g = c.benchmark_group("small_pool/batch_1000_fifo");
    g.throughput(Throughput::Elements(1000));
    g.bench_function(name, |b| {
        let s = sizes(1000, 5);
        let mut batch = Vec::with_capacity(1000);
        b.iter(|| {
            for &size in &s {
                batch.push(alloc(a, black_box(size)));
            }
            for blk in batch.drain(..) {
                free(a, black_box(blk));
            }
        });
    });
    g.finish();
}

/// A bounded single-producer single-consumer ring of blocks (so that the hand-over costs
/// the same for every allocator and involves no allocation).
struct Ring {
    slots: Vec<std::cell::UnsafeCell<Block>>,
    head: AtomicUsize,
    tail: AtomicUsize,
}

// SAFETY: one producer writes a slot before publishing it with `tail` (release); one
// consumer reads it after seeing `tail` (acquire) and frees it with `head` (release).
unsafe impl Sync for Ring {}

const RING: usize = 1024;
const HANDED: usize = 20_000;

impl Ring {
    fn new() -> Self {
        Ring {
            slots: (0..RING)
                .map(|_| {
                    std::cell::UnsafeCell::new(Block(std::ptr::null_mut(), Layout::new::<u8>()))
                })
                .collect(),
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        }
    }

    fn push(&self, b: Block) {
        let t = self.tail.load(Ordering::Relaxed);
        while t - self.head.load(Ordering::Acquire) == RING {
            std::hint::spin_loop();
        }
        // SAFETY: the slot is free (the consumer is past it) and only the producer writes.
        unsafe { *self.slots[t % RING].get() = b };
        self.tail.store(t + 1, Ordering::Release);
    }

    fn pop(&self) -> Block {
        let h = self.head.load(Ordering::Relaxed);
        while self.tail.load(Ordering::Acquire) == h {
            std::hint::spin_loop();
        }
        // SAFETY: the slot was published by the producer; only the consumer reads it.
        let b = unsafe { *self.slots[h % RING].get() };
        self.head.store(h + 1, Ordering::Release);
        b
    }
}

fn producer_consumer(c: &mut Criterion, name: &str, a: &'static (impl GlobalAlloc + Sync)) {
    let mut g = c.benchmark_group("small_pool/producer_consumer");
    g.throughput(Throughput::Elements(HANDED as u64));
    let s = sizes(HANDED, 6);
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let ring = Ring::new();
                let start = Instant::now();
                std::thread::scope(|scope| {
                    scope.spawn(|| {
                        for _ in 0..HANDED {
                            let blk = ring.pop();
                            // SAFETY: the consumer reads what the producer wrote.
                            black_box(unsafe { blk.0.read() });
                            free(a, blk);
                        }
                    });
                    for &size in &s {
                        ring.push(alloc(a, size));
                    }
                });
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    churn(c, "small_pool", &SMALL_POOL);
    churn(c, "system", &System);
    churn(c, "mimalloc", &MiMalloc);
    churn(c, "jemalloc", &Jemalloc);
    pairs(c, "small_pool", &SMALL_POOL);
    pairs(c, "system", &System);
    pairs(c, "mimalloc", &MiMalloc);
    pairs(c, "jemalloc", &Jemalloc);
    batch_fifo(c, "small_pool", &SMALL_POOL);
    batch_fifo(c, "system", &System);
    batch_fifo(c, "mimalloc", &MiMalloc);
    batch_fifo(c, "jemalloc", &Jemalloc);
    producer_consumer(c, "small_pool", &SMALL_POOL);
    producer_consumer(c, "system", &System);
    producer_consumer(c, "mimalloc", &MiMalloc);
    producer_consumer(c, "jemalloc", &Jemalloc);
}

criterion_group! {
    name = small_pool;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(small_pool);
