// A shard count past the limit is rejected when the static is built.
use pool_core::small_pool::SmallPool;

static POOL: SmallPool = SmallPool::new().with_shards(65); // error[E0080]

fn main() {
    let _ = POOL.shard_limit();
}
