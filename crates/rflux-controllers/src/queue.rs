//! The work queue of one reconciler: objects wait here until they are due, each object is
//! handed to at most one worker at a time, and a trigger that arrives while an object is being
//! reconciled runs it once more right after.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Namespace and name of a namespaced object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

#[derive(Default)]
struct State {
    /// Due time of each waiting key, ordered for `next`.
    due: BTreeSet<(Instant, u64, ObjectKey)>,
    /// The entry in `due` of each waiting key.
    scheduled: HashMap<ObjectKey, (Instant, u64)>,
    /// Keys a worker holds now.
    running: HashSet<ObjectKey>,
    /// Running keys that were triggered again meanwhile.
    retrigger: HashSet<ObjectKey>,
    sequence: u64,
    closed: bool,
}

/// A delay queue with per-key exclusivity. Cloning shares the queue.
#[derive(Clone, Default)]
pub struct WorkQueue {
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
}

impl WorkQueue {
    pub fn new() -> Self {
        WorkQueue::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A worker that panicked while holding the lock leaves consistent data behind: every
        // critical section below is a handful of collection updates.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `key` as soon as a worker is free.
    pub fn enqueue(&self, key: ObjectKey) {
        self.enqueue_at(key, Instant::now());
    }

    /// Runs `key` after `delay`, unless it is already due earlier.
    pub fn enqueue_after(&self, key: ObjectKey, delay: Duration) {
        self.enqueue_at(key, Instant::now() + delay);
    }

    fn enqueue_at(&self, key: ObjectKey, at: Instant) {
        let mut state = self.lock();
        if state.closed {
            return;
        }
        if state.running.contains(&key) && at <= Instant::now() {
            state.retrigger.insert(key);
            return;
        }
        if let Some(&(when, seq)) = state.scheduled.get(&key) {
            if when <= at {
                return;
            }
            state.due.remove(&(when, seq, key.clone()));
        }
        state.sequence += 1;
        let seq = state.sequence;
        state.due.insert((at, seq, key.clone()));
        state.scheduled.insert(key, (at, seq));
        drop(state);
        self.wake.notify_waiters();
        self.wake.notify_one();
    }

    /// Drops a key that is waiting (the object was deleted).
    pub fn forget(&self, key: &ObjectKey) {
        let mut state = self.lock();
        if let Some((when, seq)) = state.scheduled.remove(key) {
            state.due.remove(&(when, seq, key.clone()));
        }
        state.retrigger.remove(key);
    }

    /// Waits for the next due key that no worker holds, and hands it to the caller, who must
    /// call [`WorkQueue::done`] with it. Returns None once the queue is closed.
    pub async fn next(&self) -> Option<ObjectKey> {
        loop {
            let notified = self.wake.notified();
            let wait_until = {
                let mut state = self.lock();
                if state.closed {
                    return None;
                }
                let now = Instant::now();
                let ready = state
                    .due
                    .iter()
                    .find(|(when, _, key)| *when <= now && !state.running.contains(key))
                    .cloned();
                if let Some(entry) = ready {
                    state.due.remove(&entry);
                    let key = entry.2;
                    state.scheduled.remove(&key);
                    state.running.insert(key.clone());
                    return Some(key);
                }
                state.due.iter().map(|(when, _, _)| *when).find(|when| *when > now)
            };
            match wait_until {
                Some(at) => {
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Releases `key` after its reconcile; schedules it again after `requeue` (or at once when
    /// it was triggered meanwhile).
    pub fn done(&self, key: ObjectKey, requeue: Option<Duration>) {
        let retriggered = {
            let mut state = self.lock();
            state.running.remove(&key);
            state.retrigger.remove(&key)
        };
        if retriggered {
            self.enqueue(key);
        } else if let Some(delay) = requeue {
            self.enqueue_after(key, delay);
        } else {
            // A key whose due time passed while it ran may be waiting: wake a worker for it.
            self.wake.notify_one();
        }
    }

    /// Stops handing out keys; workers see None from [`WorkQueue::next`].
    pub fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_waiters();
    }

    /// Number of keys waiting (not running).
    pub fn len(&self) -> usize {
        self.lock().scheduled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn due_order_and_exclusivity() {
        let queue = WorkQueue::new();
        let a = ObjectKey::new("ns", "a");
        let b = ObjectKey::new("ns", "b");
        queue.enqueue_after(a.clone(), Duration::from_secs(5));
        queue.enqueue(b.clone());
        assert_eq!(queue.next().await, Some(b.clone()));
        // b is triggered while it runs: it comes back once, after done.
        queue.enqueue(b.clone());
        queue.enqueue(b.clone());
        let next = queue.next().await;
        assert_eq!(next, Some(a.clone()), "a is due after 5 s; b is held");
        queue.done(b.clone(), Some(Duration::from_secs(600)));
        assert_eq!(queue.next().await, Some(b.clone()));
        queue.done(a, None);
        queue.done(b, None);
        assert!(queue.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn earlier_trigger_wins_and_forget_drops() {
        let queue = WorkQueue::new();
        let a = ObjectKey::new("ns", "a");
        queue.enqueue_after(a.clone(), Duration::from_secs(600));
        queue.enqueue_after(a.clone(), Duration::from_secs(1));
        assert_eq!(queue.len(), 1);
        let start = Instant::now();
        assert_eq!(queue.next().await, Some(a.clone()));
        assert!(start.elapsed() < Duration::from_secs(2));
        queue.done(a.clone(), Some(Duration::from_secs(10)));
        queue.forget(&a);
        assert!(queue.is_empty());
        queue.close();
        assert_eq!(queue.next().await, None);
    }
}
