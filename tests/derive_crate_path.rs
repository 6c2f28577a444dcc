//! `#[pooled(crate = "...")]` for crates that reach pool-core under another path. The
//! path here leads to look-alike traits, which proves the expansion uses it (and not
//! `::pool_core`) everywhere.

mod fake {
    pub(crate) use pool_core::{Handle, Rent, RentMut};

    pub(crate) trait Reset {
        fn reset(&mut self);
    }

    impl Reset for u32 {
        fn reset(&mut self) {
            *self = 100;
        }
    }

    pub(crate) trait Pooled: Reset {
        const NAME: &'static str;
        const CAPACITY: usize;
        const BOUNDED: bool;
    }
}

#[derive(Debug, Default, pool_core::Pooled)]
#[pooled(crate = "crate::fake", capacity = 3)]
struct Particle {
    life: u32,
}

#[test]
fn derive_uses_the_given_crate_path() {
    let mut p = Particle { life: 5 };
    fake::Reset::reset(&mut p);
    assert_eq!(p.life, 100);
    assert_eq!(<Particle as fake::Pooled>::NAME, "Particle");
    assert_eq!(<Particle as fake::Pooled>::CAPACITY, 3);
    const { assert!(!<Particle as fake::Pooled>::BOUNDED) };
    let _: Option<ParticleHandle> = None;
    let _: Option<ParticleRent<'_>> = None;
    let _: Option<ParticleRentMut<'_>> = None;
}
