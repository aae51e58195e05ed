//! PostgreSQL and pool failures turned into what a caller acts on, without the connection string, SQL or user text.

use deadpool_postgres::{PoolError, TimeoutType};
use tokio_postgres::error::SqlState;

use super::BACKEND;
use crate::MemoryError;

pub(super) fn unavailable(reason: &str) -> MemoryError {
    MemoryError::Unavailable { backend: BACKEND, reason: reason.into() }
}

/// A driver error. The detail (which may quote SQL, a value or a host name)
/// goes to the log, not into the error.
pub(super) fn pg_error(error: tokio_postgres::Error) -> MemoryError {
    tracing::warn!(backend = BACKEND, error = %error, "memory store error");
    let Some(code) = error.code() else {
        if let Some(reason) = super::tls::handshake_reason(&error) {
            return unavailable(reason);
        }
        return if error.is_closed() {
            unavailable("lost the connection to the database server")
        } else if is_conversion(&error) {
            // Our value did not fit the statement, or a column did not fit
            // our type: a defect of the store, not of the server.
            MemoryError::Internal {
                backend: BACKEND,
                reason: "a value did not convert to or from its database type".into(),
            }
        } else {
            unavailable("cannot reach the database server")
        };
    };
    let class = &code.code()[..2];
    if *code == SqlState::QUERY_CANCELED || *code == SqlState::LOCK_NOT_AVAILABLE {
        MemoryError::Timeout { backend: BACKEND }
    } else if *code == SqlState::UNDEFINED_FILE {
        unavailable("a required extension (pg_trgm, unaccent) is not installed on the server")
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        unavailable("the database user lacks a privilege the store needs")
    } else if *code == SqlState::INVALID_PASSWORD
        || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
    {
        unavailable("the database server refused the credentials")
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        unavailable("the database does not exist")
    } else if *code == SqlState::TOO_MANY_CONNECTIONS {
        unavailable("the database server has no free connection")
    } else if matches!(class, "08" | "53" | "57" | "58") {
        // Connection exceptions, insufficient resources, operator
        // intervention (shutdown, restart), system errors.
        unavailable("the database server is not answering normally")
    } else {
        MemoryError::Internal {
            backend: BACKEND,
            reason: format!("unexpected database error (SQLSTATE {})", code.code()),
        }
    }
}

/// A driver error of the statement that commits a write, once it was sent.
/// An answer from the server (an SQLSTATE) means the statement failed and
/// nothing was committed; a lost connection, or a connection-class error,
/// leaves the commit in doubt.
pub(super) fn sent_error(error: tokio_postgres::Error, keyed: bool) -> MemoryError {
    let in_doubt = match error.code() {
        Some(code) => code.code().starts_with("08"),
        None => !is_conversion(&error),
    };
    if !in_doubt {
        return super::insert_error(error);
    }
    tracing::warn!(backend = BACKEND, error = %error, "memory write of unknown outcome");
    let reason = if error.is_closed() {
        "the connection to the database server was lost before it answered"
    } else {
        "the database server's answer did not arrive"
    };
    MemoryError::OutcomeUnknown { backend: BACKEND, reason: reason.into(), keyed }
}

/// Whether `error` is the client failing to convert a value to or from a
/// database type (it has no SQLSTATE: the server never saw it).
fn is_conversion(error: &tokio_postgres::Error) -> bool {
    use std::error::Error as _;
    error.source().is_some_and(|source| {
        source.is::<tokio_postgres::types::WrongType>()
            || source.is::<tokio_postgres::types::WasNull>()
    })
}

/// A failure to get a connection from the pool.
pub(super) fn pool_error(error: PoolError) -> MemoryError {
    match error {
        PoolError::Backend(error) => pg_error(error),
        PoolError::Timeout(TimeoutType::Wait) => MemoryError::Timeout { backend: BACKEND },
        PoolError::Timeout(_) => unavailable("cannot reach the database server (timed out)"),
        other => {
            tracing::warn!(backend = BACKEND, error = %other, "memory store pool error");
            unavailable("the connection pool is closed")
        }
    }
}

#[cfg(test)]
mod tests;
