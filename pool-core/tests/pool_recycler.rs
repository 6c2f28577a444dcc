//! `Recycler` sessions: many `Lease` guards alive at once, values that never move, room
//! that runs out with a clear error, user code (factories, `reset`, `Drop`) that panics or
//! re-enters the recycler, leaked leases, zero-sized and over-aligned values. Every test
//! also runs under Miri, which checks that a lease's `&mut T` survives the recycler
//! updating other slots.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use pool_core::{Lease, Pool, PoolError, Recycler, Reset};

/// A buffer whose reset clears it, keeping its allocation.
#[derive(Default)]
struct Buf(Vec<u8>);

impl Reset for Buf {
    fn reset(&mut self) {
        self.0.clear();
    }
}

#[test]
fn a_batch_of_leases_is_reset_and_reused_in_place() {
    let mut pool: Pool<Buf> = Pool::new();
    pool.reserve(8);
    let mut addresses = Vec::new();
    {
        let recycler = pool.recycler();
        let mut batch: Vec<Lease<'_, Buf>> = (0..8).map(|_| recycler.acquire()).collect();
        for (i, buf) in batch.iter_mut().enumerate() {
            buf.0.extend_from_slice(&[i as u8; 100]);
            addresses.push(buf.0.as_ptr());
        }
        // Every lease still sees its own bytes after the others were written.
        for (i, buf) in batch.iter().enumerate() {
            assert!(buf.0.iter().all(|&b| b == i as u8));
        }
    }
    let s = pool.stats();
    assert_eq!((s.len, s.spares, s.acquire_misses), (0, 8, 8));
    // The next batch gets the same buffers back (LIFO), cleared, allocations kept.
    let recycler = pool.recycler();
    let batch: Vec<_> = (0..8).map(|_| recycler.acquire()).collect();
    let mut again: Vec<_> = batch.iter().map(|b| b.0.as_ptr()).collect();
    assert!(batch
        .iter()
        .all(|b| b.0.is_empty() && b.0.capacity() >= 100));
    again.reverse();
    assert_eq!(again, addresses);
    drop(batch);
    drop(recycler);
    assert_eq!(pool.stats().acquire_hits, 8);
}

#[test]
fn a_lease_reference_survives_other_acquires_and_releases() {
    let mut pool: Pool<Buf> = Pool::with_capacity(4);
    let recycler = pool.recycler();
    let mut a = recycler.acquire();
    let b = recycler.acquire();
    let held: &mut Buf = &mut a;
    held.0.push(1);
    let c = recycler.acquire(); // a new slot, pushed in place
    drop(b); // another slot becomes a spare
    let d = recycler.acquire(); // and is revived
    held.0.push(2);
    assert_eq!(a.0, [1, 2]);
    drop((c, d, a));
}

#[test]
fn room_runs_out_with_a_clear_error_and_never_moves_values() {
    let mut pool: Pool<Buf> = Pool::new();
    {
        let recycler = pool.recycler();
        assert_eq!(recycler.room(), 0);
        let err = recycler.try_acquire().err().unwrap();
        assert!(matches!(err, PoolError::NoRoomInPlace { capacity: 0 }));
        assert!(err
            .to_string()
            .contains("reserve before opening the recycler"));
    }
    pool.reserve(2);
    let capacity = pool.capacity();
    let recycler = pool.recycler();
    let leases: Vec<_> = (0..capacity).map(|_| recycler.acquire()).collect();
    assert_eq!(recycler.room(), 0);
    let made = Cell::new(false);
    let r = recycler.try_acquire_with(|| {
        made.set(true);
        Buf::default()
    });
    assert!(matches!(r, Err(PoolError::NoRoomInPlace { .. })));
    assert!(!made.get(), "`make` must not run when there is no room");
    drop(leases);
    assert_eq!(recycler.room(), capacity);
}

#[test]
#[should_panic(expected = "reserve before opening the recycler")]
fn acquire_without_room_panics_with_the_reason() {
    let mut pool: Pool<Buf> = Pool::new();
    let recycler = pool.recycler();
    let _lease = recycler.acquire();
}

#[test]
fn a_bounded_pool_reports_full() {
    let mut pool: Pool<Buf> = Pool::bounded(2);
    pool.reserve(2);
    let recycler = pool.recycler();
    let (a, b) = (recycler.acquire(), recycler.acquire());
    assert!(matches!(
        recycler.try_acquire(),
        Err(PoolError::Full { capacity: 2 })
    ));
    drop(a);
    let c = recycler.try_acquire().unwrap(); // the spare
    drop((b, c));
}

#[test]
fn into_handle_keeps_the_value_and_a_leaked_lease_stays_live() {
    let drops = Rc::new(Cell::new(0));
    struct Counted(Rc<Cell<u32>>, u32);
    impl Reset for Counted {
        fn reset(&mut self) {
            self.1 = 0;
        }
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let mut pool = Pool::with_capacity(4);
    let (kept, leaked_handle) = {
        let recycler = pool.recycler();
        let mut a = recycler.acquire_with(|| Counted(drops.clone(), 0));
        a.1 = 7;
        let kept = Lease::into_handle(a);
        let mut b = recycler.acquire_with(|| Counted(drops.clone(), 0));
        b.1 = 9;
        let leaked_handle = Lease::handle(&b);
        std::mem::forget(b);
        (kept, leaked_handle)
    };
    assert_eq!((pool[kept].1, pool[leaked_handle].1), (7, 9));
    assert_eq!(pool.len(), 2);
    assert!(pool.release(leaked_handle));
    drop(pool);
    assert_eq!(drops.get(), 2, "each value dropped exactly once");
}

#[test]
fn past_the_spare_limit_a_released_value_is_dropped() {
    let drops = Rc::new(Cell::new(0));
    struct Counted(Rc<Cell<u32>>);
    impl Reset for Counted {
        fn reset(&mut self) {}
    }
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let mut pool = Pool::with_capacity(3);
    pool.set_max_spares(1);
    {
        let recycler = pool.recycler();
        let leases: Vec<_> = (0..3)
            .map(|_| recycler.acquire_with(|| Counted(drops.clone())))
            .collect();
        drop(leases);
    }
    assert_eq!((pool.stats().spares, drops.get()), (1, 2));
    drop(pool);
    assert_eq!(drops.get(), 3);
}

/// Values whose `reset` panics for odd ids, counting drops per id.
struct Fragile {
    id: usize,
    drops: Rc<RefCell<Vec<u32>>>,
}

impl Reset for Fragile {
    fn reset(&mut self) {
        if self.id % 2 == 1 {
            panic!("reset of {} panics", self.id);
        }
    }
}

impl Drop for Fragile {
    fn drop(&mut self) {
        self.drops.borrow_mut()[self.id] += 1;
    }
}

#[test]
fn a_panicking_reset_drops_the_value_once_and_frees_its_slot() {
    let drops = Rc::new(RefCell::new(vec![0u32; 4]));
    let mut pool = Pool::with_capacity(4);
    let capacity = pool.capacity();
    {
        let recycler = pool.recycler();
        let mut leases: Vec<_> = (0..4)
            .map(|id| {
                recycler.acquire_with(|| Fragile {
                    id,
                    drops: drops.clone(),
                })
            })
            .collect();
        while let Some(lease) = leases.pop() {
            let odd = lease.id % 2 == 1;
            let r = catch_unwind(AssertUnwindSafe(move || drop(lease)));
            assert_eq!(r.is_err(), odd);
        }
        // The two freed slots and the two spares are all room again.
        assert_eq!(recycler.room(), capacity);
    }
    assert_eq!(*drops.borrow(), [0, 1, 0, 1]);
    assert_eq!((pool.len(), pool.stats().spares), (0, 2));
    drop(pool);
    assert_eq!(*drops.borrow(), [1, 1, 1, 1]);
}

#[test]
fn a_panicking_factory_leaves_the_pool_unchanged() {
    let mut pool: Pool<Buf> = Pool::with_capacity(2);
    let recycler = pool.recycler();
    let a = recycler.acquire();
    let room = recycler.room();
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _lease = recycler.acquire_with(|| panic!("factory fails"));
    }));
    assert!(r.is_err());
    assert_eq!(recycler.room(), room);
    drop(a);
    drop(recycler);
    assert_eq!((pool.len(), pool.stats().spares), (0, 1));
}

#[test]
fn a_factory_may_acquire_from_the_same_recycler() {
    // With room for both, the inner and the outer acquire both succeed.
    let mut pool: Pool<Buf> = Pool::new();
    pool.reserve_exact(2);
    {
        let recycler = pool.recycler();
        let inner = RefCell::new(None);
        let outer = recycler.acquire_with(|| {
            *inner.borrow_mut() = Some(recycler.acquire());
            Buf(vec![1])
        });
        assert_eq!(outer.0, [1]);
        assert!(inner.borrow().as_ref().unwrap().0.is_empty());
        drop(inner);
        drop(outer);
    }
    assert_eq!(pool.stats().spares, 2);

    // When the inner acquire takes the last room, the outer one reports it and drops the
    // value its factory built.
    let mut pool: Pool<Buf> = Pool::new();
    pool.reserve_exact(1);
    assert_eq!(pool.capacity(), 1);
    {
        let recycler = pool.recycler();
        let inner = RefCell::new(None);
        let outer = recycler.try_acquire_with(|| {
            *inner.borrow_mut() = Some(recycler.acquire());
            Buf(vec![2])
        });
        assert!(matches!(outer, Err(PoolError::NoRoomInPlace { .. })));
        assert!(inner.borrow().is_some());
    }
    assert_eq!((pool.len(), pool.stats().spares), (0, 1));
}

/// A value that holds its own recycler and acquires from it while being reset.
struct Reentrant {
    recycler: Option<&'static Recycler<'static, Reentrant>>,
    resets: Rc<Cell<u32>>,
}

impl Reset for Reentrant {
    fn reset(&mut self) {
        self.resets.set(self.resets.get() + 1);
        if let Some(recycler) = self.recycler {
            // Re-enter: acquire (a spare or a new value) and release it at once.
            if let Ok(lease) = recycler.try_acquire_with(|| Reentrant {
                recycler: None,
                resets: self.resets.clone(),
            }) {
                drop(lease);
            }
        }
    }
}

#[test]
fn reset_may_reenter_the_recycler() {
    let resets = Rc::new(Cell::new(0));
    // The recycler must be `'static` for a value to hold it: both live in boxes turned into
    // raw pointers, and are freed at the end.
    let pool: *mut Pool<Reentrant> = Box::into_raw(Box::new(Pool::with_capacity(4)));
    // SAFETY: `pool` is a live, unique allocation until it is freed below, after every
    // reference made from it is gone.
    let recycler: *mut Recycler<'static, Reentrant> =
        Box::into_raw(Box::new(unsafe { &mut *pool }.recycler()));
    {
        // SAFETY: as above; the recycler is freed below, after its last use.
        let r: &'static Recycler<'static, Reentrant> = unsafe { &*recycler };
        let a = r.acquire_with(|| Reentrant {
            recycler: Some(r),
            resets: resets.clone(),
        });
        let b = r.acquire_with(|| Reentrant {
            recycler: Some(r),
            resets: resets.clone(),
        });
        drop(a); // its reset acquires and releases a third value
        drop(b); // its reset revives `a`'s spare (`a` now holds the recycler) and so on
        assert!(resets.get() >= 4);
        assert_eq!(r.room(), 4);
    }
    // SAFETY: both were made by `Box::into_raw` above and nothing refers to them now.
    unsafe {
        drop(Box::from_raw(recycler));
        let pool = Box::from_raw(pool);
        assert_eq!(pool.len(), 0);
        assert!(pool.stats().spares >= 2);
    }
}

#[test]
fn zero_sized_and_over_aligned_values() {
    #[derive(Default)]
    struct Unit;
    impl Reset for Unit {
        fn reset(&mut self) {}
    }
    let mut units: Pool<Unit> = Pool::with_capacity(3);
    {
        let recycler = units.recycler();
        let leases: Vec<_> = (0..3).map(|_| recycler.acquire()).collect();
        assert_eq!(recycler.room(), 0);
        drop(leases);
    }
    assert_eq!(units.stats().spares, 3);

    #[repr(align(64))]
    struct Line([u8; 64]);
    impl Default for Line {
        fn default() -> Self {
            Line([0; 64])
        }
    }
    impl Reset for Line {
        fn reset(&mut self) {
            self.0 = [0; 64];
        }
    }
    let mut lines: Pool<Line> = Pool::with_capacity(3);
    let recycler = lines.recycler();
    let mut leases: Vec<_> = (0..3).map(|_| recycler.acquire()).collect();
    for (i, l) in leases.iter_mut().enumerate() {
        assert_eq!((&**l as *const Line as usize) % 64, 0);
        l.0[63] = i as u8 + 1;
    }
    assert_eq!(leases[2].0[63], 3);
    drop(leases);
    let again = recycler.acquire();
    assert_eq!(again.0, [0; 64]);
}
