//! Markdown to HTML that is safe to put on a district website: CommonMark (with tables and
//! strikethrough) rendered by pulldown-cmark, then sanitised by ammonia, which keeps only
//! allowed tags, attributes and URL schemes, whatever HTML the Markdown carried.

use pulldown_cmark::{html::push_html, Options, Parser};

/// The sanitised HTML of `markdown`.
pub fn to_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::new();
    push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_scripts_do_not() {
        let html = to_html(
            "# Night at the museum\n\nStudents **curated** [the show](https://museum.example/show).\n\n\
             <script>alert(1)</script><img src=x onerror=alert(2)>\n\n\
             [click](javascript:alert(3)) <a href=\"https://x.example\" onclick=\"alert(4)\">x</a>",
        );
        assert!(html.contains("<h1>Night at the museum</h1>"), "{html}");
        assert!(html.contains("<strong>curated</strong>"), "{html}");
        assert!(
            html.contains("href=\"https://museum.example/show\""),
            "{html}"
        );
        for bad in ["<script", "onerror", "javascript:", "onclick", "alert(1)"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
