//! SyncPool against sharded-slab, object-pool, opool and lockfree-object-pool (and the
//! single-threaded `Pool<T>`), same process, same work:
//!
//! - `churn`: 10k live `u64`s, remove a random one and insert a new one (1 and 2 threads,
//!   each thread on its own values);
//! - `cross_thread_free`: one thread inserts, the other removes (keys over a channel);
//! - `producer_consumer`: one thread acquires a 1500-byte buffer and writes its first and
//!   last byte, the other reads them and releases it (guards over a channel);
//! - `acquire_release`: one thread acquires a 1500-byte buffer, writes it, releases it.
//!
//! `cargo bench --bench sync_pool`; `python3 ci/bench_table.py` prints the ratios.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use opool::PoolAllocator;
use pool_core::{Handle, Pool, SyncPool};
use typed_pool_tests::XorShift as Rng;

const LIVE: usize = 10_000;
const BUF: usize = 1500;

/// Churns `iters` times over `LIVE` values of the calling thread; times the churn only.
fn churn_sync(pool: &SyncPool<u64>, iters: u64, seed: u64, ready: &Barrier) -> Duration {
    let mut keys: Vec<Handle<u64>> = (0..LIVE as u64).map(|i| pool.insert(i)).collect();
    let mut rng = Rng(seed);
    ready.wait();
    let start = Instant::now();
    for i in 0..iters {
        let k = rng.below(LIVE);
        black_box(pool.remove(keys[k]));
        keys[k] = pool.insert(i);
    }
    let t = start.elapsed();
    for k in keys {
        pool.remove(k);
    }
    t
}

fn churn_slab(slab: &sharded_slab::Slab<u64>, iters: u64, seed: u64, ready: &Barrier) -> Duration {
    let mut keys: Vec<usize> = (0..LIVE as u64).map(|i| slab.insert(i).unwrap()).collect();
    let mut rng = Rng(seed);
    ready.wait();
    let start = Instant::now();
    for i in 0..iters {
        let k = rng.below(LIVE);
        black_box(slab.remove(keys[k]));
        keys[k] = slab.insert(i).unwrap();
    }
    let t = start.elapsed();
    for k in keys {
        slab.remove(k);
    }
    t
}

/// Runs `f(iters, seed, ready)` on `threads` threads at once (each waits on `ready` when
/// its set-up is done, so they churn together); the longest time any of them reports.
fn on_threads(
    threads: usize,
    iters: u64,
    f: impl Fn(u64, u64, &Barrier) -> Duration + Sync,
) -> Duration {
    let barrier = Barrier::new(threads);
    let times: Vec<Duration> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                let (f, barrier) = (&f, &barrier);
                s.spawn(move || f(iters, t as u64 + 1, barrier))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    times.into_iter().max().unwrap_or_default()
}

fn churn(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync_churn_1t");
    g.bench_function("typed_pool_SyncPool", |b| {
        let pool = SyncPool::new();
        b.iter_custom(|n| on_threads(1, n, |n, s, r| churn_sync(&pool, n, s, r)));
    });
    g.bench_function("sharded_slab", |b| {
        let slab = sharded_slab::Slab::new();
        b.iter_custom(|n| on_threads(1, n, |n, s, r| churn_slab(&slab, n, s, r)));
    });
    g.bench_function("typed_pool_Pool", |b| {
        b.iter_custom(|n| {
            let mut pool = Pool::new();
            let mut keys: Vec<Handle<u64>> = (0..LIVE as u64).map(|i| pool.insert(i)).collect();
            let mut rng = Rng(1);
            let start = Instant::now();
            for i in 0..n {
                let k = rng.below(LIVE);
                black_box(pool.remove(keys[k]));
                keys[k] = pool.insert(i);
            }
            start.elapsed()
        });
    });
    g.finish();

    // Per-operation time with two threads working at once (each on its own values).
    let mut g = c.benchmark_group("sync_churn_2t");
    g.bench_function("typed_pool_SyncPool", |b| {
        let pool = SyncPool::new();
        b.iter_custom(|n| on_threads(2, n, |n, s, r| churn_sync(&pool, n, s, r)));
    });
    g.bench_function("sharded_slab", |b| {
        let slab = sharded_slab::Slab::new();
        b.iter_custom(|n| on_threads(2, n, |n, s, r| churn_slab(&slab, n, s, r)));
    });
    g.finish();
}

fn cross_thread_free(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync_cross_thread_free");
    g.bench_function("typed_pool_SyncPool", |b| {
        let pool = SyncPool::new();
        b.iter_custom(|n| {
            let (tx, rx) = sync_channel::<Handle<u64>>(1024);
            let start = Instant::now();
            std::thread::scope(|s| {
                s.spawn(|| {
                    for h in rx {
                        black_box(pool.remove(h));
                    }
                });
                for i in 0..n {
                    tx.send(pool.insert(i)).unwrap();
                }
                drop(tx);
            });
            start.elapsed()
        });
    });
    g.bench_function("sharded_slab", |b| {
        let slab = sharded_slab::Slab::new();
        b.iter_custom(|n| {
            let (tx, rx) = sync_channel::<usize>(1024);
            let start = Instant::now();
            std::thread::scope(|s| {
                s.spawn(|| {
                    for k in rx {
                        black_box(slab.remove(k));
                    }
                });
                for i in 0..n {
                    tx.send(slab.insert(i).unwrap()).unwrap();
                }
                drop(tx);
            });
            start.elapsed()
        });
    });
    g.finish();
}

/// A 1500-byte buffer. Recycling leaves its bytes as they are in every pool (the peers do
/// not reset either); the user writes what they need.
struct Buf(Vec<u8>);

impl pool_core::Reset for Buf {
    fn reset(&mut self) {}
}

impl Default for Buf {
    fn default() -> Self {
        buffer()
    }
}

fn buffer() -> Buf {
    Buf(vec![0; BUF])
}

struct BufAlloc;
impl PoolAllocator<Buf> for BufAlloc {
    fn allocate(&self) -> Buf {
        buffer()
    }
}

/// Producer/consumer: `acquire` returns a `Send` guard holding a 1500-byte buffer.
fn producer_consumer<G: Send + std::ops::DerefMut<Target = Buf>>(
    n: u64,
    acquire: impl Fn() -> G + Sync,
) -> Duration {
    let (tx, rx) = sync_channel::<G>(256);
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            for g in rx {
                black_box(g.0[0] ^ g.0[BUF - 1]);
                drop(g); // released on the consumer
            }
        });
        for i in 0..n {
            let mut g = acquire();
            g.0[0] = i as u8;
            g.0[BUF - 1] = i as u8;
            tx.send(g).unwrap();
        }
        drop(tx);
    });
    start.elapsed()
}

fn recycling(c: &mut Criterion) {
    let mut g = c.benchmark_group("sync_producer_consumer_1500B");
    g.bench_function("typed_pool_SyncPool", |b| {
        let pool: SyncPool<Buf> = SyncPool::builder().factory(buffer).build();
        b.iter_custom(|n| producer_consumer(n, || pool.acquire_guard()));
    });
    g.bench_function("object_pool", |b| {
        let pool = Arc::new(object_pool::Pool::new(256, buffer));
        b.iter_custom(|n| producer_consumer(n, || pool.pull_owned(buffer)));
    });
    g.bench_function("opool", |b| {
        let pool = Arc::new(opool::Pool::new(256, BufAlloc));
        b.iter_custom(|n| producer_consumer(n, || pool.clone().get_rc()));
    });
    g.bench_function("lockfree_object_pool", |b| {
        let pool = Arc::new(lockfree_object_pool::LinearObjectPool::new(buffer, |_| {}));
        b.iter_custom(|n| producer_consumer(n, || pool.pull_owned()));
    });
    g.finish();

    let mut g = c.benchmark_group("sync_acquire_release_1500B");
    g.bench_function("typed_pool_SyncPool", |b| {
        let pool: SyncPool<Buf> = SyncPool::builder().factory(buffer).build();
        b.iter(|| {
            let mut buf = pool.acquire_guard();
            buf.0[0] = 1;
            buf.0[BUF - 1] = 1;
            black_box(&mut buf.0);
        });
    });
    g.bench_function("typed_pool_Pool", |b| {
        let mut pool: Pool<Buf> = Pool::new();
        b.iter(|| {
            let h = pool.acquire();
            pool[h].0[0] = 1;
            pool[h].0[BUF - 1] = 1;
            black_box(&mut pool[h].0);
            pool.release(h);
        });
    });
    g.bench_function("opool_LocalPool", |b| {
        let pool = opool::LocalPool::new(64, BufAlloc);
        b.iter(|| {
            let mut buf = pool.get();
            buf.0[0] = 1;
            buf.0[BUF - 1] = 1;
            black_box(&mut buf.0);
        });
    });
    g.bench_function("opool", |b| {
        let pool = opool::Pool::new(64, BufAlloc);
        b.iter(|| {
            let mut buf = pool.get();
            buf.0[0] = 1;
            buf.0[BUF - 1] = 1;
            black_box(&mut buf.0);
        });
    });
    g.bench_function("object_pool", |b| {
        let pool = object_pool::Pool::new(64, buffer);
        b.iter(|| {
            let mut buf = pool.pull(buffer);
            buf.0[0] = 1;
            buf.0[BUF - 1] = 1;
            black_box(&mut buf.0);
        });
    });
    g.bench_function("lockfree_object_pool", |b| {
        let pool = lockfree_object_pool::LinearObjectPool::new(buffer, |_| {});
        b.iter(|| {
            let mut buf = pool.pull();
            buf.0[0] = 1;
            buf.0[BUF - 1] = 1;
            black_box(&mut buf.0);
        });
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = churn, cross_thread_free, recycling
}
criterion_main!(benches);
