//! Which values sops encrypts: the suffix, regex and comment-regex rules stored in the
//! metadata, and `mac_only_encrypted` (sops' `shouldBeEncrypted`).

use regex::Regex;

use crate::error::{Result, SopsError};

/// The suffix sops uses when no rule is given.
pub const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";

/// The selection rules of one file.
#[derive(Debug, Clone, Default)]
pub struct CryptRules {
    /// `unencrypted_suffix`.
    pub unencrypted_suffix: Option<String>,
    /// `encrypted_suffix`.
    pub encrypted_suffix: Option<String>,
    /// `unencrypted_regex`.
    pub unencrypted_regex: Option<Regex>,
    /// `encrypted_regex`.
    pub encrypted_regex: Option<Regex>,
    /// `unencrypted_comment_regex`.
    pub unencrypted_comment_regex: Option<Regex>,
    /// `encrypted_comment_regex`.
    pub encrypted_comment_regex: Option<Regex>,
    /// `mac_only_encrypted`.
    pub mac_only_encrypted: bool,
}

/// Compile a rule regex, naming the field on error.
pub fn compile(field: &str, pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|e| SopsError::metadata(format!("{field}: invalid regex: {e}")))
}

impl CryptRules {
    /// Number of the mutually exclusive rules that are set.
    pub fn rule_count(&self) -> usize {
        [
            self.unencrypted_suffix.is_some(),
            self.encrypted_suffix.is_some(),
            self.unencrypted_regex.is_some(),
            self.encrypted_regex.is_some(),
            self.unencrypted_comment_regex.is_some(),
            self.encrypted_comment_regex.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// Apply sops' defaulting: more than one rule is an error, none means
    /// `unencrypted_suffix: _unencrypted`.
    pub fn normalize(mut self) -> Result<Self> {
        match self.rule_count() {
            0 => self.unencrypted_suffix = Some(DEFAULT_UNENCRYPTED_SUFFIX.to_string()),
            1 => {}
            _ => {
                return Err(SopsError::metadata(
                    "cannot use more than one of encrypted_suffix, unencrypted_suffix, \
                     encrypted_regex, unencrypted_regex, encrypted_comment_regex or \
                     unencrypted_comment_regex in the same file",
                ));
            }
        }
        Ok(self)
    }

    /// Whether the leaf at `path`, preceded by the comments in `comments`, is encrypted.
    pub fn should_encrypt(&self, path: &[String], comments: &[Vec<String>], is_comment: bool) -> bool {
        let mut encrypted = true;
        if let Some(suffix) = &self.unencrypted_suffix
            && path.iter().any(|p| p.ends_with(suffix.as_str()))
        {
            encrypted = false;
        }
        if let Some(suffix) = &self.encrypted_suffix {
            encrypted = path.iter().any(|p| p.ends_with(suffix.as_str()));
        }
        if let Some(re) = &self.unencrypted_regex
            && path.iter().any(|p| re.is_match(p))
        {
            encrypted = false;
        }
        if let Some(re) = &self.encrypted_regex {
            encrypted = path.iter().any(|p| re.is_match(p));
        }
        if let Some(re) = &self.unencrypted_comment_regex
            && comments.iter().flatten().any(|c| re.is_match(c))
        {
            encrypted = false;
        }
        if let Some(re) = &self.encrypted_comment_regex {
            encrypted = false;
            let last_level = comments.len().saturating_sub(1);
            let last_len = comments.last().map(|c| c.len()).unwrap_or(0);
            'outer: for (i, level) in comments.iter().enumerate() {
                for (j, c) in level.iter().enumerate() {
                    // The comment line that matches is itself left in clear.
                    if is_comment && i == last_level && j + 1 == last_len {
                        continue;
                    }
                    if re.is_match(c) {
                        encrypted = true;
                        break 'outer;
                    }
                }
            }
        }
        encrypted
    }
}
