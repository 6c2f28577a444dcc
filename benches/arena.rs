//! `Arena` against bumpalo, bump-scope and typed-arena, same run: 1M `u64`; 1M 64-byte
//! structs; 1M mixed sizes 8..256 with mixed alignments; a fill-and-reset cycle (also
//! against writing the same bytes into a pre-faulted buffer); and growing an arena-backed
//! `Vec` one element at a time. Each arena is warm (reset between iterations), so the
//! figures are allocation work, not page faults.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::alloc::Layout;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pool_core::Arena;
use typed_pool_tests::XorShift;

const N: usize = 1_000_000;

#[derive(Clone, Copy)]
#[repr(C)]
struct Big([u64; 8]);

/// Mixed sizes 8..256 and alignments 1..16, the same sequence for everyone.
fn mixed() -> Vec<Layout> {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    (0..N)
        .map(|_| {
            let x = rng.next();
            let size = 8 + (x % 249) as usize;
            let align = 1 << ((x >> 20) % 5);
            Layout::from_size_align(size, align).unwrap()
        })
        .collect()
}

fn values(c: &mut Criterion) {
    let mut g = c.benchmark_group("alloc_1M_u64");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("arena", |b| {
        let mut a = Arena::new();
        b.iter(|| {
            for i in 0..N as u64 {
                black_box(a.alloc(black_box(i)));
            }
            a.reset();
        })
    });
    g.bench_function("bumpalo", |b| {
        let mut a = bumpalo::Bump::new();
        b.iter(|| {
            for i in 0..N as u64 {
                black_box(a.alloc(black_box(i)));
            }
            a.reset();
        })
    });
    g.bench_function("bump_scope", |b| {
        let mut a: bump_scope::Bump = bump_scope::Bump::new();
        b.iter(|| {
            for i in 0..N as u64 {
                black_box(a.alloc(black_box(i)).into_mut());
            }
            a.reset();
        })
    });
    g.bench_function("typed_arena", |b| {
        b.iter(|| {
            // typed-arena cannot reset; a fresh one per iteration is its intended use.
            let a = typed_arena::Arena::with_capacity(1024);
            for i in 0..N as u64 {
                black_box(a.alloc(black_box(i)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("alloc_1M_64B");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("arena", |b| {
        let mut a = Arena::new();
        b.iter(|| {
            for i in 0..N as u64 {
                black_box(a.alloc(Big([black_box(i); 8])));
            }
            a.reset();
        })
    });
    g.bench_function("bumpalo", |b| {
        let mut a = bumpalo::Bump::new();
        b.iter(|| {
            for i in 0..N as u64 {
                black_box(a.alloc(Big([black_box(i); 8])));
            }
            a.reset();
        })
    });
    g.bench_function("bump_scope", |b| {
        let mut a: bump_scope::Bump = bump_scope::Bump::new();
        b.iter(|| {
            for i in 0..N as u64 {
                black_box(a.alloc(Big([black_box(i); 8])).into_mut());
            }
            a.reset();
        })
    });
    g.bench_function("typed_arena", |b| {
        b.iter(|| {
            let a = typed_arena::Arena::with_capacity(1024);
            for i in 0..N as u64 {
                black_box(a.alloc(Big([black_box(i); 8])));
            }
        })
    });
    g.finish();
}

fn mixed_layouts(c: &mut Criterion) {
    let layouts = mixed();
    let mut g = c.benchmark_group("alloc_1M_mixed");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("arena", |b| {
        let mut a = Arena::new();
        b.iter(|| {
            for &l in &layouts {
                black_box(a.alloc_layout(black_box(l)));
            }
            a.reset();
        })
    });
    g.bench_function("bumpalo", |b| {
        let mut a = bumpalo::Bump::new();
        b.iter(|| {
            for &l in &layouts {
                black_box(a.alloc_layout(black_box(l)));
            }
            a.reset();
        })
    });
    g.bench_function("bump_scope", |b| {
        let mut a: bump_scope::Bump = bump_scope::Bump::new();
        b.iter(|| {
            for &l in &layouts {
                black_box(a.alloc_layout(black_box(l)));
            }
            a.reset();
        })
    });
    g.finish();
}

/// One frame: 64 KiB of 64-byte records written, then everything released.
fn fill_and_reset(c: &mut Criterion) {
    const RECORDS: usize = 1024;
    let mut g = c.benchmark_group("fill_reset_64KiB");
    g.throughput(Throughput::Bytes((RECORDS * 64) as u64));
    g.bench_function("arena", |b| {
        let mut a = Arena::new();
        b.iter(|| {
            for i in 0..RECORDS as u64 {
                black_box(a.alloc(Big([black_box(i); 8])));
            }
            a.reset();
        })
    });
    g.bench_function("bumpalo", |b| {
        let mut a = bumpalo::Bump::new();
        b.iter(|| {
            for i in 0..RECORDS as u64 {
                black_box(a.alloc(Big([black_box(i); 8])));
            }
            a.reset();
        })
    });
    g.bench_function("bump_scope", |b| {
        let mut a: bump_scope::Bump = bump_scope::Bump::new();
        b.iter(|| {
            for i in 0..RECORDS as u64 {
                black_box(a.alloc(Big([black_box(i); 8])).into_mut());
            }
            a.reset();
        })
    });
    g.bench_function("prefaulted_buffer", |b| {
        let mut buf = vec![Big([0; 8]); RECORDS];
        b.iter(|| {
            for (i, slot) in buf.iter_mut().enumerate() {
                *slot = Big([black_box(i as u64); 8]);
                black_box(&*slot);
            }
        })
    });
    g.finish();
}

fn vec_push(c: &mut Criterion) {
    const LEN: usize = 100_000;
    let mut g = c.benchmark_group("vec_push_100k");
    g.throughput(Throughput::Elements(LEN as u64));
    g.bench_function("arena", |b| {
        let mut a = Arena::new();
        b.iter(|| {
            {
                let mut v = allocator_api2::vec::Vec::new_in(&a);
                for i in 0..LEN as u32 {
                    v.push(black_box(i));
                }
                black_box(&v);
            }
            a.reset();
        })
    });
    g.bench_function("bumpalo", |b| {
        let mut a = bumpalo::Bump::new();
        b.iter(|| {
            {
                let mut v = bumpalo::collections::Vec::new_in(&a);
                for i in 0..LEN as u32 {
                    v.push(black_box(i));
                }
                black_box(&v);
            }
            a.reset();
        })
    });
    g.bench_function("bump_scope", |b| {
        let mut a: bump_scope::Bump = bump_scope::Bump::new();
        b.iter(|| {
            {
                let mut v = bump_scope::BumpVec::new_in(&a);
                for i in 0..LEN as u32 {
                    v.push(black_box(i));
                }
                black_box(&v);
            }
            a.reset();
        })
    });
    g.finish();
}

criterion_group! {
    name = arena;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = values, mixed_layouts, fill_and_reset, vec_push
}
criterion_main!(arena);
