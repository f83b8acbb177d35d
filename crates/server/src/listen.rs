//! The connection layer: accepts TCP connections under a cap in all and per address,
//! serves each with HTTP/1.1 under a header timeout, closes connections that sit idle
//! (sooner when the server is nearly full), and on stop lets requests in flight finish
//! for a grace period, then closes the rest. A closed connection reads what its client
//! is still sending for a moment, so an answer given before a request was read whole (a
//! 413 for an oversized upload) reaches the client instead of being lost to a reset.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::config::Limits;

/// Open connections, in all and by address, and how to ask each to close.
#[derive(Default)]
struct Census {
    inner: Mutex<Rooms>,
}

#[derive(Default)]
struct Rooms {
    next_id: u64,
    by_addr: HashMap<IpAddr, u64>,
    open: HashMap<u64, Open>,
}

struct Open {
    activity: Arc<Activity>,
    /// Told to close when a newcomer needs the room.
    kick: Arc<tokio::sync::Notify>,
}

/// A place in the census, given back when the connection ends.
struct Seat {
    census: Arc<Census>,
    ip: IpAddr,
    id: u64,
    activity: Arc<Activity>,
    kick: Arc<tokio::sync::Notify>,
}

impl Census {
    fn rooms(&self) -> std::sync::MutexGuard<'_, Rooms> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A seat for a connection from `ip`: refused when that address has its share; when
    /// the server is full, the connection idle longest is asked to make room.
    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Seat> {
        let mut rooms = self.rooms();
        let here = rooms.by_addr.get(&ip).copied().unwrap_or(0);
        if here >= limits.max_connections_per_address {
            return None;
        }
        if rooms.open.len() as u64 >= limits.max_connections {
            let idlest = rooms
                .open
                .iter()
                .filter_map(|(id, o)| Some((o.activity.idle_for()?, *id)))
                .max()
                .map(|(_, id)| id)?;
            if let Some(o) = rooms.open.remove(&idlest) {
                o.kick.notify_one();
            }
        }
        let id = rooms.next_id;
        rooms.next_id += 1;
        *rooms.by_addr.entry(ip).or_default() += 1;
        let activity = Arc::new(Activity {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
        });
        let kick = Arc::new(tokio::sync::Notify::new());
        rooms.open.insert(
            id,
            Open {
                activity: activity.clone(),
                kick: kick.clone(),
            },
        );
        Some(Seat {
            census: self.clone(),
            ip,
            id,
            activity,
            kick,
        })
    }

    fn open(&self) -> u64 {
        self.rooms().open.len() as u64
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut rooms = self.census.rooms();
        rooms.open.remove(&self.id);
        if let Some(n) = rooms.by_addr.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                rooms.by_addr.remove(&self.ip);
            }
        }
    }
}

/// What the idle watch needs to know about one connection.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `started` when the last request ended (or the connection opened).
    last_ms: AtomicU64,
}

impl Activity {
    /// How long the connection has had no request in flight; `None` while it has one.
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last_ms.load(Ordering::SeqCst));
        Some(self.started.elapsed().saturating_sub(last))
    }
}

/// Ends a request's count when its answer is ready (or the request is dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(a: &Arc<Activity>) -> Self {
        a.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(a.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let ms = self.0.started.elapsed().as_millis() as u64;
        self.0.last_ms.store(ms, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The answer to a connection turned away: plain HTTP, then the socket closes.
const FULL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\nretry-after: 5\r\ncontent-length: 114\r\n\r\n{\"error\":{\"status\":503,\"code\":\"too_many_connections\",\"message\":\"too many open connections; try again shortly\"}}\n";

/// Serves `router` on `listener` until `stop` resolves, then drains for the grace period.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let census = Arc::new(Census::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => {
                    // Out of file descriptors or a connection reset before it was taken:
                    // wait a moment for one to free instead of spinning.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            // Finished connections are collected as they go.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let Some(seat) = census.admit(peer.ip(), &limits) else {
            let _ = stream.try_write(FULL);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tasks.spawn(connection(
            stream,
            peer,
            router.clone(),
            limits.clone(),
            census.clone(),
            seat,
            stop_rx.clone(),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    census: Arc<Census>,
    seat: Seat,
    mut stop: watch::Receiver<bool>,
) {
    let activity = seat.activity.clone();
    let kick = seat.kick.clone();
    let watched = activity.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let guard = InFlight::new(&watched);
        req.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let res = router.oneshot(req.map(axum::body::Body::new)).await;
            drop(guard);
            Ok::<_, Infallible>(res.unwrap_or_else(|e| match e {}))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_timeout_secs))
        .max_buf_size(64 * 1024);
    let conn = builder.serve_connection(TokioIo::new(Lingering(Some(stream))), service);
    let mut conn = std::pin::pin!(conn);
    let idle = Duration::from_secs(limits.idle_timeout_secs);
    // When the server is three quarters full, idle connections get a second at most.
    let crowded = limits.max_connections.saturating_mul(3) / 4;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Set once the connection is asked to close: past it, the socket is dropped.
    let mut hard_stop: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = stop.changed(), if hard_stop.is_none() => {
                conn.as_mut().graceful_shutdown();
                hard_stop = Some(Instant::now() + Duration::from_secs(limits.shutdown_grace_secs));
            }
            // A newcomer needed the room; this connection had nothing in flight.
            _ = kick.notified(), if hard_stop.is_none() => break,
            _ = tick.tick() => match hard_stop {
                Some(at) if Instant::now() >= at => break,
                Some(_) => {}
                None => {
                    let allowed = if census.open() >= crowded { idle.min(Duration::from_secs(1)) } else { idle };
                    if activity.idle_for().is_some_and(|d| d >= allowed) {
                        conn.as_mut().graceful_shutdown();
                        hard_stop = Some(Instant::now() + Duration::from_secs(1));
                    }
                }
            },
        }
    }
    drop(seat);
}

/// How long, and how much, a closed connection reads of what its client still sends.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 32 * 1024 * 1024;

/// A connection's socket that, when dropped, is closed the lingering way: the answer is
/// finished (FIN), then what the client is still sending is read and thrown away until
/// it stops, for at most [`LINGER_TIME`] and [`LINGER_BYTES`]. Closing a socket with
/// unread data resets it, and a client still writing an upload the server has already
/// refused then loses the refusal.
struct Lingering(Option<TcpStream>);

impl Lingering {
    fn stream(self: std::pin::Pin<&mut Self>) -> std::pin::Pin<&mut TcpStream> {
        std::pin::Pin::new(
            self.get_mut()
                .0
                .as_mut()
                .expect("the socket is only taken when dropped"),
        )
    }
}

impl AsyncRead for Lingering {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.stream().poll_read(cx, buf)
    }
}

impl AsyncWrite for Lingering {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.stream().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.stream().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.as_ref().is_some_and(|s| s.is_write_vectored())
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.stream().poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.stream().poll_shutdown(cx)
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        let Some(mut stream) = self.0.take() else {
            return;
        };
        // Outside a runtime (never, in the server) the socket is simply closed.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let _ = stream.shutdown().await;
            let mut buf = vec![0u8; 64 * 1024];
            let mut left = LINGER_BYTES;
            let _ = tokio::time::timeout(LINGER_TIME, async {
                while left > 0 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => left = left.saturating_sub(n),
                    }
                }
            })
            .await;
        });
    }
}
