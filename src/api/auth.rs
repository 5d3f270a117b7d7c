//! Databricks unified authentication: host, personal access token or OAuth machine-to-machine
//! credentials, profile and warehouse id, from flags, then `DATABRICKS_*` environment values
//! (given by the caller: this module never reads the environment), then a `~/.databrickscfg`
//! INI profile. Owns the [`Secret`] type whose `Debug`/`Display` redact.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::api::Error;

/// A secret string (token, client secret). Never printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One source of settings (flags, environment or a profile); every field optional.
#[derive(Debug, Clone, Default)]
pub struct AuthInputs {
    pub host: Option<String>,
    pub token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub profile: Option<String>,
    pub warehouse_id: Option<String>,
    /// `DATABRICKS_CONFIG_FILE`.
    pub config_file: Option<PathBuf>,
}

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// No `Authorization` header (simulators without auth).
    None,
    /// A personal access token (or any bearer token).
    Token(Secret),
    /// OAuth M2M: client credentials exchanged at `/oidc/v1/token`.
    OAuthM2M {
        client_id: String,
        client_secret: Secret,
    },
}

/// The settings a client needs, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedAuth {
    /// `https://host` or `http://127.0.0.1:PORT`, without a trailing slash.
    pub host: String,
    pub credentials: Credentials,
    pub warehouse_id: Option<String>,
    /// The profile used, when one was read.
    pub profile: Option<String>,
}

/// Resolve settings: `flags` win over `env`, which wins over the profile read from the
/// config file (`env.config_file`, else `home/.databrickscfg`). The profile is
/// `flags.profile`, else `env.profile`, else `DEFAULT` when the file has it.
pub fn resolve(
    flags: &AuthInputs,
    env: &AuthInputs,
    home: Option<PathBuf>,
) -> Result<ResolvedAuth, Error> {
    let profile_name = flags.profile.clone().or_else(|| env.profile.clone());
    let cfg_path = flags
        .config_file
        .clone()
        .or_else(|| env.config_file.clone())
        .or_else(|| home.map(|h| h.join(".databrickscfg")));
    let mut prof = AuthInputs::default();
    let mut used_profile = None;
    if let Some(path) = &cfg_path {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let sections = parse_ini(&text);
                let name = profile_name
                    .clone()
                    .unwrap_or_else(|| "DEFAULT".to_string());
                match sections.get(&name) {
                    Some(sec) => {
                        prof = profile_inputs(sec);
                        used_profile = Some(name);
                    }
                    None if profile_name.is_some() => {
                        return Err(Error::Auth(format!(
                            "{}: profile {name:?} not found",
                            path.display()
                        )));
                    }
                    None => {}
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(name) = &profile_name {
                    return Err(Error::Auth(format!(
                        "{}: config file does not exist, so profile {name:?} cannot be read",
                        path.display()
                    )));
                }
            }
            Err(e) => {
                return Err(Error::Auth(format!(
                    "{}: could not read the config file: {e}",
                    path.display()
                )));
            }
        }
    }
    let pick = |f: fn(&AuthInputs) -> Option<String>| f(flags).or_else(|| f(env)).or(f(&prof));
    let host = pick(|a| a.host.clone()).ok_or_else(|| {
        Error::Auth(
            "no workspace host: pass --host, set DATABRICKS_HOST or use a profile".to_string(),
        )
    })?;
    let host = normalize_host(&host);
    let token = flags
        .token
        .clone()
        .or_else(|| env.token.clone())
        .or(prof.token.clone());
    let client_id = pick(|a| a.client_id.clone());
    let client_secret = flags
        .client_secret
        .clone()
        .or_else(|| env.client_secret.clone())
        .or(prof.client_secret.clone());
    let credentials = match (token, client_id, client_secret) {
        (Some(t), _, _) => Credentials::Token(t),
        (None, Some(client_id), Some(client_secret)) => Credentials::OAuthM2M {
            client_id,
            client_secret,
        },
        (None, Some(_), None) | (None, None, Some(_)) => {
            return Err(Error::Auth(
                "oauth m2m needs both a client id and a client secret".to_string(),
            ));
        }
        (None, None, None) => Credentials::None,
    };
    Ok(ResolvedAuth {
        host,
        credentials,
        warehouse_id: pick(|a| a.warehouse_id.clone()),
        profile: used_profile,
    })
}

fn normalize_host(h: &str) -> String {
    let h = h.trim().trim_end_matches('/');
    if h.starts_with("http://") || h.starts_with("https://") {
        h.to_string()
    } else {
        format!("https://{h}")
    }
}

fn profile_inputs(sec: &BTreeMap<String, String>) -> AuthInputs {
    let get = |k: &str| sec.get(k).filter(|v| !v.is_empty()).cloned();
    AuthInputs {
        host: get("host"),
        token: get("token").map(Secret::new),
        client_id: get("client_id"),
        client_secret: get("client_secret").map(Secret::new),
        profile: None,
        warehouse_id: get("warehouse_id"),
        config_file: None,
    }
}

/// Parse an INI file: `[section]` headers, `key = value` lines, `#`/`;` comments.
pub fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_string();
            out.entry(name.clone()).or_default();
            current = Some(name);
        } else if let (Some(sec), Some((k, v))) = (&current, line.split_once('=')) {
            out.entry(sec.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted() {
        let s = Secret::new("dapi-very-secret");
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:?}").contains("very"));
        let c = Credentials::Token(s);
        assert!(!format!("{c:?}").contains("very"));
    }

    #[test]
    fn flags_win_over_env_over_profile() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        std::fs::write(
            &cfg,
            "[DEFAULT]\nhost = https://default\ntoken = t-default\n\n[dev]\nhost = dev.example\nclient_id = cid\nclient_secret = cs\nwarehouse_id = w1\n",
        )
        .unwrap();
        let env = AuthInputs {
            config_file: Some(cfg.clone()),
            ..AuthInputs::default()
        };
        let r = resolve(&AuthInputs::default(), &env, None).unwrap();
        assert_eq!(r.host, "https://default");
        assert_eq!(r.credentials, Credentials::Token(Secret::new("t-default")));
        let flags = AuthInputs {
            profile: Some("dev".into()),
            ..AuthInputs::default()
        };
        let r = resolve(&flags, &env, None).unwrap();
        assert_eq!(r.host, "https://dev.example");
        assert_eq!(r.warehouse_id.as_deref(), Some("w1"));
        assert!(matches!(r.credentials, Credentials::OAuthM2M { .. }));
        let env2 = AuthInputs {
            host: Some("http://127.0.0.1:9/".into()),
            token: Some(Secret::new("t-env")),
            config_file: Some(cfg),
            ..AuthInputs::default()
        };
        let r = resolve(&flags, &env2, None).unwrap();
        assert_eq!(r.host, "http://127.0.0.1:9");
        assert_eq!(r.credentials, Credentials::Token(Secret::new("t-env")));
        let missing = AuthInputs {
            profile: Some("nope".into()),
            ..AuthInputs::default()
        };
        assert!(resolve(&missing, &env, None).is_err());
    }
}
