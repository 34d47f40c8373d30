//! A prepared INSERT held for a writer's life and bound straight from the
//! caller's strings.
//!
//! rusqlite binds every string `SQLITE_TRANSIENT`: SQLite allocates a copy
//! before the row is built, then copies it again into the record. On a
//! big import that first copy (of text the reader thread wrote on the other
//! core, so mostly cache misses) was a tenth of the writer thread. Bound
//! `SQLITE_STATIC`, SQLite reads the caller's bytes once, while it builds
//! the record. The one rule that makes this sound is kept here: a string
//! is bound only for the duration of `execute`, whose borrow covers it,
//! and its binding is replaced by NULL before `execute` returns.

use std::marker::PhantomData;
use std::os::raw::c_int;
use std::ptr::NonNull;

use rusqlite::{ffi, Connection};

/// One parameter's value; `None` in a parameter list is NULL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

impl<'a> Param<'a> {
    /// An optional string column: NULL when `None`.
    pub(crate) fn opt_text(v: &'a Option<String>) -> Option<Param<'a>> {
        v.as_deref().map(Param::Text)
    }
}

pub(crate) struct HeldInsert<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    /// How many parameters the statement has.
    count: usize,
    /// Bit n: parameter n (1-based) holds a value (an integer) from an
    /// earlier execution. A NULL is bound only where one did: most of a
    /// unit's seventeen columns are NULL in most units.
    bound: u64,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> HeldInsert<'c> {
    /// Prepare `sql` (one statement with at most 63 parameters) on `conn`.
    pub(crate) fn new(conn: &'c Connection, sql: &str) -> rusqlite::Result<HeldInsert<'c>> {
        let len = c_int::try_from(sql.len()).map_err(|_| code_error(ffi::SQLITE_TOOBIG))?;
        // SAFETY: the handle stays valid while `conn` is borrowed, which
        // `'c` ties this statement to; the SQL is passed with its length.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT as _,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            // SAFETY: finalizing a null or failed statement is allowed.
            unsafe { ffi::sqlite3_finalize(stmt) };
            return Err(db_error(db, rc));
        }
        let stmt = NonNull::new(stmt).ok_or_else(|| code_error(ffi::SQLITE_MISUSE))?;
        // SAFETY: a prepared statement.
        let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        let held = HeldInsert {
            stmt,
            db,
            count: count as usize,
            bound: 0,
            _conn: PhantomData,
        };
        if held.count > 63 {
            return Err(code_error(ffi::SQLITE_RANGE));
        }
        Ok(held)
    }

    /// Run the statement once with `params`: every parameter, 1 first
    /// (a value left out would keep an earlier execution's).
    pub(crate) fn execute(&mut self, params: &[Option<Param<'_>>]) -> rusqlite::Result<()> {
        if params.len() != self.count {
            return Err(rusqlite::Error::InvalidParameterCount(
                params.len(),
                self.count,
            ));
        }
        let stmt = self.stmt.as_ptr();
        let mut texts = 0u64;
        let mut result = Ok(());
        for (i, p) in params.iter().enumerate() {
            let n = i as c_int + 1;
            let bit = 1u64 << n;
            // SAFETY: `stmt` is prepared and `n` is within its parameters
            // (SQLite checks the range). A string is bound STATIC only
            // until the end of this call (see the module comment).
            let rc = unsafe {
                match *p {
                    Some(Param::Int(v)) => {
                        self.bound |= bit;
                        ffi::sqlite3_bind_int64(stmt, n, v)
                    }
                    Some(Param::Text(s)) => match c_int::try_from(s.len()) {
                        Ok(len) => {
                            texts |= bit;
                            ffi::sqlite3_bind_text(
                                stmt,
                                n,
                                s.as_ptr().cast(),
                                len,
                                ffi::SQLITE_STATIC(),
                            )
                        }
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                    None if self.bound & bit != 0 => {
                        self.bound &= !bit;
                        ffi::sqlite3_bind_null(stmt, n)
                    }
                    None => ffi::SQLITE_OK,
                }
            };
            if rc != ffi::SQLITE_OK {
                result = Err(db_error(self.db, rc));
                break;
            }
        }
        if result.is_ok() {
            // SAFETY: a prepared statement; every bound string is alive.
            let rc = unsafe { ffi::sqlite3_step(stmt) };
            if rc != ffi::SQLITE_DONE {
                result = Err(db_error(self.db, rc));
            }
            // SAFETY: as above. Its result repeats the step's error.
            unsafe { ffi::sqlite3_reset(stmt) };
        }
        // No binding outlives the string it points into.
        let mut left = texts;
        while left != 0 {
            let n = left.trailing_zeros() as c_int;
            left &= left - 1;
            // SAFETY: `n` was bound above, so it is a valid index.
            unsafe { ffi::sqlite3_bind_null(stmt, n) };
        }
        self.bound &= !texts;
        result
    }
}

impl Drop for HeldInsert<'_> {
    fn drop(&mut self) {
        // SAFETY: prepared by `new` and finalized only here.
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

fn code_error(code: c_int) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
}

/// The error SQLite reports for `code`, with its message.
fn db_error(db: *mut ffi::sqlite3, code: c_int) -> rusqlite::Error {
    // SAFETY: `db` is an open connection; the message is copied at once.
    let message = unsafe {
        let m = ffi::sqlite3_errmsg(db);
        (!m.is_null()).then(|| std::ffi::CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c TEXT UNIQUE)")
            .unwrap();
        conn
    }

    #[test]
    fn rows_hold_the_values_of_their_own_execution() {
        let conn = table();
        let mut insert = HeldInsert::new(&conn, "INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
        // Strings dropped right after each execution: a binding that
        // outlived them would show up as garbage or a crash.
        for (a, b, c) in [
            (Some(1), Some("الأول"), Some("x")),
            (None, None, Some("y")),
            (Some(3), Some("ثالث"), None),
            (None, Some("فقط"), None),
        ] {
            let b = b.map(String::from);
            let c = c.map(String::from);
            insert
                .execute(&[
                    a.map(Param::Int),
                    b.as_deref().map(Param::Text),
                    c.as_deref().map(Param::Text),
                ])
                .unwrap();
        }
        let rows: Vec<(Option<i64>, Option<String>, Option<String>)> = conn
            .prepare("SELECT a, b, c FROM t ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            rows,
            [
                (Some(1), s("الأول"), s("x")),
                (None, None, s("y")),
                (Some(3), s("ثالث"), None),
                (None, s("فقط"), None),
            ]
        );
    }

    #[test]
    fn a_failed_execution_says_why_and_the_next_one_works() {
        let conn = table();
        let mut insert = HeldInsert::new(&conn, "INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
        insert
            .execute(&[None, None, Some(Param::Text("same"))])
            .unwrap();
        let err = insert
            .execute(&[None, None, Some(Param::Text("same"))])
            .unwrap_err();
        assert!(err.to_string().contains("UNIQUE"), "{err}");
        insert
            .execute(&[None, None, Some(Param::Text("other"))])
            .unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn a_short_parameter_list_is_refused() {
        let conn = table();
        let mut insert = HeldInsert::new(&conn, "INSERT INTO t VALUES (?1, ?2, ?3)").unwrap();
        insert.execute(&[Some(Param::Int(7)), None, None]).unwrap();
        // Left out, ?1 would silently keep the 7.
        let err = insert.execute(&[None, None]).unwrap_err();
        assert!(
            matches!(err, rusqlite::Error::InvalidParameterCount(2, 3)),
            "{err}"
        );
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn bad_sql_is_an_error_not_a_statement() {
        let conn = table();
        let err = HeldInsert::new(&conn, "INSERT INTO nowhere VALUES (?1)")
            .err()
            .unwrap();
        assert!(err.to_string().contains("nowhere"), "{err}");
    }
}
