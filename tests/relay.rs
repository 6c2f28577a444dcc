//! Runs the network example small: every reply is checked (a wrong one fails the run),
//! buffers are released on other threads than the ones that acquired them, and the
//! measured phase makes no heap allocation.

#[path = "../examples/relay.rs"]
#[allow(dead_code)]
mod relay;

#[test]
#[cfg_attr(miri, ignore)] // real sockets
fn relay_checks_every_reply_and_allocates_nothing_after_warm_up() {
    let r = relay::run(4, 300).expect("relay run");
    assert_eq!(r.frames, 4 * 300);
    let t = r.stats.total;
    assert_eq!(t.live, 0, "every packet was released");
    assert!(
        t.remote_releases >= 4 * 300,
        "released on the workers: {t:?}"
    );
    assert!(t.acquire_misses <= 64, "packets are reused: {t:?}");
    assert_eq!(r.allocations, 0, "no heap allocation after the warm-up");
}
