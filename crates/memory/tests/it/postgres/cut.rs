//! A TCP proxy in front of the shared PostgreSQL server that, once armed, lets one statement through and cuts its connection before the answer comes back: a write whose outcome the client cannot know.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Forwards the wire protocol message by message (the connections must be
/// unencrypted: `sslmode=disable`). Armed, the next connection to send an
/// Execute has it and its Sync delivered, then everything the server answers
/// withheld up to ReadyForQuery (the statement has then run and committed),
/// and both sides closed.
pub struct CutProxy {
    addr: SocketAddr,
    armed: Arc<AtomicBool>,
    cut: Arc<Notify>,
    accept: JoinHandle<()>,
}

impl CutProxy {
    pub async fn open(target: SocketAddr) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        let armed = Arc::new(AtomicBool::new(false));
        let cut = Arc::new(Notify::new());
        let accept = tokio::spawn({
            let (armed, cut) = (Arc::clone(&armed), Arc::clone(&cut));
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let (armed, cut) = (Arc::clone(&armed), Arc::clone(&cut));
                    tokio::spawn(async move {
                        if let Ok(server) = TcpStream::connect(target).await {
                            forward(client, server, armed, cut).await;
                        }
                    });
                }
            }
        });
        CutProxy { addr, armed, cut, accept }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Cuts the next statement's connection, once.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Waits until an armed cut has happened.
    pub async fn cut(&self) {
        self.cut.notified().await;
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// One protocol message: its type byte (none for the startup message) and
/// its bytes as they travel.
async fn message(
    from: &mut (impl AsyncRead + Unpin),
    typed: bool,
) -> std::io::Result<(u8, Vec<u8>)> {
    let mut bytes = Vec::new();
    let kind = if typed {
        let kind = from.read_u8().await?;
        bytes.push(kind);
        kind
    } else {
        0
    };
    let len = from.read_u32().await?;
    bytes.extend_from_slice(&len.to_be_bytes());
    let start = bytes.len();
    bytes.resize(start + (len as usize).saturating_sub(4), 0);
    from.read_exact(&mut bytes[start..]).await?;
    Ok((kind, bytes))
}

async fn forward(client: TcpStream, server: TcpStream, armed: Arc<AtomicBool>, cut: Arc<Notify>) {
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let withhold = Arc::new(AtomicBool::new(false));
    let upstream = {
        let withhold = Arc::clone(&withhold);
        async move {
            let Ok((_, startup)) = message(&mut client_rx, false).await else { return };
            if server_tx.write_all(&startup).await.is_err() {
                return;
            }
            while let Ok((kind, bytes)) = message(&mut client_rx, true).await {
                // Decided before the statement leaves, so no answer to it escapes.
                if kind == b'E' && armed.swap(false, Ordering::SeqCst) {
                    withhold.store(true, Ordering::SeqCst);
                }
                if server_tx.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        }
    };
    let downstream = async move {
        while let Ok((kind, bytes)) = message(&mut server_rx, true).await {
            if withhold.load(Ordering::SeqCst) {
                if kind == b'Z' {
                    return true;
                }
            } else if client_tx.write_all(&bytes).await.is_err() {
                return false;
            }
        }
        false
    };
    // Ends with either side; dropping both halves closes both connections.
    let cut_here = tokio::select! {
        () = upstream => false,
        cut_here = downstream => cut_here,
    };
    if cut_here {
        cut.notify_one();
    }
}
