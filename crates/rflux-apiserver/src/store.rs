//! Durable storage: a SQLite revision log (every write appends a row whose id is the global
//! resourceVersion), the current-state index over it, an in-memory cache of current objects,
//! change events for watchers, and compaction.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::error::{ApiError, ApiResult};

/// The kind of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }

    fn code(self) -> i64 {
        match self {
            EventType::Added => 0,
            EventType::Modified => 1,
            EventType::Deleted => 2,
        }
    }

    fn from_code(code: i64) -> Self {
        match code {
            0 => EventType::Added,
            1 => EventType::Modified,
            _ => EventType::Deleted,
        }
    }
}

/// One committed change. A deletion carries the object as it was, with the deleting revision.
#[derive(Debug, Clone)]
pub struct Event {
    pub rev: u64,
    pub ty: EventType,
    pub key: Arc<str>,
    pub obj: Arc<Value>,
    /// The object before this change (live events only; `None` for replayed events).
    pub prev: Option<Arc<Value>>,
}

/// A current object and the revision that wrote it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub rev: u64,
    pub obj: Arc<Value>,
}

/// What a write does to a key.
pub enum Change {
    Put(Value),
    Delete,
}

struct State {
    objects: BTreeMap<String, Entry>,
    rev: u64,
    compacted: u64,
}

/// The store. Writes are serialised; reads come from memory.
pub struct Store {
    conn: Mutex<Connection>,
    state: RwLock<State>,
    events: broadcast::Sender<Arc<Event>>,
}

fn db_err(e: rusqlite::Error) -> ApiError {
    ApiError::internal(format!("storage error: {e}"))
}

impl Store {
    /// Opens (or creates) the database at `path` and loads the current objects.
    pub fn open(path: &Path) -> Result<Store, rusqlite::Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with synchronous=NORMAL: a committed transaction is in the WAL file before the
        // call returns, so it survives the process being killed.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS log (
                 id INTEGER PRIMARY KEY,
                 key TEXT NOT NULL,
                 type INTEGER NOT NULL,
                 value BLOB NOT NULL
             );
             CREATE INDEX IF NOT EXISTS log_key_id ON log(key, id);
             CREATE TABLE IF NOT EXISTS current (
                 key TEXT PRIMARY KEY,
                 rev INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS meta (
                 name TEXT PRIMARY KEY,
                 value INTEGER NOT NULL
             ) WITHOUT ROWID;",
        )?;
        let mut objects = BTreeMap::new();
        {
            let mut stmt = conn.prepare("SELECT c.key, c.rev, l.value FROM current c JOIN log l ON l.id = c.rev")?;
            let rows = stmt.query_map([], |row| {
                let key: String = row.get(0)?;
                let rev: i64 = row.get(1)?;
                let value: Vec<u8> = row.get(2)?;
                Ok((key, rev, value))
            })?;
            for row in rows {
                let (key, rev, value) = row?;
                match serde_json::from_slice::<Value>(&value) {
                    Ok(obj) => {
                        objects.insert(
                            key,
                            Entry {
                                rev: rev as u64,
                                obj: Arc::new(obj),
                            },
                        );
                    }
                    Err(e) => tracing::error!(%key, error = %e, "skipping unreadable stored object"),
                }
            }
        }
        let max_log: Option<i64> = conn.query_row("SELECT MAX(id) FROM log", [], |r| r.get(0))?;
        let stored_rev: Option<i64> = conn
            .query_row("SELECT value FROM meta WHERE name = 'rev'", [], |r| r.get(0))
            .optional()?;
        let compacted: Option<i64> = conn
            .query_row("SELECT value FROM meta WHERE name = 'compacted'", [], |r| r.get(0))
            .optional()?;
        let rev = max_log.unwrap_or(0).max(stored_rev.unwrap_or(0)).max(1) as u64;
        let (events, _) = broadcast::channel(8192);
        Ok(Store {
            conn: Mutex::new(conn),
            state: RwLock::new(State {
                objects,
                rev,
                compacted: compacted.unwrap_or(0) as u64,
            }),
            events,
        })
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The latest revision.
    pub fn revision(&self) -> u64 {
        self.state().rev
    }

    /// The oldest revision from which changes can still be replayed.
    pub fn compacted(&self) -> u64 {
        self.state().compacted
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        self.state().objects.get(key).cloned()
    }

    /// Objects whose key starts with `prefix`, after `start_after` when given, in key order,
    /// that `keep` accepts, at most `limit` of them. Returns the revision of the snapshot and
    /// whether more objects remain.
    pub fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: Option<usize>,
        mut keep: impl FnMut(&Value) -> bool,
    ) -> (u64, Vec<Entry>, Option<String>) {
        let state = self.state();
        let lower = match start_after {
            Some(k) if k >= prefix => Bound::Excluded(k.to_string()),
            _ => Bound::Included(prefix.to_string()),
        };
        let mut out = Vec::new();
        let mut last_key = None;
        let mut more = None;
        for (key, entry) in state.objects.range((lower, Bound::Unbounded)) {
            if !key.starts_with(prefix) {
                break;
            }
            if !keep(&entry.obj) {
                continue;
            }
            if limit.is_some_and(|l| out.len() >= l) {
                more = last_key.take();
                break;
            }
            out.push(entry.clone());
            last_key = Some(key.clone());
        }
        (state.rev, out, more)
    }

    /// Runs `decide` on the current value of `key` and commits what it returns, atomically
    /// with respect to other writes. `decide` returning `None` writes nothing. With `dry_run`
    /// nothing is stored and the would-be result is returned.
    pub fn mutate(
        &self,
        key: &str,
        dry_run: bool,
        decide: impl FnOnce(Option<&Entry>) -> ApiResult<Option<Change>>,
    ) -> ApiResult<Option<Entry>> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let (current, rev) = {
            let state = self.state();
            (state.objects.get(key).cloned(), state.rev)
        };
        let Some(change) = decide(current.as_ref())? else {
            return Ok(current);
        };
        let next = rev + 1;
        let (ty, mut obj) = match change {
            Change::Put(obj) => (
                if current.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                },
                obj,
            ),
            Change::Delete => match &current {
                Some(cur) => (EventType::Deleted, (*cur.obj).clone()),
                None => return Ok(None),
            },
        };
        if dry_run {
            return Ok(Some(Entry {
                rev,
                obj: Arc::new(obj),
            }));
        }
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(next.to_string()));
        }
        let bytes = serde_json::to_vec(&obj).map_err(|e| ApiError::internal(format!("encoding object: {e}")))?;
        {
            let tx = conn.unchecked_transaction().map_err(db_err)?;
            tx.prepare_cached("INSERT INTO log (id, key, type, value) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![next as i64, key, ty.code(), bytes]))
                .map_err(db_err)?;
            if ty == EventType::Deleted {
                tx.prepare_cached("DELETE FROM current WHERE key = ?1")
                    .and_then(|mut s| s.execute(params![key]))
                    .map_err(db_err)?;
            } else {
                tx.prepare_cached("INSERT OR REPLACE INTO current (key, rev) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![key, next as i64]))
                    .map_err(db_err)?;
            }
            tx.commit().map_err(db_err)?;
        }
        let obj = Arc::new(obj);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.rev = next;
        if ty == EventType::Deleted {
            state.objects.remove(key);
        } else {
            state.objects.insert(
                key.to_string(),
                Entry {
                    rev: next,
                    obj: obj.clone(),
                },
            );
        }
        let event = Arc::new(Event {
            rev: next,
            ty,
            key: Arc::from(key),
            obj: obj.clone(),
            prev: current.map(|c| c.obj),
        });
        // No receivers is fine.
        let _ = self.events.send(event);
        drop(state);
        drop(conn);
        Ok(Some(Entry { rev: next, obj }))
    }

    /// Subscribes to live changes; returns the revision after which the receiver sees every change.
    pub fn subscribe(&self) -> (u64, broadcast::Receiver<Arc<Event>>) {
        let state = self.state();
        (state.rev, self.events.subscribe())
    }

    /// The current objects under `prefix` with the snapshot revision, and a receiver of every
    /// change after it.
    pub fn snapshot_and_subscribe(&self, prefix: &str) -> (u64, Vec<Entry>, broadcast::Receiver<Arc<Event>>) {
        let state = self.state();
        let objects = state
            .objects
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, e)| e.clone())
            .collect();
        (state.rev, objects, self.events.subscribe())
    }

    /// Replays committed changes under `prefix` with revisions in `(after, until]`.
    /// Fails with 410 Expired when `after` is older than the compaction point.
    pub fn replay(&self, prefix: &str, after: u64, until: u64) -> ApiResult<Vec<Event>> {
        if after < self.compacted() {
            return Err(ApiError::expired(format!(
                "too old resource version: {after} ({})",
                self.compacted()
            )));
        }
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn
            .prepare_cached("SELECT id, key, type, value FROM log WHERE id > ?1 AND id <= ?2 ORDER BY id")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![after as i64, until as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Vec<u8>>(3)?,
                ))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, key, ty, value) = row.map_err(db_err)?;
            if !key.starts_with(prefix) {
                continue;
            }
            let obj: Value = serde_json::from_slice(&value)
                .map_err(|e| ApiError::internal(format!("decoding stored object: {e}")))?;
            out.push(Event {
                rev: id as u64,
                ty: EventType::from_code(ty),
                key: Arc::from(key),
                obj: Arc::new(obj),
                prev: None,
            });
        }
        Ok(out)
    }

    /// The object stored for `key` just before revision `rev`, if any.
    pub fn value_before(&self, key: &str, rev: u64) -> ApiResult<Option<Value>> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let row: Option<(i64, Vec<u8>)> = conn
            .prepare_cached("SELECT type, value FROM log WHERE key = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1")
            .and_then(|mut s| {
                s.query_row(params![key, rev as i64], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(db_err)?;
        match row {
            Some((ty, value)) if EventType::from_code(ty) != EventType::Deleted => Ok(Some(
                serde_json::from_slice(&value).map_err(|e| ApiError::internal(e.to_string()))?,
            )),
            _ => Ok(None),
        }
    }

    /// Drops log rows older than `keep` revisions that no current object needs.
    pub fn compact(&self, keep: u64) -> ApiResult<u64> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let rev = self.revision();
        let before = rev.saturating_sub(keep);
        if before <= self.compacted() {
            return Ok(self.compacted());
        }
        let tx = conn.unchecked_transaction().map_err(db_err)?;
        tx.execute(
            "DELETE FROM log WHERE id < ?1 AND id NOT IN (SELECT rev FROM current)",
            params![before as i64],
        )
        .map_err(db_err)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES ('compacted', ?1)",
            params![before as i64],
        )
        .map_err(db_err)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES ('rev', ?1)",
            params![rev as i64],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        self.state.write().unwrap_or_else(|e| e.into_inner()).compacted = before;
        Ok(before)
    }

    /// Runs SQLite's integrity check; `Ok("ok")` when the file is sound.
    pub fn integrity_check(&self) -> ApiResult<String> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(db_err)
    }
}
