//! Public-API tests of `Arena`: backing kinds, alignment, odd types, errors, destructors,
//! scopes, panic safety and the `allocator_api2` integration.

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::rc::Rc;

use pool_core::arena::{AllocError, Arena, ArenaBox};

#[cfg(miri)]
const N: usize = 50;
#[cfg(not(miri))]
const N: usize = 20_000;

#[test]
fn values_survive_growth_and_never_overlap() {
    let arena = Arena::new();
    let refs: Vec<&mut u64> = (0..N as u64).map(|i| arena.alloc(i)).collect();
    for (i, r) in refs.iter().enumerate() {
        assert_eq!(**r, i as u64);
    }
    let mut addrs: Vec<usize> = refs.iter().map(|r| *r as *const u64 as usize).collect();
    addrs.sort_unstable();
    assert!(addrs.windows(2).all(|w| w[1] - w[0] >= 8));
    assert!(arena.stats().chunks > 1 || cfg!(miri));
}

#[test]
fn every_alignment_is_served() {
    let arena = Arena::new();
    for shift in 0..=12 {
        let align = 1usize << shift;
        for size in [1, align, 3 * align + 1] {
            let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
            let p = arena.alloc_layout(layout);
            assert_eq!(p.as_ptr() as usize % align, 0, "size {size} align {align}");
        }
    }
    #[repr(align(4096))]
    #[derive(Clone, Copy)]
    struct Page(u8);
    let p = arena.alloc(Page(3));
    assert_eq!((p as *const Page as usize % 4096, p.0), (0, 3));
    // Above the chunks' own alignment: padded to, in the current chunk or a fresh one.
    #[repr(align(8192))]
    #[derive(Clone, Copy)]
    struct Huge(u8);
    for v in 0..3u8 {
        let h = arena.alloc(Huge(v));
        assert_eq!((h as *const Huge as usize % 8192, h.0), (0, v));
    }
    #[repr(align(65536))]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Page64K([u8; 3]);
    let big = arena.try_alloc(Page64K([1, 2, 3])).unwrap();
    assert_eq!(big as *const Page64K as usize % 65536, 0);
    assert_eq!(p.0, 3, "earlier values untouched");
    assert_eq!(*big, Page64K([1, 2, 3]));
}

#[test]
fn zero_sized_types_and_empty_slices() {
    let arena = Arena::new();
    let before = arena.stats();
    let unit: &mut () = arena.alloc(());
    *unit = ();
    let empty: &mut [u64] = arena.alloc_slice_copy(&[]);
    assert!(empty.is_empty());
    let units = arena.alloc_slice_fill_with(1000, |_| ());
    assert_eq!(units.len(), 1000);
    assert_eq!(arena.alloc_str(""), "");
    assert_eq!(arena.stats().allocated_bytes, before.allocated_bytes);
}

#[test]
fn layout_overflow_is_an_error() {
    let arena = Arena::new();
    assert_eq!(
        arena
            .try_alloc_slice_fill_with(usize::MAX / 4, |_| 0u32)
            .unwrap_err(),
        AllocError::LayoutOverflow
    );
    assert_eq!(
        arena.try_alloc_slice_copy(&[0u8; 0][..]).map(|s| s.len()),
        Ok(0)
    );
    let huge = std::alloc::Layout::from_size_align(isize::MAX as usize, 1).unwrap();
    assert_eq!(
        arena.try_alloc_layout(huge).unwrap_err(),
        AllocError::LayoutOverflow
    );
    // Still usable.
    assert_eq!(*arena.alloc(1u8), 1);
}

#[test]
fn fixed_buffer_never_touches_the_heap_and_reports_exhaustion() {
    #[repr(align(64))]
    struct Buf([MaybeUninit<u8>; 256]);
    let mut buf = Buf([MaybeUninit::uninit(); 256]);
    let mut arena = Arena::from_buffer(&mut buf.0);
    for i in 0..32u64 {
        arena.alloc(i);
    }
    assert_eq!(arena.try_alloc(0u8).unwrap_err(), AllocError::Exhausted);
    assert_eq!(arena.try_alloc_str("x").unwrap_err(), AllocError::Exhausted);
    assert_eq!(arena.try_alloc_box(1u8).unwrap_err(), AllocError::Exhausted);
    assert_eq!(arena.stats().chunks, 1);
    arena.reset();
    assert_eq!(*arena.alloc(5u64), 5);
}

#[test]
fn limit_caps_the_chunks() {
    let arena = Arena::with_limit(16 * 1024);
    let mut n = 0;
    while arena.try_alloc([0u8; 512]).is_ok() {
        n += 1;
    }
    assert!(n >= 16, "{n}");
    assert!(arena.stats().reserved_bytes <= 16 * 1024);
    assert_eq!(arena.try_alloc(0u8).unwrap_err(), AllocError::Exhausted);
}

#[test]
fn one_huge_allocation_does_not_make_later_chunks_huge() {
    let mut arena = Arena::new();
    // Far bigger than a regular chunk (the first ones are 4 KiB).
    let huge = if cfg!(miri) { 64 * 1024 } else { 1 << 20 };
    arena.alloc_slice_copy(&vec![0u8; huge]);
    let after_huge = arena.stats().reserved_bytes;
    for _ in 0..200 {
        arena.alloc([0u8; 100]);
    }
    let grown = arena.stats().reserved_bytes - after_huge;
    assert!(grown < huge / 2, "regular chunks grew by {grown}");
    arena.reset();
    assert_eq!(arena.stats().reserved_bytes, after_huge + grown);
}

#[test]
fn reset_releases_and_keeps_memory() {
    let mut arena = Arena::new();
    for round in 0..5 {
        for i in 0..N {
            arena.alloc(i);
        }
        let s = arena.stats();
        assert_eq!(s.allocated_bytes, N * 8);
        if round > 0 {
            assert_eq!(s.waste_bytes, s.waste_bytes.min(s.reserved_bytes));
        }
        arena.reset();
        assert_eq!(arena.stats().allocated_bytes, 0);
    }
}

struct Noisy(Rc<Cell<usize>>, bool);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
        if self.1 && !std::thread::panicking() {
            panic!("Noisy panics in Drop");
        }
    }
}

#[test]
fn boxes_drop_at_end_of_scope() {
    let drops = Rc::new(Cell::new(0));
    let arena = Arena::new();
    {
        let a = arena.alloc_box(Noisy(drops.clone(), false));
        let _b = arena.alloc_box(Noisy(drops.clone(), false));
        let inner = ArenaBox::into_inner(a);
        assert_eq!(drops.get(), 0);
        drop(inner);
        assert_eq!(drops.get(), 1);
    }
    assert_eq!(drops.get(), 2);
    // A box may hold references into the arena: they outlive it.
    let s = arena.alloc_str("owner");
    let b = arena.alloc_box(vec![&*s]);
    assert_eq!(b[0], "owner");
}

#[test]
fn registered_values_drop_at_reset_newest_first() {
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    struct Tell(u8, std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Drop for Tell {
        fn drop(&mut self) {
            self.1.lock().unwrap().push(self.0);
        }
    }
    let mut arena = Arena::new();
    for i in 0..3 {
        arena.alloc_with_drop(Tell(i, order.clone()));
    }
    assert_eq!(arena.stats().pending_drops, 3);
    arena.reset();
    assert_eq!(*order.lock().unwrap(), [2, 1, 0]);
    arena.alloc_with_drop(Tell(9, order.clone()));
    drop(arena);
    assert_eq!(*order.lock().unwrap(), [2, 1, 0, 9]);
}

#[test]
fn a_panicking_drop_during_reset_is_never_run_twice() {
    struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>, bool);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.1 {
                panic!("drop fails");
            }
        }
    }
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut arena = Arena::new();
    arena.alloc_with_drop(Counted(count.clone(), false));
    arena.alloc_with_drop(Counted(count.clone(), true));
    arena.alloc_with_drop(Counted(count.clone(), false));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| arena.reset()));
    assert!(r.is_err());
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(arena.stats().pending_drops, 1);
    arena.reset();
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
    arena.reset();
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn panicking_builders_leave_the_arena_usable() {
    let arena = Arena::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        arena.alloc_with::<[u8; 64], _>(|| panic!("no value"))
    }));
    assert!(r.is_err());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        arena.alloc_slice_fill_with(10, |i| if i == 5 { panic!("half way") } else { i })
    }));
    assert!(r.is_err());
    assert_eq!(arena.alloc_slice_copy(&[1, 2]), [1, 2]);
    let drops = Rc::new(Cell::new(0));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _b = arena.alloc_box(Noisy(drops.clone(), true));
    }));
    assert!(r.is_err());
    assert_eq!(drops.get(), 1);
}

#[test]
fn scopes_free_what_they_allocate_even_on_panic() {
    let mut arena = Arena::new();
    arena.scope(|a| {
        a.alloc_slice_fill_with(N, |i| i);
    });
    assert_eq!(arena.stats().allocated_bytes, 0);
    let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    struct D(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    arena.alloc_with_drop(D(drops.clone()));
    let outer = arena.stats();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        arena.scope(|a| {
            a.alloc_with_drop(D(drops.clone()));
            a.alloc_slice_fill_with(5000, |i| i as u8);
            panic!("inside the scope");
        })
    }));
    assert!(r.is_err());
    // The inner value was dropped at scope end, the outer one is still pending, and the
    // bytes are back (chunks the scope added are kept for reuse).
    assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
    let after = arena.stats();
    assert_eq!(
        (
            after.allocated_bytes,
            after.waste_bytes,
            after.pending_drops
        ),
        (
            outer.allocated_bytes,
            outer.waste_bytes,
            outer.pending_drops
        )
    );
    let nested = arena.scope(|a| {
        let x = a.alloc(40u32);
        *x + 2
    });
    assert_eq!(nested, 42);
    arena.reset();
    assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn arena_backed_collections() {
    use allocator_api2::vec::Vec as AVec;
    let arena = Arena::new();
    let mut v: AVec<u32, &Arena> = AVec::new_in(&arena);
    for i in 0..N as u32 {
        v.push(i);
    }
    assert_eq!(
        v.iter().map(|&x| x as u64).sum::<u64>(),
        (0..N as u64).sum()
    );
    let mut map = hashbrown::HashMap::new_in(&arena);
    for i in 0..(N / 10).max(10) as u32 {
        map.insert(i, i * 2);
    }
    assert_eq!(map.get(&7), Some(&14));
    drop(map);
    drop(v);
}

#[test]
fn growing_the_newest_allocation_happens_in_place() {
    use allocator_api2::vec::Vec as AVec;
    let arena = Arena::with_capacity(1 << 16);
    let mut v: AVec<u8, &Arena> = AVec::with_capacity_in(16, &arena);
    let first = v.as_ptr();
    for i in 0..1000 {
        v.push(i as u8);
    }
    assert_eq!(v.as_ptr(), first, "grew by moving");
    assert_eq!(arena.stats().allocated_bytes, v.capacity());
    // Freeing the newest allocation gives the bytes back.
    drop(v);
    assert_eq!(arena.stats().allocated_bytes, 0);
}

#[test]
fn arena_is_send() {
    fn send<T: Send>() {}
    send::<Arena<'static>>();
    send::<ArenaBox<'static, String>>();
    let arena = Arena::new();
    arena.alloc(1u8);
    std::thread::spawn(move || {
        let mut arena = arena;
        arena.reset();
        assert_eq!(*arena.alloc(2u8), 2);
    })
    .join()
    .unwrap();
}

#[test]
fn builders_may_allocate_from_the_same_arena() {
    let arena = Arena::new();
    let mut inner: Option<&mut [u64]> = None;
    let outer = arena.alloc_with(|| {
        inner = Some(arena.alloc_slice_fill_with(300, |i| i as u64));
        [7u64; 64]
    });
    let inner = inner.unwrap();
    assert_eq!(outer[63], 7);
    assert_eq!(inner[299], 299);
    let (a, b) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    assert!(
        a + 64 * 8 <= b || b + 300 * 8 <= a,
        "re-entrant allocations overlap"
    );
    let nested = arena.alloc_slice_fill_with(10, |i| *arena.alloc(i as u32 * 2));
    assert_eq!(nested[9], 18);
}
