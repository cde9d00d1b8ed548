//! The API's routes as they are registered. Each handler's paths and schemas go to utoipa as
//! before; while a check is running, its schemas are also noted by name. utoipa keeps only the
//! last schema given a name, so two Rust types publishing one name would otherwise leave the
//! document silently describing the wrong body.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use actix_web::dev::HttpServiceFactory;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::OpenApiFactory;

/// Every schema body published under each name, while a check runs.
type Noted = BTreeMap<String, BTreeSet<String>>;

thread_local! {
    static NOTED: RefCell<Option<Noted>> = const { RefCell::new(None) };
}

/// Where a domain registers its handlers.
pub struct Routes<'c, 's>(&'c mut ServiceConfig<'s>);

impl<'c, 's> Routes<'c, 's> {
    pub fn new(cfg: &'c mut ServiceConfig<'s>) -> Self {
        Self(cfg)
    }

    /// Registers a documented handler.
    pub fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        NOTED.with(|noted| {
            if let Some(noted) = noted.borrow_mut().as_mut() {
                let mut schemas = Vec::new();
                factory.schemas(&mut schemas);
                note(noted, schemas);
            }
        });
        self.0.service(factory);
        self
    }

    /// Registers an undocumented route (the document itself).
    pub fn route(&mut self, path: &str, route: actix_web::Route) -> &mut Self {
        self.0.route(path, route);
        self
    }
}

fn note(noted: &mut Noted, schemas: impl IntoIterator<Item = (String, RefOr<Schema>)>) {
    for (name, schema) in schemas {
        let body = serde_json::to_string(&schema).unwrap_or_default();
        noted.entry(name).or_default().insert(body);
    }
}

/// What was published while a check ran: how many schema names, and those that more than one
/// schema is published under.
pub struct PublishedNames {
    pub noted: usize,
    pub clashes: Vec<String>,
}

/// Notes the schemas published while `register` runs, with the root's own `components`.
pub fn published_schema_names(
    root: &utoipa::openapi::OpenApi,
    register: impl FnOnce(),
) -> PublishedNames {
    NOTED.with(|noted| *noted.borrow_mut() = Some(Noted::new()));
    register();
    let mut noted = NOTED
        .with(|noted| noted.borrow_mut().take())
        .unwrap_or_default();
    if let Some(components) = &root.components {
        note(&mut noted, components.schemas.clone());
    }
    PublishedNames {
        noted: noted.len(),
        clashes: noted
            .into_iter()
            .filter(|(_, bodies)| bodies.len() > 1)
            .map(|(name, _)| name)
            .collect(),
    }
}
