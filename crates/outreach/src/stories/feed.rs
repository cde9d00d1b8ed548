//! The showcase as an Atom feed (RFC 4287), for district websites and newsletters.

use atom_syndication::{Content, Entry, Feed, Link, Text};
use chrono::{DateTime, Utc};

use super::public::PublicStory;

/// The feed of `stories` (id and story, newest first); `base` is the server's address as the reader used it
/// (`https://partners.district.example`), for absolute links.
pub fn atom(stories: &[(String, PublicStory)], base: &str) -> String {
    let stories_url = format!("{base}{}/public/stories", platform::http::API_PREFIX);
    let updated = stories
        .iter()
        .map(|(_, s)| s.updated_at)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let entries = stories
        .iter()
        .map(|(id, s)| {
            let link = format!("{stories_url}/{}", s.slug);
            Entry {
                title: Text::plain(s.title.clone()),
                // The slug may change; the story's id does not.
                id: format!("urn:uuid:{id}"),
                updated: s.updated_at.fixed_offset(),
                published: s.published_at.map(|t| t.fixed_offset()),
                links: vec![Link {
                    href: link,
                    mime_type: Some("application/json".into()),
                    ..Link::default()
                }],
                summary: s.summary.clone().map(Text::plain),
                content: Some(Content {
                    value: Some(s.body_html.clone()),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let feed = Feed {
        title: Text::plain("Partnership success stories"),
        id: format!("{stories_url}.atom"),
        updated: updated.fixed_offset(),
        links: vec![
            Link {
                href: format!("{stories_url}.atom"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Link::default()
            },
            Link {
                href: stories_url,
                mime_type: Some("application/json".into()),
                ..Link::default()
            },
        ],
        entries,
        ..Feed::default()
    };
    feed.to_string()
}
