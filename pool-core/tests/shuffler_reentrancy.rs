//! A budgeted shuffler whose elements' `Drop`s re-enter it: free another block, create
//! one, run a whole shuffle, or panic. Random programs of creates, frees, rents and steps
//! (under Miri too, which checks that no re-entrant call aliases the store's state) must
//! keep every live block readable and drop every element exactly once.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::{quietly, Rng};
use pool_core::{ShuffleHandle, Shuffler};

/// What an element does when dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnDrop {
    Nothing,
    /// Frees a block from `VICTIMS`.
    FreeAnother,
    /// Creates a block (and lists it in `VICTIMS`).
    Create,
    /// Runs a full shuffle.
    Shuffle,
    /// Panics (unless already unwinding).
    Panic,
}

const ACTIONS: [OnDrop; 5] = [
    OnDrop::Nothing,
    OnDrop::FreeAnother,
    OnDrop::Create,
    OnDrop::Shuffle,
    OnDrop::Panic,
];

struct Element {
    id: u32,
    on_drop: OnDrop,
}

thread_local! {
    /// The shuffler under test, for the `Drop`s to reach.
    static STORE: RefCell<Option<Rc<Shuffler<Element>>>> = const { RefCell::new(None) };
    /// Blocks the test let go of, for a `Drop` to free.
    static VICTIMS: RefCell<Vec<ShuffleHandle<Element>>> = const { RefCell::new(Vec::new()) };
    static MADE: Cell<usize> = const { Cell::new(0) };
    static DROPPED: Cell<usize> = const { Cell::new(0) };
}

fn element(id: u32, on_drop: OnDrop) -> Element {
    MADE.with(|m| m.set(m.get() + 1));
    Element { id, on_drop }
}

impl Drop for Element {
    fn drop(&mut self) {
        DROPPED.with(|d| d.set(d.get() + 1));
        let Some(s) = STORE.with(|s| s.borrow().clone()) else {
            return;
        };
        match self.on_drop {
            OnDrop::Nothing => {}
            OnDrop::FreeAnother => {
                if let Some(h) = VICTIMS.with(|v| v.borrow_mut().pop()) {
                    s.free(h);
                }
            }
            OnDrop::Create => {
                let h = s.alloc_with(3, |i| element(1_000_000 + i as u32, OnDrop::Nothing));
                VICTIMS.with(|v| v.borrow_mut().push(h));
            }
            OnDrop::Shuffle => s.shuffle(),
            OnDrop::Panic => {
                if !std::thread::panicking() {
                    panic!("element {} panics in Drop", self.id);
                }
            }
        }
    }
}

#[test]
fn re_entrant_drops_under_every_budget_drop_each_element_once() {
    let programs: u64 = if cfg!(miri) { 5 } else { 200 };
    let steps = if cfg!(miri) { 30 } else { 150 };
    for seed in 0..programs {
        let s = Rc::new(Shuffler::new());
        STORE.with(|x| *x.borrow_mut() = Some(s.clone()));
        s.set_budget(Some((seed % 5) as usize * 100));
        let mut rng = Rng(seed.wrapping_mul(6_364_136_223_846_793_005) | 1);
        let mut live: Vec<(ShuffleHandle<Element>, usize)> = Vec::new();
        for i in 0..steps {
            let r = rng.next();
            let action = ACTIONS[(r % 5) as usize];
            let len = (r >> 8) as usize % 5;
            let made = quietly(|| {
                s.alloc_with(len, |j| {
                    let on_drop = if j == 0 { action } else { OnDrop::Nothing };
                    element(i * 10 + j as u32, on_drop)
                })
            });
            if let Some(h) = made {
                live.push((h, len));
            }
            if r % 3 == 0 && !live.is_empty() {
                let (h, _) = live.swap_remove((r >> 20) as usize % live.len());
                if r % 7 == 0 {
                    VICTIMS.with(|v| v.borrow_mut().push(h));
                } else {
                    quietly(|| s.free(h));
                }
            }
            if r % 11 == 0 {
                if let Some(&(h, _)) = live.last() {
                    if let Ok(guard) = s.rent(h) {
                        quietly(|| s.shuffle_step(64));
                        drop(guard);
                    }
                }
            }
            // Every block the test still holds is intact (a `Drop` may have freed it
            // through `VICTIMS` only if the test gave it away, which it did not).
            for &(h, len) in &live {
                let block = s.rent(h).expect("a held block stays live");
                assert_eq!(block.len(), len);
                assert!(block.iter().all(|e| e.id < 1_000_000));
            }
        }
        quietly(|| s.shuffle());
        STORE.with(|x| *x.borrow_mut() = None);
        VICTIMS.with(|v| v.borrow_mut().clear());
        quietly(|| drop(s));
        let (made, dropped) = (MADE.with(Cell::get), DROPPED.with(Cell::get));
        assert_eq!(dropped, made, "program {seed}: every element dropped once");
    }
}
