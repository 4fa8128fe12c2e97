//! `test`: the latest revision's `test` hooks run (weight order, delete policies, Jobs and
//! Pods waited for) and their last runs written back into the record.

use std::time::Duration;

use super::{Actions, ERR_PENDING, hooks, is_pending};
use crate::error::Error;
use crate::release::Release;

impl Actions {
    /// Run a release's test hooks (Helm's `test`); returns the revision with their runs.
    pub async fn test(&self, name: &str, namespace: &str, timeout: Duration) -> Result<Release, Error> {
        let mut rel = self.status(name, namespace).await?;
        if is_pending(&rel.info.status) {
            return Err(Error::Action(ERR_PENDING.into()));
        }
        let outcome = hooks::run(&self.cluster, &self.settings, &self.store(), &mut rel, "test", timeout).await;
        self.store().update(&rel).await?;
        outcome.map_err(|e| Error::Action(format!("release {name} failed testing: {e}")))?;
        Ok(rel)
    }
}
