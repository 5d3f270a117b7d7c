//! Connection settings resolved once, the ripgrep `LowArgs → HiArgs` way: the caller hands
//! in raw layers (command-line flags, the `DATABRICKS_*` environment values it read, the
//! home directory, and the `brickkit.yaml` environment when a tree is involved); this file
//! merges them and builds the client.
//!
//! Precedence, per setting: flags → process environment → the `brickkit.yaml` environment
//! → the `~/.databrickscfg` profile. The `brickkit.yaml` environment may also *name* the
//! profile (used when neither `--profile` nor `DATABRICKS_CONFIG_PROFILE` does). It sits
//! above the profile file because it is specific to the environment being worked on, while
//! a profile (often `DEFAULT`) is the machine's general setting: `prd: host: …` must never
//! be overridden by a `DEFAULT` profile pointing at dev. Never reads the environment itself.

use std::path::PathBuf;

use crate::api::{self, AuthInputs, Client, ClientOptions};
use crate::app::Error;
use crate::declared::connection::EnvConnection;

/// The raw layers of connection settings.
#[derive(Debug, Clone, Default)]
pub struct ConnectionInputs {
    /// `--host`, `--token`, `--profile`, `--warehouse-id`.
    pub flags: AuthInputs,
    /// `DATABRICKS_*` values, read by the caller.
    pub env: AuthInputs,
    /// The home directory (for `~/.databrickscfg`).
    pub home: Option<PathBuf>,
    /// The `brickkit.yaml` environment's settings, when a tree is involved.
    pub project: Option<EnvConnection>,
    /// Concurrent requests at most (at least 1).
    pub jobs: usize,
    /// Requests per second at most.
    pub max_rps: Option<f64>,
}

/// A resolved connection: the workspace and a client ready to send requests.
#[derive(Debug)]
pub struct Connection {
    /// `https://host` (no trailing slash).
    pub host: String,
    /// SQL warehouse for statements, when one is configured.
    pub warehouse_id: Option<String>,
    pub client: Client,
}

/// Merge the layers (see the module doc) and build the client.
pub fn connect(inputs: &ConnectionInputs) -> Result<Connection, Error> {
    let auth = api::resolve(&inputs.flags, &layered_env(inputs), inputs.home.clone())
        .map_err(Error::Connection)?;
    let client = Client::new(
        &auth,
        ClientOptions {
            jobs: inputs.jobs.max(1),
            max_rps: inputs.max_rps,
            ..ClientOptions::default()
        },
    )
    .map_err(|e| Error::Client(e.to_string()))?;
    Ok(Connection {
        host: auth.host,
        warehouse_id: auth.warehouse_id,
        client,
    })
}

/// The environment layer with the `brickkit.yaml` environment under it: a value the process
/// environment does not give comes from the project file, before the profile is read.
fn layered_env(inputs: &ConnectionInputs) -> AuthInputs {
    let mut env = inputs.env.clone();
    let (f, e) = (&inputs.flags, &inputs.env);
    // Host and credentials already given by flags or the environment: the project's
    // profile would add nothing (and must not be required to exist).
    let complete = (f.host.is_some() || e.host.is_some())
        && (f.token.is_some()
            || e.token.is_some()
            || ((f.client_id.is_some() || e.client_id.is_some())
                && (f.client_secret.is_some() || e.client_secret.is_some())));
    if let Some(p) = &inputs.project {
        env.host = env.host.or_else(|| p.host.clone());
        if !complete {
            env.profile = env.profile.or_else(|| p.profile.clone());
        }
        env.warehouse_id = env.warehouse_id.or_else(|| p.warehouse_id.clone());
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Secret;

    fn project() -> EnvConnection {
        EnvConnection {
            profile: None,
            host: Some("https://prd.example".into()),
            warehouse_id: Some("wh-prd".into()),
        }
    }

    #[test]
    fn flags_beat_environment_beats_project() {
        let inputs = ConnectionInputs {
            flags: AuthInputs {
                warehouse_id: Some("wh-flag".into()),
                ..AuthInputs::default()
            },
            env: AuthInputs {
                host: Some("https://env.example".into()),
                token: Some(Secret::new("t")),
                ..AuthInputs::default()
            },
            project: Some(project()),
            jobs: 1,
            ..ConnectionInputs::default()
        };
        let c = connect(&inputs).unwrap();
        assert_eq!(c.host, "https://env.example");
        assert_eq!(c.warehouse_id.as_deref(), Some("wh-flag"));
    }

    #[test]
    fn project_beats_the_default_profile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".databrickscfg"),
            "[DEFAULT]\nhost = https://dev.example\nwarehouse_id = wh-dev\ntoken = x\n",
        )
        .unwrap();
        let inputs = ConnectionInputs {
            home: Some(dir.path().to_path_buf()),
            project: Some(project()),
            jobs: 1,
            ..ConnectionInputs::default()
        };
        let c = connect(&inputs).unwrap();
        assert_eq!(c.host, "https://prd.example");
        assert_eq!(c.warehouse_id.as_deref(), Some("wh-prd"));
    }

    #[test]
    fn project_names_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".databrickscfg"),
            "[DEFAULT]\nhost = https://dev.example\n[prd]\nhost = https://prd-profile.example\n",
        )
        .unwrap();
        let inputs = ConnectionInputs {
            home: Some(dir.path().to_path_buf()),
            project: Some(EnvConnection {
                profile: Some("prd".into()),
                ..EnvConnection::default()
            }),
            jobs: 1,
            ..ConnectionInputs::default()
        };
        assert_eq!(
            connect(&inputs).unwrap().host,
            "https://prd-profile.example"
        );
    }

    #[test]
    fn the_projects_profile_is_not_needed_when_host_and_token_are_given() {
        let inputs = ConnectionInputs {
            env: AuthInputs {
                host: Some("http://127.0.0.1:8089".into()),
                token: Some(Secret::new("t")),
                ..AuthInputs::default()
            },
            home: Some(PathBuf::from("/nonexistent-home")),
            project: Some(EnvConnection {
                profile: Some("acme-dev".into()),
                warehouse_id: Some("wh-dev".into()),
                ..EnvConnection::default()
            }),
            jobs: 1,
            ..ConnectionInputs::default()
        };
        let c = connect(&inputs).unwrap();
        assert_eq!(c.host, "http://127.0.0.1:8089");
        assert_eq!(c.warehouse_id.as_deref(), Some("wh-dev"));
    }

    #[test]
    fn no_host_is_an_error_naming_what_to_pass() {
        let err = connect(&ConnectionInputs::default()).unwrap_err();
        assert!(err.to_string().contains("no workspace host"), "{err}");
    }
}
