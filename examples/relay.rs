//! The network example: a TCP relay on real loopback sockets with pooled packet buffers.
//!
//! A server on `127.0.0.1` (port 0: the OS picks) and, in the same process, a load
//! generator: `CLIENTS` connections each send `FRAMES` length-prefixed frames, one at a
//! time, and wait for each reply (so every frame's round trip is measured). On the server,
//! one reader thread per connection reads each frame into a pooled [`Packet`] (a derived
//! type in a `SyncPool`, acquired on the reader thread) and hands its *handle* to a worker
//! thread over a bounded channel. The worker checksums the payload, releases the packet
//! (on another thread than the one that acquired it: the lock-free remote path) and writes
//! the reply. The buffers go round between threads and are never reallocated: after the
//! warm-up the whole exchange makes no heap allocation, which the counting allocator below
//! counts.
//!
//! Run it with `cargo run --release --example relay` (`-- CLIENTS FRAMES` to change the
//! load). It stops by itself: after its frames, or with an error when a reply takes longer
//! than `REPLY_TIMEOUT`. `tests/relay.rs` runs it small and checks every reply.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use pool_core::small_pool::AllocatorMode;
use pool_core::{Pooled, SyncPool};
use typed_pool_tests::{CountingAlloc, XorShift};

/// The process allocator, counted: the system allocator, or the one the build flag
/// `TYPED_POOL_ALLOCATOR` names (`small_pool`, or `mimalloc` with pool-core's `mimalloc`
/// feature), e.g. `TYPED_POOL_ALLOCATOR=small_pool cargo run --release --example ...`.
#[global_allocator]
static ALLOC: CountingAlloc<AllocatorMode> = CountingAlloc::with(AllocatorMode::from_name(
    option_env!("TYPED_POOL_ALLOCATOR"),
));

/// The largest frame the server accepts (length prefix excluded).
const MAX_FRAME: usize = 2048;
/// Server worker threads.
const WORKERS: usize = 2;
/// Frames each client sends before the measured phase.
const WARM_UP: usize = 50;
/// How long a client waits for a reply before giving up.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A frame being relayed: its bytes (`seq` then payload) and the connection it came on.
/// The derive resets it in place (the buffer keeps its capacity) and makes
/// `SyncPool::for_type` build buffers of `MAX_FRAME` bytes up front.
#[derive(Pooled, Default)]
#[pooled(capacity = 64, factory = Packet::new)]
pub(crate) struct Packet {
    bytes: Vec<u8>,
    conn: u32,
}

impl Packet {
    fn new() -> Self {
        Packet {
            bytes: Vec::with_capacity(MAX_FRAME),
            conn: 0,
        }
    }
}

/// FNV-1a: the checksum the server replies with.
pub(crate) fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// What one run measured.
#[derive(Debug)]
pub(crate) struct Report {
    /// Frames whose reply matched (all of them, or the run fails).
    pub(crate) frames: usize,
    /// Payload bytes relayed in the measured phase.
    pub(crate) bytes: usize,
    /// The measured phase's length.
    pub(crate) elapsed: Duration,
    /// Round-trip latency percentiles.
    pub(crate) p50: Duration,
    /// 99th percentile.
    pub(crate) p99: Duration,
    /// Heap allocations made by the whole process during the measured phase.
    pub(crate) allocations: usize,
    /// The packet pool's stats at the end.
    pub(crate) stats: pool_core::sync_pool::SyncPoolStats,
}

/// Runs the relay with `clients` connections of `frames` measured frames each.
pub(crate) fn run(clients: usize, frames: usize) -> io::Result<Report> {
    let pool: Arc<SyncPool<Packet>> = Arc::new(SyncPool::for_type());
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // Clients and the main thread meet after the warm-up, at the end, and once more when
    // the allocation count is read.
    let phase = Arc::new(Barrier::new(clients + 1));

    let client_threads: Vec<_> = (0..clients)
        .map(|c| {
            let phase = Arc::clone(&phase);
            thread::spawn(move || client(addr, c as u64, frames, &phase))
        })
        .collect();

    // Accept every connection, then start the server's threads.
    let mut streams = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        streams.push(s);
    }
    let writers: Arc<Vec<Mutex<TcpStream>>> = Arc::new(
        streams
            .iter()
            .map(|s| s.try_clone().map(Mutex::new))
            .collect::<io::Result<_>>()?,
    );
    let (senders, workers): (Vec<_>, Vec<_>) = (0..WORKERS)
        .map(|_| {
            let (tx, rx) = sync_channel(64);
            let (pool, writers) = (Arc::clone(&pool), Arc::clone(&writers));
            (tx, thread::spawn(move || worker(&pool, &rx, &writers)))
        })
        .unzip();
    let readers: Vec<_> = streams
        .into_iter()
        .enumerate()
        .map(|(conn, stream)| {
            let pool = Arc::clone(&pool);
            let tx = senders[conn % WORKERS].clone();
            thread::spawn(move || reader(&pool, stream, conn as u32, &tx))
        })
        .collect();
    drop(senders);

    phase.wait(); // warm-up done everywhere
    let allocations_before = ALLOC.allocations();
    let start = Instant::now();
    phase.wait(); // measured phase done everywhere
    let elapsed = start.elapsed();
    let allocations = ALLOC.allocations() - allocations_before;
    // Only now may the clients hang up (and the server's threads exit and give their
    // thread ids back, which may allocate): nothing of that lands in the count.
    phase.wait();

    let mut latencies = Vec::new();
    let mut total = 0;
    let mut bytes = 0;
    for t in client_threads {
        let r = t.join().expect("client thread")?;
        total += r.frames;
        bytes += r.bytes;
        latencies.extend(r.latencies);
    }
    for t in readers {
        t.join().expect("reader thread")?;
    }
    for t in workers {
        t.join().expect("worker thread")?;
    }
    latencies.sort_unstable();
    let pct = |p: usize| {
        latencies
            .get(latencies.len() * p / 100)
            .copied()
            .unwrap_or_default()
    };
    Ok(Report {
        frames: total,
        bytes,
        elapsed,
        p50: pct(50),
        p99: pct(99),
        allocations,
        stats: pool.stats(),
    })
}

/// Reads frames into pooled packets and hands their handles to a worker.
fn reader(
    pool: &SyncPool<Packet>,
    mut stream: TcpStream,
    conn: u32,
    tx: &SyncSender<pool_core::Handle<Packet>>,
) -> io::Result<()> {
    let mut len = [0u8; 4];
    loop {
        match stream.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let len = u32::from_le_bytes(len) as usize;
        if !(8..=MAX_FRAME).contains(&len) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad frame length",
            ));
        }
        let h = pool.acquire();
        {
            let mut p = pool.rent_mut(h).expect("a fresh packet is ours");
            p.conn = conn;
            p.bytes.resize(len, 0); // within the pooled capacity: no allocation
            stream.read_exact(&mut p.bytes)?;
        }
        if tx.send(h).is_err() {
            return Ok(());
        }
    }
}

/// Checksums packets, releases them (on this thread, not the reader's) and replies.
fn worker(
    pool: &SyncPool<Packet>,
    rx: &Receiver<pool_core::Handle<Packet>>,
    writers: &[Mutex<TcpStream>],
) -> io::Result<()> {
    for h in rx {
        let mut reply = [0u8; 12];
        let conn = {
            let p = pool.get(h).expect("a packet in flight is live");
            reply[..8].copy_from_slice(&p.bytes[..8]);
            reply[8..].copy_from_slice(&checksum(&p.bytes[8..]).to_le_bytes());
            p.conn as usize
        };
        // Released before the reply goes out, so the reader finds it as a spare.
        pool.release(h).expect("no guard is alive");
        let mut w = writers[conn].lock().unwrap_or_else(|p| p.into_inner());
        w.write_all(&reply)?;
    }
    Ok(())
}

struct ClientReport {
    frames: usize,
    bytes: usize,
    latencies: Vec<Duration>,
}

/// Sends `WARM_UP + frames` frames one at a time and checks every reply.
fn client(
    addr: std::net::SocketAddr,
    id: u64,
    frames: usize,
    phase: &Barrier,
) -> io::Result<ClientReport> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    // Bounded in time too: a reply that does not come within the timeout ends the run with
    // an error instead of hanging it.
    s.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let mut rng = XorShift(0x5EED ^ (id + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut frame = vec![0u8; 4 + MAX_FRAME];
    let mut latencies = Vec::with_capacity(frames);
    let mut bytes = 0;
    for i in 0..WARM_UP + frames {
        if i == WARM_UP {
            phase.wait();
        }
        let payload = 16 + rng.below(MAX_FRAME - 8 - 16);
        let len = 8 + payload;
        frame[..4].copy_from_slice(&(len as u32).to_le_bytes());
        let seq = (id << 32) | i as u64;
        frame[4..12].copy_from_slice(&seq.to_le_bytes());
        for b in &mut frame[12..4 + len] {
            *b = rng.next() as u8;
        }
        let sent = Instant::now();
        s.write_all(&frame[..4 + len])?;
        let mut reply = [0u8; 12];
        s.read_exact(&mut reply)?;
        let rtt = sent.elapsed();
        let got_seq = u64::from_le_bytes(reply[..8].try_into().expect("8 bytes"));
        let got_sum = u32::from_le_bytes(reply[8..].try_into().expect("4 bytes"));
        if got_seq != seq || got_sum != checksum(&frame[12..4 + len]) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "wrong reply"));
        }
        if i >= WARM_UP {
            latencies.push(rtt);
            bytes += payload;
        }
    }
    phase.wait(); // done
    phase.wait(); // the allocation count is read: free to hang up
    Ok(ClientReport {
        frames,
        bytes,
        latencies,
    })
}

#[allow(dead_code)] // `tests/relay.rs` includes this file and calls `run` itself
fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let clients = args.next().and_then(Result::ok).unwrap_or(8);
    let frames = args.next().and_then(Result::ok).unwrap_or(20_000);
    let r = run(clients, frames)?;
    let secs = r.elapsed.as_secs_f64();
    println!("relay: {clients} connections x {frames} frames over 127.0.0.1, {WORKERS} workers");
    println!(
        "  {} frames checked in {:.2} s: {:.0} frames/s, {:.1} MB/s of payload",
        r.frames,
        secs,
        r.frames as f64 / secs,
        r.bytes as f64 / secs / 1e6
    );
    println!("  round trip: p50 {:?}, p99 {:?}", r.p50, r.p99);
    let t = r.stats.total;
    let reuse = t.acquire_hits as f64 / (t.acquire_hits + t.acquire_misses).max(1) as f64;
    println!(
        "  packets: {} built, reuse {:.3}%, {} released on another thread, epoch {}",
        t.acquire_misses,
        reuse * 100.0,
        t.remote_releases,
        r.stats.epoch
    );
    println!("  heap allocations after warm-up: {}", r.allocations);
    println!("\n{}", r.stats);
    if let Some(pool) = ALLOC.inner().small_pool() {
        println!("process allocator ({}):", ALLOC.inner().name());
        println!("{}", pool.snapshot_stats());
    }
    Ok(())
}
