//! What answers when no route matched: 405 with `Allow` when the path exists under another
//! method, 404 otherwise. The table of paths and methods is read from the OpenAPI document, so
//! it cannot disagree with the routes.

use actix_web::dev::ResourceDef;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

pub struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                let ops = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ];
                for (method, present) in ops {
                    if present {
                        methods.push(method);
                    }
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        RouteTable(routes)
    }

    /// The documented methods of the path: of its literal route when it has one (the router
    /// prefers `/activities/totals` to `/activities/{id}`), else of every pattern it matches.
    fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let matching: Vec<&(ResourceDef, Vec<Method>)> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .collect();
        let literal: Vec<&(ResourceDef, Vec<Method>)> = matching
            .iter()
            .copied()
            .filter(|(def, _)| !def.pattern().is_some_and(|p| p.contains('{')))
            .collect();
        let chosen = if literal.is_empty() {
            matching
        } else {
            literal
        };
        let mut allowed: Vec<Method> = Vec::new();
        for (_, methods) in chosen {
            for m in methods {
                if !allowed.contains(m) {
                    allowed.push(m.clone());
                }
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

pub async fn not_matched(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allowed) if !allowed.contains(req.method()) => ApiError::MethodNotAllowed(allowed),
        _ => ApiError::NotFound(format!("no resource at {}", req.path())),
    })
}
