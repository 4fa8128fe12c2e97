//! Repository URLs: the schemes rflux accepts, the host and port a host key is checked for,
//! and a form safe to print (password removed).

use super::error::GitError;

/// The transport of a repository URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `https://`
    Https,
    /// `http://`
    Http,
    /// `ssh://`
    Ssh,
    /// `git://`
    Git,
    /// `file://` (an rflux addition to Flux's schemes)
    File,
}

/// A parsed repository URL.
#[derive(Debug, Clone)]
pub struct RepoUrl {
    /// The URL as given (may hold credentials; never print it).
    pub raw: String,
    /// The transport.
    pub scheme: Scheme,
    /// Host name or address (empty for `file://`).
    pub host: String,
    /// Port, or the scheme's default.
    pub port: u16,
    /// User name from the URL, if any.
    pub user: Option<String>,
    /// The URL without any password, for messages.
    pub redacted: String,
}

impl RepoUrl {
    /// Parses `url`; anything but the five supported schemes is an error.
    pub fn parse(url: &str) -> Result<RepoUrl, GitError> {
        let unsupported = |reason: &str| GitError::UnsupportedUrl {
            url: redact(url),
            reason: reason.to_string(),
        };
        let (scheme_text, rest) = url
            .split_once("://")
            .ok_or_else(|| unsupported("expected scheme://…"))?;
        let scheme = match scheme_text.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            "ssh" => Scheme::Ssh,
            "git" => Scheme::Git,
            "file" => Scheme::File,
            _ => return Err(unsupported("supported schemes are https, http, ssh, git and file")),
        };
        let authority = rest.split('/').next().unwrap_or("");
        if scheme == Scheme::File {
            if rest.len() <= authority.len() {
                return Err(unsupported("file URL without a path"));
            }
            return Ok(RepoUrl {
                raw: url.to_string(),
                scheme,
                host: String::new(),
                port: 0,
                user: None,
                redacted: url.to_string(),
            });
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let user = userinfo.map(|u| u.split(':').next().unwrap_or("").to_string());
        let default_port = match scheme {
            Scheme::Https => 443,
            Scheme::Http => 80,
            Scheme::Ssh => 22,
            Scheme::Git => 9418,
            Scheme::File => 0,
        };
        let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
            let (h, after) = bracketed.split_once(']').ok_or_else(|| unsupported("unclosed '['"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| unsupported("invalid port"))?,
                None => default_port,
            };
            (h.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) if !p.is_empty() => (h.to_string(), p.parse().map_err(|_| unsupported("invalid port"))?),
                Some((h, _)) => (h.to_string(), default_port),
                None => (hostport.to_string(), default_port),
            }
        };
        if host.is_empty() {
            return Err(unsupported("no host"));
        }
        Ok(RepoUrl {
            raw: url.to_string(),
            scheme,
            host,
            port,
            user,
            redacted: redact(url),
        })
    }
}

/// `url` with the password of its user info replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_ports_users() {
        let u = RepoUrl::parse("ssh://git@127.0.0.1:2222/srv/repo.git").unwrap();
        assert_eq!((u.scheme, u.host.as_str(), u.port), (Scheme::Ssh, "127.0.0.1", 2222));
        assert_eq!(u.user.as_deref(), Some("git"));
        let u = RepoUrl::parse("https://u:secret@example.com/r.git").unwrap();
        assert_eq!(u.port, 443);
        assert_eq!(u.redacted, "https://u:***@example.com/r.git");
        assert!(!format!("{}", RepoUrl::parse("ftp://u:secret@x/").unwrap_err()).contains("secret"));
        assert!(RepoUrl::parse("git@github.com:org/repo").is_err());
        assert!(RepoUrl::parse("file:///tmp/repo").is_ok());
    }
}
