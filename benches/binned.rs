//! `BinnedAllocator` against glibc malloc (`System`), mimalloc and jemalloc (called
//! directly through `GlobalAlloc`), same run, same size sequences (half the blocks at most
//! 64 B, 35% up to 1 KiB, 14% up to 16 KiB, 1% up to 64 KiB): churn with 10k live blocks
//! freed at random, alloc-free pairs, a batch of 1000 freed in FIFO order, the
//! size-class lookup alone, and pointer-to-handle lookups (`handle_of` against the hash
//! map from address to handle that a caller would otherwise keep). Every block gets its first and last byte written, as a user
//! would: through `get_mut` for the handle API (the lookup a handle user pays), through the
//! pointer for the allocators.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mimalloc::MiMalloc;
use pool_core::size_class::SizeClass;
use pool_core::{BinnedAllocator, BlockHandle};
use tikv_jemallocator::Jemalloc;
use typed_pool_tests::size_mix as sizes;

/// The operations every contender implements; `alloc` writes the block's first and last
/// byte.
trait Contender {
    type Block: Copy;
    fn alloc(&mut self, size: usize) -> Self::Block;
    fn free(&mut self, b: Self::Block);
}

struct Binned(BinnedAllocator);

impl Contender for Binned {
    type Block = BlockHandle;
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> BlockHandle {
        let h = self.0.alloc(size);
        let bytes = self.0.get_mut(h).unwrap();
        bytes[0] = 1;
        bytes[size - 1] = 1;
        h
    }
    #[inline(always)]
    fn free(&mut self, b: BlockHandle) {
        self.0.free(b);
    }
}

/// A `GlobalAlloc` called directly; the block remembers its layout, as a caller must.
struct Direct<A: GlobalAlloc>(A);

impl<A: GlobalAlloc> Contender for Direct<A> {
    type Block = (*mut u8, Layout);
    #[inline(always)]
    fn alloc(&mut self, size: usize) -> (*mut u8, Layout) {
        let layout = Layout::from_size_align(size, 1).unwrap();
        // SAFETY: `size > 0` for every size in the mix.
        let p = unsafe { self.0.alloc(layout) };
        assert!(!p.is_null());
        // SAFETY: `p` is valid for `size` bytes.
        unsafe {
            p.write(1);
            p.add(size - 1).write(1);
        }
        (p, layout)
    }
    #[inline(always)]
    fn free(&mut self, (p, layout): (*mut u8, Layout)) {
        // SAFETY: `p` came from `self.0.alloc(layout)` and is freed once.
        unsafe { self.0.dealloc(p, layout) }
    }
}

const LIVE: usize = 10_000;
const OPS: usize = 10_000;

fn churn<C: Contender>(c: &mut Criterion, name: &str, mut make: impl FnMut() -> C) {
    let mut g = c.benchmark_group("churn_10k_live");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function(name, |b| {
        let mut a = make();
        let warm = sizes(LIVE, 1);
        let mut live: Vec<C::Block> = warm.iter().map(|&s| a.alloc(s)).collect();
        let next = sizes(OPS, 2);
        let picks = sizes(OPS, 3);
        b.iter(|| {
            for (&size, &pick) in next.iter().zip(&picks) {
                // A pseudo-random victim (the picks are an independent size sequence).
                let i = (pick * 7919) % LIVE;
                a.free(black_box(live[i]));
                live[i] = a.alloc(black_box(size));
            }
        });
        for blk in live {
            a.free(blk);
        }
    });
    g.finish();
}

fn pairs<C: Contender>(c: &mut Criterion, name: &str, mut make: impl FnMut() -> C) {
    let mut g = c.benchmark_group("alloc_free_pairs");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function(name, |b| {
        let mut a = make();
        let s = sizes(OPS, 4);
        b.iter(|| {
            for &size in &s {
                let blk = a.alloc(black_box(size));
                a.free(black_box(blk));
            }
        });
    });
    g.finish();
}

fn batch_fifo<C: Contender>(c: &mut Criterion, name: &str, mut make: impl FnMut() -> C) {
    let mut g = c.benchmark_group("batch_1000_fifo");
    g.throughput(Throughput::Elements(1000));
    g.bench_function(name, |b| {
        let mut a = make();
        let s = sizes(1000, 5);
        let mut batch = Vec::with_capacity(1000);
        b.iter(|| {
            for &size in &s {
                batch.push(a.alloc(black_box(size)));
            }
            for blk in batch.drain(..) {
                a.free(black_box(blk));
            }
        });
    });
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("size_class_lookup");
    let s = sizes(1000, 6);
    g.throughput(Throughput::Elements(s.len() as u64));
    g.bench_function("binned", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for &size in &s {
                acc += SizeClass::for_layout(black_box(size), 8).map_or(0, SizeClass::index);
            }
            black_box(acc)
        })
    });
    // The same loop without the lookup: what `black_box` and the loop cost by themselves.
    g.bench_function("loop_only", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for &size in &s {
                acc += black_box(size) >> 3;
            }
            black_box(acc)
        })
    });
    g.finish();
}

/// From a block's address back to its handle, over 10k live blocks of the size mix, in
/// random order: `handle_of` against a `hashbrown` map from address to handle that a
/// caller keeps beside the allocator: the lookup alone (the map's upkeep not counted; the
/// whole round trip is `round_trip`).
fn pointer_to_handle(c: &mut Criterion) {
    let mut g = c.benchmark_group("pointer_to_handle_10k_live");
    let mut a = BinnedAllocator::new();
    let handles: Vec<BlockHandle> = sizes(10_000, 7).into_iter().map(|s| a.alloc(s)).collect();
    let mut map = hashbrown::HashMap::with_capacity(handles.len());
    let mut ptrs: Vec<*const u8> = Vec::with_capacity(handles.len());
    for &h in &handles {
        let p = a.get(h).unwrap().as_ptr();
        map.insert(p.addr(), h);
        ptrs.push(p);
    }
    // A fixed shuffle, so that lookups jump around the storage as a user's would.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..ptrs.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ptrs.swap(i, (x % (i as u64 + 1)) as usize);
    }
    g.throughput(Throughput::Elements(ptrs.len() as u64));
    g.bench_function("binned", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for &p in &ptrs {
                found += a.handle_of(black_box(p)).map_or(0, |h| h.index() & 1);
            }
            black_box(found)
        })
    });
    g.bench_function("hashbrown_map", |b| {
        b.iter(|| {
            let mut found = 0u32;
            for &p in &ptrs {
                found += map.get(&black_box(p).addr()).map_or(0, |h| h.index() & 1);
            }
            black_box(found)
        })
    });
    g.finish();
}

/// How a pointer-based caller gets from a block's address back to its handle.
trait Resolve {
    /// A block was allocated at `p`.
    fn noted(&mut self, p: *const u8, h: BlockHandle);
    /// The handle of the block at `p`, which is about to be freed.
    fn take(&mut self, a: &BinnedAllocator, p: *const u8) -> BlockHandle;
}

/// `handle_of`: nothing to keep up.
struct ByLookup;

impl Resolve for ByLookup {
    #[inline(always)]
    fn noted(&mut self, _: *const u8, _: BlockHandle) {}
    #[inline(always)]
    fn take(&mut self, a: &BinnedAllocator, p: *const u8) -> BlockHandle {
        a.handle_of(p).unwrap()
    }
}

/// A map from address to handle beside the allocator, updated on every alloc and free.
struct ByMap(hashbrown::HashMap<usize, BlockHandle>);

impl Resolve for ByMap {
    #[inline(always)]
    fn noted(&mut self, p: *const u8, h: BlockHandle) {
        self.0.insert(p.addr(), h);
    }
    #[inline(always)]
    fn take(&mut self, _: &BinnedAllocator, p: *const u8) -> BlockHandle {
        self.0.remove(&p.addr()).unwrap()
    }
}

/// The churn of `churn_10k_live` done the way a pointer-based caller does it: the victim
/// is known by its address, so each step resolves it to a handle, frees it and allocates
/// the next block (first and last byte written) in its place.
fn round_trip<R: Resolve>(c: &mut Criterion, name: &str, mut r: R) {
    let mut g = c.benchmark_group("pointer_round_trip_10k_live");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function(name, |b| {
        let mut a = Binned(BinnedAllocator::new());
        let place = |a: &mut Binned, r: &mut R, size: usize| {
            let h = a.alloc(size);
            let p = a.0.get(h).unwrap().as_ptr();
            r.noted(p, h);
            p
        };
        let mut live: Vec<*const u8> = sizes(LIVE, 1)
            .into_iter()
            .map(|s| place(&mut a, &mut r, s))
            .collect();
        let next = sizes(OPS, 2);
        let picks = sizes(OPS, 3);
        b.iter(|| {
            for (&size, &pick) in next.iter().zip(&picks) {
                let i = (pick * 7919) % LIVE;
                let h = r.take(&a.0, black_box(live[i]));
                a.free(h);
                live[i] = place(&mut a, &mut r, black_box(size));
            }
        });
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    churn(c, "binned", || Binned(BinnedAllocator::new()));
    churn(c, "system", || Direct(System));
    churn(c, "mimalloc", || Direct(MiMalloc));
    churn(c, "jemalloc", || Direct(Jemalloc));
    pairs(c, "binned", || Binned(BinnedAllocator::new()));
    pairs(c, "system", || Direct(System));
    pairs(c, "mimalloc", || Direct(MiMalloc));
    pairs(c, "jemalloc", || Direct(Jemalloc));
    batch_fifo(c, "binned", || Binned(BinnedAllocator::new()));
    batch_fifo(c, "system", || Direct(System));
    batch_fifo(c, "mimalloc", || Direct(MiMalloc));
    batch_fifo(c, "jemalloc", || Direct(Jemalloc));
    lookup(c);
    pointer_to_handle(c);
    round_trip(c, "binned", ByLookup);
    round_trip(
        c,
        "hashbrown_map",
        ByMap(hashbrown::HashMap::with_capacity(LIVE)),
    );
}

criterion_group! {
    name = binned;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(binned);
