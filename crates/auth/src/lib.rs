//! Who is calling: tokens (issued here or by the district's identity provider), the caller
//! extractor, roles and scopes, and the token and login endpoints.

pub mod api;
mod caller;
mod grant;
pub mod limits;
pub mod password;
pub mod permissions;
pub mod principal_cache;
pub mod provider;
pub mod secret;
pub mod settings;
mod store;
pub mod token;

pub use caller::{acting_as, Caller};
pub use grant::Grant;
pub use permissions::{Role, Scope};
pub use settings::AuthSettings;

use platform::http::routes::Routes;

pub fn routes(cfg: &mut Routes) {
    cfg.service(api::issue_token).service(api::login);
}
