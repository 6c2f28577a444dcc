//! `shuffler_ops`: allocations, frees, rents (kept, dropped and leaked), shuffles and
//! budgeted steps on a `Shuffler` against a `HashMap` model, with forged handles and drop
//! counting. Rented blocks must not move.

use std::collections::HashMap;

use pool_core::shuffler::{BlockRent, BlockRentMut};
use pool_core::{Handle, RentError, ShuffleHandle, Shuffler};

use super::{pick, Drops, Input, Tracked};

/// A guard kept alive across operations.
enum Guard<'a> {
    Shared(BlockRent<'a, Tracked>),
    Exclusive(BlockRentMut<'a, Tracked>),
}

impl Guard<'_> {
    fn handle(&self) -> ShuffleHandle<Tracked> {
        match self {
            Guard::Shared(g) => BlockRent::handle(g),
            Guard::Exclusive(g) => BlockRentMut::handle(g),
        }
    }

    fn block(&self) -> &[Tracked] {
        match self {
            Guard::Shared(g) => g,
            Guard::Exclusive(g) => g,
        }
    }
}

/// Runs the operations `data` encodes.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let mut drops = Drops::default();
    {
        let s: Shuffler<Tracked> = Shuffler::with_id(u32::from(input.u8()));
        let mut model: HashMap<ShuffleHandle<Tracked>, Vec<u64>> = HashMap::new();
        let mut issued = Vec::new();
        let mut guards: Vec<(Guard<'_>, usize)> = Vec::new();
        let mut leaked: Vec<(ShuffleHandle<Tracked>, bool)> = Vec::new();
        let mut next = 0u64;
        while !input.is_empty() {
            match input.u8() % 12 {
                0..=3 => {
                    let n = match input.u8() {
                        0..=199 => usize::from(input.u8() % 40),
                        _ => usize::from(input.u16() % 2048),
                    };
                    let base = next;
                    next += n as u64;
                    let made = &mut drops;
                    let h = s.alloc_with(n, |i| made.make(base + i as u64));
                    assert!(!issued.contains(&h), "handle issued twice");
                    model.insert(h, (base..base + n as u64).collect());
                    issued.push(h);
                }
                4 | 5 => {
                    if let Some(h) = pick(&issued, input.u16()) {
                        assert_eq!(s.free(h), model.remove(&h).is_some());
                        assert!(!s.contains(h) && !s.free(h));
                    }
                }
                6 | 7 => {
                    if let Some(h) = pick(&issued, input.u16()) {
                        let exclusive = guards
                            .iter()
                            .any(|(g, _)| g.handle() == h && matches!(g, Guard::Exclusive(_)))
                            || leaked.iter().any(|&(l, x)| l == h && x);
                        let rented = exclusive
                            || guards.iter().any(|(g, _)| g.handle() == h)
                            || leaked.iter().any(|&(l, _)| l == h);
                        let want_mut = input.u8() & 1 == 1;
                        let got = if want_mut {
                            s.rent_mut(h).map(Guard::Exclusive)
                        } else {
                            s.rent(h).map(Guard::Shared)
                        };
                        match got {
                            Ok(g) => {
                                assert!(model.contains_key(&h));
                                assert!(if want_mut { !rented } else { !exclusive });
                                let addr = g.block().as_ptr() as usize;
                                guards.push((g, addr));
                            }
                            Err(RentError::Busy) => {
                                assert!(if want_mut { rented } else { exclusive });
                            }
                            Err(e) => {
                                assert_eq!(e, RentError::Stale);
                                assert!(!model.contains_key(&h));
                            }
                        }
                    }
                }
                8 => {
                    if !guards.is_empty() {
                        let k = usize::from(input.u8()) % guards.len();
                        let (g, _) = guards.remove(k);
                        if input.u8() & 1 == 1 {
                            leaked.push((g.handle(), matches!(g, Guard::Exclusive(_))));
                            std::mem::forget(g);
                        }
                    }
                }
                9 => s.shuffle(),
                10 => {
                    s.shuffle_step(usize::from(input.u16()));
                }
                _ => {
                    if let Some(h) = Handle::from_bits(input.u64()) {
                        assert_eq!(s.contains(h), model.contains_key(&h));
                        assert_eq!(s.len_of(h), model.get(&h).map(Vec::len));
                    }
                    let budget = input.u16();
                    s.set_budget((budget != 0).then_some(usize::from(budget)));
                }
            }
            for (g, addr) in &guards {
                assert_eq!(g.block().as_ptr() as usize, *addr, "a rented block moved");
                if let Some(ids) = model.get(&g.handle()) {
                    assert!(g.block().iter().map(|t| t.id).eq(ids.iter().copied()));
                }
            }
            for &h in &issued {
                assert_eq!(s.contains(h), model.contains_key(&h));
                if let (Ok(g), Some(ids)) = (s.rent(h), model.get(&h)) {
                    assert!(g.iter().map(|t| t.id).eq(ids.iter().copied()));
                }
            }
            assert_eq!(s.len(), model.len());
        }
        // Leaked guards keep their blocks rented; the shuffler drops them with itself.
        drop(guards);
    }
    assert_eq!(
        drops.made(),
        drops.dropped(),
        "an element was leaked or dropped twice"
    );
}
