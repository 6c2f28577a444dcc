// A recycler (and its leases) is invariant in `T`: were it covariant, a recycler of values
// borrowing `'static` strings could be used as one of shorter-lived values and put a
// borrowed string into a pool that outlives it.
use pool_core::{Lease, Recycler, Reset};

struct Name<'s>(&'s str);

impl Reset for Name<'_> {
    fn reset(&mut self) {}
}

fn shorten<'a, 's>(r: Recycler<'a, Name<'static>>) -> Recycler<'a, Name<'s>> {
    r
}

fn shorten_lease<'r, 's>(l: Lease<'r, Name<'static>>) -> Lease<'r, Name<'s>> {
    l
}

fn main() {}
