//! A `SyncPool` whose values' `Drop`s re-enter it: remove another value, insert one, pin
//! and collect, or panic. Random programs of inserts, removes, takes, guards and pins (under
//! Miri too) must keep every held value readable and drop every value exactly once, also
//! when the drop is deferred to a guard or to the epoch.

mod common;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use common::{quietly, Rng};
use pool_core::{Handle, SyncPool};

/// What a value does when dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnDrop {
    Nothing,
    /// Removes a value from `VICTIMS`.
    RemoveAnother,
    /// Inserts a value (and lists it in `VICTIMS`).
    Insert,
    /// Pins, advances the epoch and collects.
    Collect,
    /// Panics (unless already unwinding).
    Panic,
}

const ACTIONS: [OnDrop; 5] = [
    OnDrop::Nothing,
    OnDrop::RemoveAnother,
    OnDrop::Insert,
    OnDrop::Collect,
    OnDrop::Panic,
];

struct Value {
    id: u32,
    on_drop: OnDrop,
}

thread_local! {
    /// The pool under test, for the `Drop`s to reach.
    static STORE: RefCell<Option<Arc<SyncPool<Value>>>> = const { RefCell::new(None) };
    /// Handles the test let go of, for a `Drop` to remove.
    static VICTIMS: RefCell<Vec<Handle<Value>>> = const { RefCell::new(Vec::new()) };
    static MADE: Cell<usize> = const { Cell::new(0) };
    static DROPPED: Cell<usize> = const { Cell::new(0) };
}

fn value(id: u32, on_drop: OnDrop) -> Value {
    MADE.with(|m| m.set(m.get() + 1));
    Value { id, on_drop }
}

impl Drop for Value {
    fn drop(&mut self) {
        DROPPED.with(|d| d.set(d.get() + 1));
        let Some(pool) = STORE.with(|s| s.borrow().clone()) else {
            return;
        };
        match self.on_drop {
            OnDrop::Nothing => {}
            OnDrop::RemoveAnother => {
                if let Some(h) = VICTIMS.with(|v| v.borrow_mut().pop()) {
                    pool.remove(h);
                }
            }
            OnDrop::Insert => {
                let h = pool.insert(value(1_000_000 + self.id, OnDrop::Nothing));
                VICTIMS.with(|v| v.borrow_mut().push(h));
            }
            OnDrop::Collect => {
                drop(pool.pin());
                pool.advance_epoch();
                pool.collect();
            }
            OnDrop::Panic => {
                if !std::thread::panicking() {
                    panic!("value {} panics in Drop", self.id);
                }
            }
        }
    }
}

#[test]
fn re_entrant_drops_drop_each_value_once() {
    let programs: u64 = if cfg!(miri) { 4 } else { 200 };
    let steps: u32 = if cfg!(miri) { 50 } else { 150 };
    for seed in 0..programs {
        let pool = Arc::new(SyncPool::new());
        STORE.with(|x| *x.borrow_mut() = Some(pool.clone()));
        let mut rng = Rng(seed.wrapping_mul(6_364_136_223_846_793_005) | 1);
        let mut live: Vec<(Handle<Value>, u32)> = Vec::new();
        for i in 0..steps {
            let r = rng.next();
            let h = pool.insert(value(i, ACTIONS[(r % 5) as usize]));
            live.push((h, i));
            if r % 3 == 0 {
                let (h, _) = live.swap_remove((r >> 20) as usize % live.len());
                match (r >> 8) % 5 {
                    0 => VICTIMS.with(|v| v.borrow_mut().push(h)),
                    1 => {
                        // Removed while a guard reads it: dropped by the guard.
                        let guard = pool.get(h).expect("held");
                        assert!(pool.remove(h));
                        quietly(move || drop(guard));
                    }
                    2 => {
                        // Removed while pinned: dropped once the epoch has moved on.
                        let pin = pool.pin();
                        assert!(pool.remove(h));
                        // The last unpin may run deferred drops, which may panic.
                        quietly(move || drop(pin));
                        quietly(|| {
                            pool.advance_epoch();
                            pool.collect()
                        });
                    }
                    3 => {
                        let taken = pool.take(h).expect("no guard, no pin");
                        quietly(move || drop(taken));
                    }
                    _ => {
                        quietly(|| pool.remove(h));
                    }
                }
            }
            for &(h, id) in &live {
                assert_eq!(pool.get(h).expect("a held value stays live").id, id);
            }
        }
        quietly(|| {
            pool.advance_epoch();
            pool.collect()
        });
        STORE.with(|x| *x.borrow_mut() = None);
        VICTIMS.with(|v| v.borrow_mut().clear());
        let pool = Arc::into_inner(pool).expect("the test holds the last reference");
        quietly(move || drop(pool));
        let (made, dropped) = (MADE.with(Cell::get), DROPPED.with(Cell::get));
        assert_eq!(dropped, made, "program {seed}: every value dropped once");
    }
}
