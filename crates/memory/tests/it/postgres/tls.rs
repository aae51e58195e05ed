//! TLS to the local PostgreSQL: the test makes a CA and a server certificate for localhost/127.0.0.1 with the `openssl` CLI, installs them into the server (`ALTER SYSTEM`, reload), then connects with every `sslmode`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use pattern_memory::{MemoryError, PostgresStore, PostgresUrl};

use super::{DropSchema, fresh_schema, raw_client};

/// Where the server's test certificate lives: stable, so concurrent runs
/// share it and never remove each other's files.
const DIR: &str = "/var/lib/postgresql/pattern-mcp-test-tls";

const HINT: &str = "the TLS tests need to run as root on the PostgreSQL machine (they write \
    /var/lib/postgresql/pattern-mcp-test-tls and set ssl_cert_file/ssl_key_file with ALTER SYSTEM); \
    run them as root against the local server that tools/test.sh starts";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run openssl ({e}); install it (apt-get install openssl)"));
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Makes a CA (`ca.pem`, `ca.key`) in `dir`.
fn make_ca(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=pattern-mcp test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// The CA and server certificate, made once and installed in the server.
async fn setup() -> PathBuf {
    static ONCE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let dir = Path::new(DIR);
        if !dir.join("server.key").exists() {
            let tmp = PathBuf::from(format!("{DIR}.tmp-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("create {tmp:?}: {e}; {HINT}"));
            make_ca(&tmp);
            std::fs::write(
                tmp.join("ext.cnf"),
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
                 keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
            )
            .unwrap();
            openssl(
                &tmp,
                &[
                    "req",
                    "-new",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=localhost",
                ],
            );
            openssl(
                &tmp,
                &[
                    "x509",
                    "-req",
                    "-in",
                    "server.csr",
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    "server.pem",
                    "-days",
                    "3650",
                    "-extfile",
                    "ext.cnf",
                ],
            );
            // PostgreSQL reads the key only when its owner alone can.
            let chown = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&tmp).status();
            assert!(chown.is_ok_and(|s| s.success()), "chown the key to postgres; {HINT}");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                tmp.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
            // Another run may have installed its own meanwhile: keep that one.
            if std::fs::rename(&tmp, dir).is_err() {
                let _ = std::fs::remove_dir_all(&tmp);
            }
        }
        let client = raw_client().await;
        let cert = format!("{DIR}/server.pem");
        let current: String = client.query_one("SHOW ssl_cert_file", &[]).await.unwrap().get(0);
        if current != cert {
            for statement in [
                format!("ALTER SYSTEM SET ssl_cert_file = '{cert}'"),
                format!("ALTER SYSTEM SET ssl_key_file = '{DIR}/server.key'"),
                "ALTER SYSTEM SET ssl = on".to_owned(),
                "SELECT pg_reload_conf()".to_owned(),
            ] {
                client
                    .batch_execute(&statement)
                    .await
                    .unwrap_or_else(|e| panic!("{statement}: {e}; {HINT}"));
            }
            // The reload is a signal: new sessions see it a moment later.
            let mut seen = String::new();
            for _ in 0..100 {
                seen =
                    raw_client().await.query_one("SHOW ssl_cert_file", &[]).await.unwrap().get(0);
                if seen == cert {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(seen, cert, "PostgreSQL did not take the test certificate; {HINT}");
        }
        dir.to_owned()
    })
    .await
    .clone()
}

fn url(host: &str, schema: &str, options: &str) -> PostgresUrl {
    PostgresUrl::parse(&format!(
        "postgres://postgres@{host}:5432/test?schema={schema}&pool_size=2&connect_timeout_s=2{options}"
    ))
    .expect("TLS test URL")
}

async fn open(host: &str, options: &str) -> (Result<PostgresStore, MemoryError>, DropSchema) {
    let schema = fresh_schema();
    let store = PostgresStore::open_ready(&url(host, &schema, options)).await;
    (store, DropSchema(schema))
}

const INSTALL: &str = "if this is an unknown issuer, PostgreSQL did not load the test certificate: \
    see its log (the key must be owned by postgres, mode 0600)";

#[tokio::test]
async fn verify_full_with_the_ca_connects_encrypted_by_name_and_by_address() {
    let dir = setup().await;
    let ca = format!("&sslmode=verify-full&sslrootcert={}/ca.pem", dir.display());
    for host in ["127.0.0.1", "localhost"] {
        let (store, _drop) = open(host, &ca).await;
        let store = store.unwrap_or_else(|e| panic!("{host}: {e}; {INSTALL}"));
        assert!(store.encrypted().await.unwrap(), "{host}");
    }
}

#[tokio::test]
async fn verify_full_refuses_a_name_the_certificate_is_not_for() {
    let dir = setup().await;
    let options =
        format!("&hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}/ca.pem", dir.display());
    let (store, _drop) = open("db.example.invalid", &options).await;
    let err = store.expect_err("a certificate for another name is refused");
    assert_eq!(err.reason(), "unavailable");
    assert!(err.to_string().contains("not valid for the host name"), "{err}");
    // verify-ca checks the chain only: the same connection is accepted.
    let options =
        format!("&hostaddr=127.0.0.1&sslmode=verify-ca&sslrootcert={}/ca.pem", dir.display());
    let (store, _drop) = open("db.example.invalid", &options).await;
    assert!(store.unwrap().encrypted().await.unwrap());
}

#[tokio::test]
async fn verify_ca_and_require_with_another_ca_are_refused() {
    setup().await;
    let other = tempfile::tempdir().unwrap();
    make_ca(other.path());
    for mode in ["verify-ca", "require"] {
        let options = format!("&sslmode={mode}&sslrootcert={}/ca.pem", other.path().display());
        let (store, _drop) = open("127.0.0.1", &options).await;
        let err = store.err().unwrap_or_else(|| panic!("{mode} with a foreign CA connects"));
        assert!(err.to_string().contains("not signed by a trusted authority"), "{mode}: {err}");
    }
}

#[tokio::test]
async fn require_without_a_ca_encrypts_and_disable_does_not() {
    setup().await;
    let (store, _drop) = open("127.0.0.1", "&sslmode=require").await;
    assert!(store.unwrap().encrypted().await.unwrap());
    let (store, _drop) = open("127.0.0.1", "&sslmode=disable").await;
    assert!(!store.unwrap().encrypted().await.unwrap());
    // The default is libpq's `prefer`: encrypted when the server offers it.
    let (store, _drop) = open("127.0.0.1", "").await;
    assert!(store.unwrap().encrypted().await.unwrap());
}

#[tokio::test]
async fn verify_full_without_a_ca_uses_the_system_store_and_says_what_to_pass() {
    setup().await;
    let (store, _drop) = open("127.0.0.1", "&sslmode=verify-full").await;
    let err = store.expect_err("the test CA is in no system store");
    let text = err.to_string();
    assert!(text.contains("sslrootcert"), "the error says to pass sslrootcert: {text}");
}

#[tokio::test]
async fn an_unreadable_sslrootcert_fails_at_open_without_its_path() {
    let err = PostgresStore::open(&url(
        "127.0.0.1",
        "pmcp_unused",
        "&sslmode=verify-full&sslrootcert=/nonexistent/secret-dir/ca.pem",
    ))
    .await
    .unwrap_err();
    assert_eq!(err.reason(), "invalid_input");
    let text = err.to_string();
    assert!(text.contains("sslrootcert") && !text.contains("secret-dir"), "{text}");
}
