//! Choosing an answer's form from `Accept`, and sending a CSV answer: one way for every
//! endpoint that can answer in more than one format (a `format=` in the query, where there is
//! one, wins over `Accept`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

/// Whether the request's `Accept` names `media` (`text/csv`, `text/markdown`).
pub fn accepts(req: &HttpRequest, media: &str) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains(media))
}

/// A 200 in CSV; with `attachment`, offered to be saved under that file name.
pub fn csv(attachment: Option<&str>) -> HttpResponseBuilder {
    let mut answer = HttpResponse::Ok();
    answer.content_type("text/csv; charset=utf-8");
    if let Some(name) = attachment {
        answer.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    }
    answer
}
