//! `resource_api!`: the six documented routes of a resource, each a one-line call into the
//! generic handlers, plus `routes(cfg)` registering them.

/// Declares, in a resource's `api.rs`:
///
/// ```text
/// crate::resource_api! {
///     resource: Partners, tag: "partners",
///     collection: "/partners", item: "/partners/{id}",
///     parent: [],   // or [("partner_id" = String, Path, description = "…")]
///     filter: PartnerQuery, sort: ListSort, input: PartnerInput, output: Partner,
///     /// List partners.
///     list: list_partners,
///     /// Create a partner.
///     create: create_partner,
///     /// Get one partner.
///     get: get_partner,
///     /// Replace a partner.
///     replace: replace_partner,
///     /// Change some fields of a partner (JSON Merge Patch, RFC 7396).
///     patch: patch_partner,
///     /// Delete a partner.
///     delete: delete_partner,
/// }
/// ```
///
/// The function names become the operation ids; the doc comments their summaries. A resource
/// that has only some operations (an append-only history) names only those, in any order.
#[macro_export]
macro_rules! resource_api {
    (
        resource: $r:ty, tag: $tag:tt,
        collection: $collection:tt, item: $item:tt,
        parent: $parents:tt,
        filter: $filter:ty, sort: $sort:ty, input: $input:ty, output: $output:ty,
        $($(#[$doc:meta])* $op:ident: $name:ident),+ $(,)?
    ) => {
        #[allow(unused_imports)]
        use actix_web::{delete, get, patch, post, put};
        #[allow(unused_imports)]
        use $crate::platform::http::paging::Page;

        /// The documented `sort` of the list.
        #[derive(utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        #[allow(dead_code)]
        pub struct SortParam {
            /// The order: a field, descending with a `-` before it; ties break on `id`.
            #[param(inline)]
            sort: Option<$sort>,
        }

        $(
            $crate::resource_api!(@$op
                [$r, $tag, $collection, $item, $parents, $filter, $input, $output]
                $(#[$doc])* $name);
        )+

        /// Registers the resource's routes.
        pub fn routes(cfg: &mut $crate::platform::http::routes::Routes) {
            $(cfg.service($name);)+
        }
    };
    (@list [$r:ty, $tag:tt, $collection:tt, $item:tt, [$($parent:tt),* $(,)?], $filter:ty, $input:ty, $output:ty]
        $(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[utoipa::path(
                tag = $tag,
                params($($parent,)* $filter, SortParam, $crate::ListParams),
                responses((status = 200, description = "One page of the list",
                    body = Page<$output>,
                    headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))))
            )]
            #[get($collection)]
            pub async fn $name(
                req: actix_web::HttpRequest,
                caller: $crate::auth::Caller,
                pool: actix_web::web::Data<$crate::platform::db::DbPool>,
                policy: actix_web::web::Data<$crate::platform::settings::Policy>,
            ) -> Result<actix_web::HttpResponse, $crate::platform::error::ApiError> {
                $crate::list::<$r>(req, caller, pool, policy).await
            }
    };
    (@create [$r:ty, $tag:tt, $collection:tt, $item:tt, [$($parent:tt),* $(,)?], $filter:ty, $input:ty, $output:ty]
        $(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[utoipa::path(
                tag = $tag,
                params($($parent),*),
                request_body = $input,
                responses((status = 201, description = "Created", body = $output,
                    headers(("Location" = String, description = "Where the new resource is"),
                        ("ETag" = String, description = "Its version"))))
            )]
            #[post($collection)]
            pub async fn $name(
                req: actix_web::HttpRequest,
                caller: $crate::auth::Caller,
                pool: actix_web::web::Data<$crate::platform::db::DbPool>,
                policy: actix_web::web::Data<$crate::platform::settings::Policy>,
                body: $crate::platform::http::body::Body<$input>,
            ) -> Result<actix_web::HttpResponse, $crate::platform::error::ApiError> {
                $crate::create::<$r>(req, caller, pool, policy, body).await
            }
    };
    (@get [$r:ty, $tag:tt, $collection:tt, $item:tt, [$($parent:tt),* $(,)?], $filter:ty, $input:ty, $output:ty]
        $(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[utoipa::path(
                tag = $tag,
                params($($parent,)* $crate::ItemPath, $crate::platform::http::etag::IfNoneMatchHeader),
                responses(
                    (status = 200, description = "The current version", body = $output,
                        headers(("ETag" = String, description = "Its version"))),
                    (status = 304, description = "Not modified since the given ETag"),
                )
            )]
            #[get($item)]
            pub async fn $name(
                req: actix_web::HttpRequest,
                caller: $crate::auth::Caller,
                pool: actix_web::web::Data<$crate::platform::db::DbPool>,
                policy: actix_web::web::Data<$crate::platform::settings::Policy>,
                if_none_match: $crate::platform::http::etag::IfNoneMatch,
            ) -> Result<actix_web::HttpResponse, $crate::platform::error::ApiError> {
                $crate::get::<$r>(req, caller, pool, policy, if_none_match).await
            }
    };
    (@replace [$r:ty, $tag:tt, $collection:tt, $item:tt, [$($parent:tt),* $(,)?], $filter:ty, $input:ty, $output:ty]
        $(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[utoipa::path(
                tag = $tag,
                params($($parent,)* $crate::ItemPath, $crate::platform::http::etag::IfMatchHeader),
                request_body = $input,
                responses((status = 200, description = "The new version", body = $output,
                    headers(("ETag" = String, description = "Its version"))))
            )]
            #[put($item)]
            pub async fn $name(
                req: actix_web::HttpRequest,
                caller: $crate::auth::Caller,
                pool: actix_web::web::Data<$crate::platform::db::DbPool>,
                policy: actix_web::web::Data<$crate::platform::settings::Policy>,
                if_match: $crate::platform::http::etag::IfMatch,
                body: $crate::platform::http::body::Body<$input>,
            ) -> Result<actix_web::HttpResponse, $crate::platform::error::ApiError> {
                $crate::replace::<$r>(req, caller, pool, policy, if_match, body).await
            }
    };
    (@patch [$r:ty, $tag:tt, $collection:tt, $item:tt, [$($parent:tt),* $(,)?], $filter:ty, $input:ty, $output:ty]
        $(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[utoipa::path(
                tag = $tag,
                params($($parent,)* $crate::ItemPath, $crate::platform::http::etag::IfMatchHeader),
                request_body(content = $input, content_type = "application/merge-patch+json",
                    description = "Any subset of the writable fields; `null` clears an optional field"),
                responses((status = 200, description = "The new version", body = $output,
                    headers(("ETag" = String, description = "Its version"))))
            )]
            #[patch($item)]
            pub async fn $name(
                req: actix_web::HttpRequest,
                caller: $crate::auth::Caller,
                pool: actix_web::web::Data<$crate::platform::db::DbPool>,
                policy: actix_web::web::Data<$crate::platform::settings::Policy>,
                if_match: $crate::platform::http::etag::IfMatch,
                body: $crate::platform::http::body::Body<serde_json::Value>,
            ) -> Result<actix_web::HttpResponse, $crate::platform::error::ApiError> {
                $crate::patch::<$r>(req, caller, pool, policy, if_match, body).await
            }
    };
    (@delete [$r:ty, $tag:tt, $collection:tt, $item:tt, [$($parent:tt),* $(,)?], $filter:ty, $input:ty, $output:ty]
        $(#[$doc:meta])* $name:ident) => {
            $(#[$doc])*
            #[utoipa::path(
                tag = $tag,
                params($($parent,)* $crate::ItemPath, $crate::platform::http::etag::IfMatchHeader),
                responses((status = 204, description = "Deleted"))
            )]
            #[delete($item)]
            pub async fn $name(
                req: actix_web::HttpRequest,
                caller: $crate::auth::Caller,
                pool: actix_web::web::Data<$crate::platform::db::DbPool>,
                policy: actix_web::web::Data<$crate::platform::settings::Policy>,
                if_match: $crate::platform::http::etag::IfMatch,
            ) -> Result<actix_web::HttpResponse, $crate::platform::error::ApiError> {
                $crate::delete::<$r>(req, caller, pool, policy, if_match).await
            }
    };
}
