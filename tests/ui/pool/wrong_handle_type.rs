// A `Handle<Enemy>` cannot be used on a `Pool<Bullet>`.
use pool_core::{Handle, Pool};

struct Enemy;
struct Bullet;

fn main() {
    let mut enemies = Pool::new();
    let bullets: Pool<Bullet> = Pool::new();
    let e: Handle<Enemy> = enemies.insert(Enemy);
    let _ = bullets.get(e);
}
