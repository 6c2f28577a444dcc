//! `Pool<T>` against slab's `Slab` and slotmap's `SlotMap`, same run, same payloads.
//!
//! Workloads: insert-then-remove 1M; steady churn with 10k live; random `get` over 100k
//! live; iteration over 100k slots with 50% holes; and, for `Pool` only, `get` and
//! `rent` side by side to show that plain access does not pay for guards; and recycling
//! of 1500-byte buffers against opool, object-pool, lifeguard and lockfree-object-pool
//! (one acquire + release, and 16 acquires then 16 releases, by handle and as a
//! `Recycler`'s guards).

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::ops::DerefMut;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pool_core::{Handle, Pool};
use slab::Slab;
use slotmap::{DefaultKey, SlotMap};
use typed_pool_tests::XorShift as Rng;

// === payloads ===

trait Payload: Copy + 'static {
    const NAME: &'static str;
    fn make(i: u64) -> Self;
    fn value(&self) -> u64;
}

impl Payload for u64 {
    const NAME: &'static str = "u64";
    #[inline]
    fn make(i: u64) -> Self {
        i
    }
    #[inline]
    fn value(&self) -> u64 {
        *self
    }
}

#[derive(Clone, Copy)]
struct Big([u64; 8]);

impl Payload for Big {
    const NAME: &'static str = "64B";
    #[inline]
    fn make(i: u64) -> Self {
        Big([i; 8])
    }
    #[inline]
    fn value(&self) -> u64 {
        self.0[0] ^ self.0[7]
    }
}

// === the stores under test, behind one trait ===

trait Store<V> {
    type Key: Copy;
    const NAME: &'static str;
    fn new() -> Self;
    fn insert(&mut self, v: V) -> Self::Key;
    fn remove(&mut self, k: Self::Key) -> Option<V>;
    fn get(&self, k: Self::Key) -> Option<&V>;
    fn sum_values(&self) -> u64;
}

impl<V: Payload> Store<V> for Pool<V> {
    type Key = Handle<V>;
    const NAME: &'static str = "pool";
    fn new() -> Self {
        Pool::new()
    }
    #[inline]
    fn insert(&mut self, v: V) -> Handle<V> {
        Pool::insert(self, v)
    }
    #[inline]
    fn remove(&mut self, k: Handle<V>) -> Option<V> {
        Pool::remove(self, k)
    }
    #[inline]
    fn get(&self, k: Handle<V>) -> Option<&V> {
        Pool::get(self, k)
    }
    fn sum_values(&self) -> u64 {
        self.values().fold(0, |a, v| a.wrapping_add(v.value()))
    }
}

impl<V: Payload> Store<V> for Slab<V> {
    type Key = usize;
    const NAME: &'static str = "slab";
    fn new() -> Self {
        Slab::new()
    }
    #[inline]
    fn insert(&mut self, v: V) -> usize {
        Slab::insert(self, v)
    }
    #[inline]
    fn remove(&mut self, k: usize) -> Option<V> {
        Slab::try_remove(self, k)
    }
    #[inline]
    fn get(&self, k: usize) -> Option<&V> {
        Slab::get(self, k)
    }
    fn sum_values(&self) -> u64 {
        self.iter().fold(0, |a, (_, v)| a.wrapping_add(v.value()))
    }
}

impl<V: Payload> Store<V> for SlotMap<DefaultKey, V> {
    type Key = DefaultKey;
    const NAME: &'static str = "slotmap";
    fn new() -> Self {
        SlotMap::new()
    }
    #[inline]
    fn insert(&mut self, v: V) -> DefaultKey {
        SlotMap::insert(self, v)
    }
    #[inline]
    fn remove(&mut self, k: DefaultKey) -> Option<V> {
        SlotMap::remove(self, k)
    }
    #[inline]
    fn get(&self, k: DefaultKey) -> Option<&V> {
        SlotMap::get(self, k)
    }
    fn sum_values(&self) -> u64 {
        self.values().fold(0, |a, v| a.wrapping_add(v.value()))
    }
}

// === workloads ===

const BIG_N: usize = 1_000_000;
const CHURN_LIVE: usize = 10_000;
const CHURN_OPS: usize = 10_000;
const LOOKUP_LIVE: usize = 100_000;

/// Inserts 1M values, then removes them in insertion order. The store is reused across
/// iterations (warm: its memory is already faulted in), so the figure is the store's own
/// work rather than the allocator's page-fault luck, which swings by 5x between runs.
fn insert_then_remove<V: Payload, S: Store<V>>(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("insert_remove_1M/{}", V::NAME));
    g.throughput(Throughput::Elements(BIG_N as u64));
    g.bench_function(S::NAME, |b| {
        let mut keys = Vec::with_capacity(BIG_N);
        let mut s = S::new();
        b.iter(|| {
            for i in 0..BIG_N as u64 {
                keys.push(s.insert(black_box(V::make(i))));
            }
            let mut acc = 0u64;
            for k in keys.drain(..) {
                acc = acc.wrapping_add(s.remove(black_box(k)).map_or(0, |v| v.value()));
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn churn<V: Payload, S: Store<V>>(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("churn_10k_live/{}", V::NAME));
    g.throughput(Throughput::Elements(CHURN_OPS as u64));
    g.bench_function(S::NAME, |b| {
        let mut s = S::new();
        let mut keys: Vec<S::Key> = (0..CHURN_LIVE as u64)
            .map(|i| s.insert(V::make(i)))
            .collect();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        b.iter(|| {
            let mut acc = 0u64;
            for _ in 0..CHURN_OPS {
                let slot = rng.below(keys.len());
                let v = s.remove(black_box(keys[slot])).map_or(0, |v| v.value());
                acc = acc.wrapping_add(v);
                keys[slot] = s.insert(black_box(V::make(v ^ 1)));
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn random_get<V: Payload, S: Store<V>>(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("random_get_100k/{}", V::NAME));
    g.throughput(Throughput::Elements(LOOKUP_LIVE as u64));
    g.bench_function(S::NAME, |b| {
        let mut s = S::new();
        let mut keys: Vec<S::Key> = (0..LOOKUP_LIVE as u64)
            .map(|i| s.insert(V::make(i)))
            .collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i + 1));
        }
        b.iter(|| {
            let mut acc = 0u64;
            for &k in &keys {
                acc = acc.wrapping_add(s.get(black_box(k)).map_or(0, |v| v.value()));
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn iterate_with_holes<V: Payload, S: Store<V>>(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("iter_100k_half_holes/{}", V::NAME));
    g.throughput(Throughput::Elements(LOOKUP_LIVE as u64 / 2));
    g.bench_function(S::NAME, |b| {
        let mut s = S::new();
        let mut keys: Vec<S::Key> = (0..LOOKUP_LIVE as u64)
            .map(|i| s.insert(V::make(i)))
            .collect();
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i + 1));
        }
        for &k in &keys[..LOOKUP_LIVE / 2] {
            s.remove(k);
        }
        b.iter(|| black_box(black_box(&s).sum_values()))
    });
    g.finish();
}

/// `Pool::get` with and without a rent guard alive elsewhere, `rent` + return (through
/// `&Pool` and through a `Rentals` session) and `get_mut`, over the same random handles.
fn pool_access_paths(c: &mut Criterion) {
    let mut g = c.benchmark_group("pool_access_100k/u64");
    g.throughput(Throughput::Elements(LOOKUP_LIVE as u64));
    let mut pool = Pool::new();
    let mut keys: Vec<Handle<u64>> = (0..LOOKUP_LIVE as u64).map(|i| pool.insert(i)).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in (1..keys.len()).rev() {
        keys.swap(i, rng.below(i + 1));
    }
    let extra = pool.insert(0);
    g.bench_function(BenchmarkId::new("get", "no_guard"), |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for &k in &keys {
                acc = acc.wrapping_add(pool.get(black_box(k)).copied().unwrap_or(0));
            }
            black_box(acc)
        })
    });
    g.bench_function(BenchmarkId::new("get", "guard_alive"), |b| {
        let guard = pool.rent(extra).unwrap();
        b.iter(|| {
            let mut acc = 0u64;
            for &k in &keys {
                acc = acc.wrapping_add(pool.get(black_box(k)).copied().unwrap_or(0));
            }
            black_box(acc)
        });
        drop(guard);
    });
    g.bench_function(BenchmarkId::new("rent", "return"), |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for &k in &keys {
                acc = acc.wrapping_add(pool.rent(black_box(k)).map_or(0, |g| *g));
            }
            black_box(acc)
        })
    });
    g.bench_function(BenchmarkId::new("rentals", "rent_mut_return"), |b| {
        let rentals = pool.rentals();
        b.iter(|| {
            let mut acc = 0u64;
            for &k in &keys {
                acc = acc.wrapping_add(rentals.rent_mut(black_box(k)).map_or(0, |g| *g));
            }
            black_box(acc)
        })
    });
    g.bench_function(BenchmarkId::new("get_mut", "no_guard"), |b| {
        b.iter(|| {
            for &k in &keys {
                if let Some(v) = pool.get_mut(black_box(k)) {
                    *v = v.wrapping_add(1);
                }
            }
        })
    });
    g.finish();
}

fn all_stores<V: Payload>(c: &mut Criterion) {
    insert_then_remove::<V, Pool<V>>(c);
    insert_then_remove::<V, Slab<V>>(c);
    insert_then_remove::<V, SlotMap<DefaultKey, V>>(c);
    churn::<V, Pool<V>>(c);
    churn::<V, Slab<V>>(c);
    churn::<V, SlotMap<DefaultKey, V>>(c);
    random_get::<V, Pool<V>>(c);
    random_get::<V, Slab<V>>(c);
    random_get::<V, SlotMap<DefaultKey, V>>(c);
    iterate_with_holes::<V, Pool<V>>(c);
    iterate_with_holes::<V, Slab<V>>(c);
    iterate_with_holes::<V, SlotMap<DefaultKey, V>>(c);
}

// === recycling ===

const BUF: usize = 1500;
const BATCH: usize = 16;

/// A reusable 1500-byte buffer (a packet); reset is a no-op, as in the peers' set-up.
struct Buf(Vec<u8>);

fn buffer() -> Buf {
    Buf(vec![0; BUF])
}

impl Default for Buf {
    fn default() -> Self {
        buffer()
    }
}

impl pool_core::Reset for Buf {
    #[inline]
    fn reset(&mut self) {}
}

impl lifeguard::Recycleable for Buf {
    fn new() -> Self {
        buffer()
    }
    fn reset(&mut self) {}
}

struct BufAlloc;
impl opool::PoolAllocator<Buf> for BufAlloc {
    fn allocate(&self) -> Buf {
        buffer()
    }
}

/// What a user does with a recycled buffer: write its first and last byte.
#[inline]
fn touch(buf: &mut Buf) {
    buf.0[0] = 1;
    buf.0[BUF - 1] = 1;
    black_box(&mut buf.0);
}

/// What a user does with a batch of guards: takes `BATCH` of them, writes each buffer, and
/// drops them all (which gives every buffer back).
#[inline]
fn batch<G: DerefMut<Target = Buf>>(mut acquire: impl FnMut() -> G) {
    let mut gs: [G; BATCH] = core::array::from_fn(|_| acquire());
    for g in &mut gs {
        touch(g);
    }
}

fn recycling(c: &mut Criterion) {
    let mut g = c.benchmark_group("recycle_1500B/acquire_release");
    g.bench_function("pool", |b| {
        let mut pool: Pool<Buf> = Pool::new();
        b.iter(|| touch(&mut pool.acquire_guard()));
    });
    g.bench_function("opool_LocalPool", |b| {
        let pool = opool::LocalPool::new(64, BufAlloc);
        b.iter(|| touch(&mut pool.get()));
    });
    g.bench_function("object_pool", |b| {
        let pool = object_pool::Pool::new(64, buffer);
        b.iter(|| touch(&mut pool.pull(buffer)));
    });
    g.bench_function("lifeguard", |b| {
        let pool: lifeguard::Pool<Buf> = lifeguard::Pool::with_size(64);
        b.iter(|| touch(&mut pool.new()));
    });
    g.bench_function("lockfree_object_pool", |b| {
        let pool = lockfree_object_pool::LinearObjectPool::new(buffer, |_| {});
        b.iter(|| touch(&mut pool.pull()));
    });
    g.finish();

    let mut g = c.benchmark_group("recycle_1500B/acquire16_release16");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("pool", |b| {
        let mut pool: Pool<Buf> = Pool::new();
        b.iter(|| {
            let hs: [Handle<Buf>; BATCH] = core::array::from_fn(|_| pool.acquire());
            for &h in &hs {
                touch(&mut pool[h]);
            }
            for h in hs {
                pool.release(h);
            }
        });
    });
    g.bench_function("opool_LocalPool", |b| {
        let pool = opool::LocalPool::new(64, BufAlloc);
        b.iter(|| batch(|| pool.get()));
    });
    g.bench_function("object_pool", |b| {
        let pool = object_pool::Pool::new(64, buffer);
        b.iter(|| batch(|| pool.pull(buffer)));
    });
    g.bench_function("lifeguard", |b| {
        let pool: lifeguard::Pool<Buf> = lifeguard::Pool::with_size(64);
        b.iter(|| batch(|| pool.new()));
    });
    g.bench_function("lockfree_object_pool", |b| {
        let pool = lockfree_object_pool::LinearObjectPool::new(buffer, |_| {});
        b.iter(|| batch(|| pool.pull()));
    });
    g.finish();

    // The same batch held as RAII guards, as opool's users hold theirs: a `Recycler`
    // session's leases.
    let mut g = c.benchmark_group("recycle_1500B/acquire16_release16_guards");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("pool", |b| {
        let mut pool: Pool<Buf> = Pool::new();
        pool.reserve(BATCH);
        b.iter(|| {
            let recycler = pool.recycler();
            batch(|| recycler.acquire());
        });
    });
    g.bench_function("opool_LocalPool", |b| {
        let pool = opool::LocalPool::new(64, BufAlloc);
        b.iter(|| batch(|| pool.get()));
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    all_stores::<u64>(c);
    all_stores::<Big>(c);
    pool_access_paths(c);
    recycling(c);
}

criterion_group! {
    name = pool;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(pool);
