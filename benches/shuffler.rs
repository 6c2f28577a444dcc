//! `Shuffler` against `Vec<Box<[T]>>` and slotmap's `SlotMap<Box<[T]>>`, same run: churn
//! of blocks of 1..1024 elements, with and without the incremental budget; rent + return
//! against `SlotMap::get`; shuffle throughput
//! against a plain `memcpy` of the same bytes. Also prints the memory figure: resident vs
//! live bytes after freeing a random half of 100k mixed-size blocks and one shuffle.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pool_core::{ShuffleHandle, Shuffler};
use slotmap::{DefaultKey, SlotMap};
use typed_pool_tests::XorShift as Rng;

const LIVE: usize = 10_000;
const OPS: usize = 1_000;

/// Block lengths 1..=1024.
trait BlockLen {
    fn len(&mut self) -> usize;
}

impl BlockLen for Rng {
    fn len(&mut self) -> usize {
        1 + self.below(1024)
    }
}

/// The store both churn groups start from: `LIVE` blocks of 1..1024 elements.
fn churn_store() -> (Shuffler<u32>, Rng, Vec<ShuffleHandle<u32>>) {
    let s: Shuffler<u32> = Shuffler::new();
    let mut rng = Rng(1);
    let live = (0..LIVE)
        .map(|_| s.alloc_with(rng.len(), |i| i as u32))
        .collect();
    (s, rng, live)
}

fn churn(c: &mut Criterion) {
    let mut g = c.benchmark_group("churn_blocks_1_1024");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function("shuffler", |b| {
        let (s, mut rng, mut live) = churn_store();
        // Times alloc/free only; the shuffle that keeps memory dense runs between timed
        // rounds (its cost is the shuffle_throughput group).
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                for _ in 0..OPS {
                    let k = (rng.next() % LIVE as u64) as usize;
                    s.free(black_box(live[k]));
                    let n = rng.len();
                    live[k] = s.alloc_with(n, |i| i as u32);
                }
                total += start.elapsed();
                s.shuffle();
            }
            total
        })
    });
    g.bench_function("vec_box", |b| {
        let mut rng = Rng(1);
        let mut live: Vec<Box<[u32]>> =
            (0..LIVE).map(|_| (0..rng.len() as u32).collect()).collect();
        b.iter(|| {
            for _ in 0..OPS {
                let k = (rng.next() % LIVE as u64) as usize;
                let n = rng.len() as u32;
                live[k] = black_box((0..n).collect());
            }
        })
    });
    g.bench_function("slotmap_box", slotmap_churn);
    g.finish();
}

/// The peer for both churn groups: the same frees and allocations, boxed, in a `SlotMap`.
fn slotmap_churn(b: &mut criterion::Bencher<'_>) {
    let mut rng = Rng(1);
    let mut sm: SlotMap<DefaultKey, Box<[u32]>> = SlotMap::new();
    let mut live: Vec<DefaultKey> = (0..LIVE)
        .map(|_| sm.insert((0..rng.len() as u32).collect()))
        .collect();
    b.iter(|| {
        for _ in 0..OPS {
            let k = (rng.next() % LIVE as u64) as usize;
            drop(sm.remove(black_box(live[k])));
            let n = rng.len() as u32;
            live[k] = sm.insert((0..n).collect());
        }
    })
}

/// The same churn with the incremental budget on (4 KiB): every free and every
/// allocation also runs one bounded compaction step, so memory stays dense with no
/// full shuffle between rounds. The timed loop includes those steps.
fn churn_budget(c: &mut Criterion) {
    let mut g = c.benchmark_group("churn_blocks_1_1024_budget_4k");
    g.throughput(Throughput::Elements(OPS as u64));
    g.bench_function("shuffler", |b| {
        let (s, mut rng, mut live) = churn_store();
        s.set_budget(Some(4096));
        b.iter(|| {
            for _ in 0..OPS {
                let k = (rng.next() % LIVE as u64) as usize;
                s.free(black_box(live[k]));
                let n = rng.len();
                live[k] = s.alloc_with(n, |i| i as u32);
            }
        });
        eprintln!(
            "churn with a 4 KiB budget: fragmentation {:.2}",
            s.stats().fragmentation
        );
    });
    g.bench_function("slotmap_box", slotmap_churn);
    g.finish();
}

fn rent(c: &mut Criterion) {
    let mut g = c.benchmark_group("rent_return_10k");
    g.throughput(Throughput::Elements(LIVE as u64));
    let mut rng = Rng(2);
    let lens: Vec<usize> = (0..LIVE).map(|_| rng.len()).collect();
    let mut order: Vec<usize> = (0..LIVE).collect();
    for i in (1..LIVE).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    g.bench_function("shuffler", |b| {
        let s: Shuffler<u32> = Shuffler::new();
        let hs: Vec<_> = lens
            .iter()
            .map(|&n| s.alloc_with(n, |i| i as u32))
            .collect();
        b.iter(|| {
            let mut acc = 0u32;
            for &i in &order {
                acc = acc.wrapping_add(s.rent(black_box(hs[i])).map_or(0, |g| g[0]));
            }
            black_box(acc)
        })
    });
    g.bench_function("slotmap_get", |b| {
        let mut sm: SlotMap<DefaultKey, Box<[u32]>> = SlotMap::new();
        let ks: Vec<_> = lens
            .iter()
            .map(|&n| sm.insert((0..n as u32).collect()))
            .collect();
        b.iter(|| {
            let mut acc = 0u32;
            for &i in &order {
                acc = acc.wrapping_add(sm.get(black_box(ks[i])).map_or(0, |v| v[0]));
            }
            black_box(acc)
        })
    });
    g.finish();
}

/// A shuffler with 20k blocks of which every other one is freed.
fn fragmented() -> (Shuffler<u32>, Vec<ShuffleHandle<u32>>) {
    let s = Shuffler::new();
    let mut rng = Rng(3);
    let hs: Vec<_> = (0..20_000)
        .map(|_| {
            let n = rng.len();
            s.alloc_with(n, |i| i as u32)
        })
        .collect();
    for h in hs.iter().step_by(2) {
        s.free(*h);
    }
    // Drop the freed elements first, so the timed shuffle is all moving.
    s.shuffle_step(0);
    (s, hs)
}

fn shuffle_throughput(c: &mut Criterion) {
    let moved = {
        let (s, _) = fragmented();
        s.shuffle();
        s.stats().moved_last
    };
    let mut g = c.benchmark_group("shuffle_throughput");
    g.throughput(Throughput::Bytes(moved as u64));
    g.bench_function("shuffle", |b| {
        b.iter_batched(
            fragmented,
            |(s, hs)| {
                s.shuffle();
                black_box((s, hs))
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("memcpy", |b| {
        let src = vec![7u8; moved];
        let mut dst = vec![0u8; moved];
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
        })
    });
    g.finish();
}

/// The memory figure: 100k mixed-size blocks, a random half freed, one shuffle.
fn memory_figure(_: &mut Criterion) {
    let s: Shuffler<u8> = Shuffler::new();
    let mut rng = Rng(4);
    let hs: Vec<_> = (0..100_000).map(|_| s.alloc(rng.len())).collect();
    for h in &hs {
        if rng.next() % 2 == 0 {
            s.free(*h);
        }
    }
    let before = s.stats();
    s.shuffle();
    let after = s.stats();
    eprintln!(
        "memory: live {} B; resident {} B before the shuffle ({:.2}x), {} B after ({:.3}x live)",
        after.live_bytes,
        before.resident_bytes,
        before.resident_bytes as f64 / after.live_bytes as f64,
        after.resident_bytes,
        after.resident_bytes as f64 / after.live_bytes as f64
    );
}

criterion_group! {
    name = shuffler;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = memory_figure, churn, churn_budget, rent, shuffle_throughput
}
criterion_main!(shuffler);
