// A renting session updates rent counts without atomics: it cannot be shared.
use pool_core::Rentals;

fn assert_sync<T: Sync>() {}

fn main() {
    assert_sync::<Rentals<'static, u64>>();
}
