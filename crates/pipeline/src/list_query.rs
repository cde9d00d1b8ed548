//! A list's query string: the paging parameters every list shares, and the resource's filters.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use platform::db::keyset::{ListSort, Sort};
use platform::error::ApiError;
use platform::http::paging::PageRequest;

/// Page size and position: the same on every list, sub-collections included. (`sort` is
/// documented with the resource's own choices.)
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page, unchanged.
    #[param(pattern = r"^[A-Za-z0-9_-]{1,4096}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Paging<S> {
    sort: Option<S>,
    limit: Option<i64>,
    cursor: Option<String>,
}

const PAGING: [&str; 3] = ["sort", "limit", "cursor"];

/// A parsed list query: the resource's filters and the page asked for.
#[derive(Debug)]
pub struct ListQuery<F> {
    pub filter: F,
    pub page: PageRequest,
}

fn encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl<F: DeserializeOwned> ListQuery<F> {
    /// As [`ListQuery::parse_sorted`], with the common sort orders.
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        Self::parse_sorted::<ListSort>(query)
    }

    /// Splits the paging parameters from the filters; an unknown or malformed parameter is 400.
    pub fn parse_sorted<S: DeserializeOwned + Default + Into<Sort>>(
        query: &str,
    ) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let (paging, filters): (Vec<_>, Vec<_>) = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .partition(|(k, _)| PAGING.contains(k));
        let bad = |e: serde_urlencoded::de::Error| {
            ApiError::BadRequest(format!("invalid query parameters: {e}"))
        };
        let params: Paging<S> =
            serde_urlencoded::from_str(&encode(paging.into_iter())).map_err(bad)?;
        let filter: F = serde_urlencoded::from_str(&encode(filters.into_iter())).map_err(bad)?;
        Ok(ListQuery {
            filter,
            page: PageRequest::new(
                Some(params.sort.unwrap_or_default().into()),
                params.limit,
                params.cursor.as_deref(),
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        q: Option<String>,
    }

    #[test]
    fn paging_and_filters_are_parsed_apart() {
        let parsed = ListQuery::<Filter>::parse("q=caf%C3%A9&limit=7&sort=-name").unwrap();
        assert_eq!(parsed.filter.q.as_deref(), Some("café"));
        assert_eq!(parsed.page.limit, 7);
        assert!(parsed.page.sort.descending);
    }

    #[test]
    fn unknown_parameters_and_bad_limits_are_refused() {
        assert!(ListQuery::<Filter>::parse("colour=red").is_err());
        assert!(ListQuery::<Filter>::parse("limit=0").is_err());
        assert!(ListQuery::<Filter>::parse("limit=501").is_err());
        assert!(ListQuery::<Filter>::parse("").is_ok());
    }
}
