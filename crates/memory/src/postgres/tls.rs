//! TLS to PostgreSQL through rustls (ring provider): `sslmode` and `sslrootcert` with libpq's meanings, as a `MakeTlsConnect` for tokio-postgres.
//!
//! Our own connector rather than `tokio-postgres-rustls`: the modes need
//! their own certificate verifiers anyway (`require` accepts any
//! certificate, `verify-ca` checks the chain but not the name), and the
//! glue to tokio-postgres is a few lines, so one crate and its default
//! features are not needed.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};

use crate::MemoryError;
use crate::url::{PostgresUrl, SslMode};

/// The tokio-postgres `sslmode` for ours: the verify modes are `require`
/// with a verifier of their own.
pub(super) fn driver_mode(mode: SslMode) -> tokio_postgres::config::SslMode {
    use tokio_postgres::config::SslMode as Driver;
    match mode {
        SslMode::Disable => Driver::Disable,
        SslMode::Prefer => Driver::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Driver::Require,
    }
}

/// Makes the TLS side of every connection of a store.
#[derive(Clone)]
pub(super) struct MakeRustlsConnect {
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for MakeRustlsConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MakeRustlsConnect")
    }
}

impl MakeRustlsConnect {
    /// The connector for a URL's `sslmode` and `sslrootcert`. Reads the CA
    /// file (or the system store) once, here: a file that cannot be used
    /// fails at start, never on a request.
    pub(super) fn new(url: &PostgresUrl) -> Result<Self, MemoryError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let algorithms = provider.signature_verification_algorithms;
        let verify = match (url.ssl_mode, &url.ssl_root_cert) {
            (SslMode::Disable | SslMode::Prefer, _) | (SslMode::Require, None) => None,
            // As libpq: `require` with a CA file checks the chain.
            (SslMode::Require | SslMode::VerifyCa, _) => Some(false),
            (SslMode::VerifyFull, _) => Some(true),
        };
        let verifier: Arc<dyn ServerCertVerifier> = match verify {
            None => Arc::new(AnyCertificate(algorithms)),
            Some(check_name) => {
                let roots = Arc::new(roots(url)?);
                let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(|_| invalid("the trusted certificates cannot be used"))?;
                if check_name { webpki } else { Arc::new(ChainOnly(webpki)) }
            }
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| invalid("no TLS version is available"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self { config: Arc::new(config) })
    }
}

fn invalid(reason: &str) -> MemoryError {
    MemoryError::InvalidInput(format!("postgres TLS: {reason}"))
}

/// The certificate authorities a verifying mode trusts: `sslrootcert`, or
/// the operating system's store.
fn roots(url: &PostgresUrl) -> Result<RootCertStore, MemoryError> {
    let mut roots = RootCertStore::empty();
    match &url.ssl_root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| invalid(&format!("the `sslrootcert` file cannot be read ({e})")))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(invalid("the `sslrootcert` file holds no usable CA certificate"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(invalid(
                    "sslmode=verify-ca and verify-full need trusted CA certificates, and the system has none: pass sslrootcert=PATH",
                ));
            }
        }
    }
    Ok(roots)
}

impl MakeTlsConnect<Socket> for MakeRustlsConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        // Called for plain connections too (with no host name for a Unix
        // socket): a name TLS cannot use only fails a TLS handshake.
        let name = ServerName::try_from(domain.to_owned()).ok();
        Ok(RustlsConnect { config: Arc::clone(&self.config), name })
    }
}

/// The TLS side of one connection.
pub(super) struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: Option<ServerName<'static>>,
}

impl TlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let name = self.name.ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "the host name cannot be used for TLS")
            })?;
            let stream =
                tokio_rustls::TlsConnector::from(self.config).connect(name, stream).await?;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// An encrypted connection.
pub(super) struct RustlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl tokio_postgres::tls::TlsStream for RustlsStream {
    /// No `tls-server-end-point` binding: SCRAM authenticates without it
    /// (`channel_binding=prefer`, the default, allows that).
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// `require` and `prefer` without a CA: encrypted, whoever the server is.
/// The handshake's signatures are still checked, so the session key belongs
/// to whoever holds the certificate's key.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted authority; the name the
/// certificate was issued for does not matter.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The name is checked after the chain: a name error means the chain was good.
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// What a failed TLS handshake tells the user, if `error` is one.
pub(super) fn handshake_reason(error: &tokio_postgres::Error) -> Option<&'static str> {
    use std::error::Error as _;
    let mut source = error.source();
    while let Some(cause) = source {
        // tokio-rustls hands rustls' error inside an `io::Error`, whose
        // `source()` skips it.
        let tls = cause.downcast_ref::<rustls::Error>().or_else(|| {
            cause.downcast_ref::<io::Error>()?.get_ref()?.downcast_ref::<rustls::Error>()
        });
        if let Some(tls) = tls {
            return Some(match tls {
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                ) => {
                    "the server's TLS certificate is not valid for the host name (sslmode=verify-full)"
                }
                rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer | CertificateError::BadSignature,
                ) => {
                    "the server's TLS certificate is not signed by a trusted authority (check sslrootcert)"
                }
                rustls::Error::InvalidCertificate(
                    CertificateError::Expired | CertificateError::ExpiredContext { .. },
                ) => "the server's TLS certificate has expired",
                rustls::Error::InvalidCertificate(_) => "the server's TLS certificate was refused",
                _ => "the TLS handshake with the database server failed",
            });
        }
        if cause.to_string() == "server does not support TLS" {
            return Some("the database server does not offer TLS, which sslmode requires");
        }
        source = cause.source();
    }
    None
}
