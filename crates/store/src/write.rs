//! The connection writes run on, and write transactions on it.
//!
//! On SQLite one connection does every write. It is kept here between writes, under a
//! lock, rather than handed back to a pool: sqlx hands a connection back from a task of
//! its own after a ping round trip to the connection's thread, and the next writer waits
//! for both. Under load that cost as much as the commit (BENCHMARKS.md, "Where a
//! booking's time goes"). On PostgreSQL, where writers run side by side, each write takes
//! a connection from the pool as before.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Where SQLite's write connection waits between writes (`None` until first used, or
/// after it was found broken).
pub(crate) type Slot = Arc<Mutex<Option<PoolConnection<Any>>>>;

/// A connection to write on, held until dropped.
pub(crate) enum WriteConn {
    /// SQLite's one write connection, taken from its slot (always filled while held).
    Kept(OwnedMutexGuard<Option<PoolConnection<Any>>>),
    /// A connection from PostgreSQL's pool.
    Pooled(PoolConnection<Any>),
}

impl WriteConn {
    /// Takes the write connection from `slot`, connecting through `pool` when it is empty
    /// (at first use, or after a rollback failed and the connection was closed).
    pub(crate) async fn kept(slot: &Slot, pool: &sqlx::AnyPool) -> Result<WriteConn, sqlx::Error> {
        let mut kept = slot.clone().lock_owned().await;
        if kept.is_none() {
            *kept = Some(pool.acquire().await?);
        }
        Ok(WriteConn::Kept(kept))
    }
}

impl WriteConn {
    /// Closes a connection that may still be inside a transaction, rather than let it
    /// serve again (the pool would take it back as clean); the next write connects anew.
    fn discard(self) {
        let conn = match self {
            WriteConn::Kept(mut kept) => kept.take(),
            WriteConn::Pooled(c) => Some(c),
        };
        if let Some(mut c) = conn {
            c.close_on_drop();
        }
    }
}

impl Deref for WriteConn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            WriteConn::Kept(kept) => kept.as_deref().expect("the slot is filled while held"),
            WriteConn::Pooled(c) => c,
        }
    }
}

impl DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteConn::Kept(kept) => kept.as_deref_mut().expect("the slot is filled while held"),
            WriteConn::Pooled(c) => c,
        }
    }
}

/// A write transaction: `BEGIN IMMEDIATE` on SQLite's kept connection, or sqlx's own on
/// PostgreSQL. Dropped before [`WriteTx::commit`], it is rolled back before the
/// connection serves another write.
pub(crate) struct WriteTx {
    /// SQLite: the kept connection, inside `BEGIN IMMEDIATE` until committed.
    kept: Option<WriteConn>,
    /// PostgreSQL: sqlx's transaction on a pooled connection.
    pooled: Option<Transaction<'static, Any>>,
}

impl WriteTx {
    /// Begins `BEGIN IMMEDIATE` on SQLite's kept connection: the write lock is taken up
    /// front (waiting under busy_timeout) rather than at the first write.
    pub(crate) async fn immediate(mut conn: WriteConn) -> Result<WriteTx, sqlx::Error> {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        Ok(WriteTx {
            kept: Some(conn),
            pooled: None,
        })
    }

    /// sqlx's transaction, on PostgreSQL.
    pub(crate) fn pooled(tx: Transaction<'static, Any>) -> WriteTx {
        WriteTx {
            kept: None,
            pooled: Some(tx),
        }
    }

    /// Commits. On an error the transaction is rolled back when dropped.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        if let Some(tx) = self.pooled.take() {
            return tx.commit().await;
        }
        if let Some(c) = self.kept.as_mut() {
            sqlx::query("COMMIT").execute(&mut **c).await?;
            // Committed: nothing to roll back; the connection goes back to its slot.
            self.kept.take();
        }
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match (&self.kept, &self.pooled) {
            (Some(c), _) => c,
            (None, Some(tx)) => tx,
            (None, None) => unreachable!("a transaction is open until committed"),
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match (&mut self.kept, &mut self.pooled) {
            (Some(c), _) => c,
            (None, Some(tx)) => tx,
            (None, None) => unreachable!("a transaction is open until committed"),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // sqlx rolls its own transaction back.
        let Some(conn) = self.kept.take() else {
            return;
        };
        // Not committed (an early return, an error, or the caller gone): roll back while
        // still holding the connection, so the next write starts clean. With no runtime
        // to do it on, the connection is closed instead.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    let mut conn = conn;
                    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                        conn.discard();
                    }
                });
            }
            Err(_) => conn.discard(),
        }
    }
}
