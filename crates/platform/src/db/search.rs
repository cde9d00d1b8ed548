//! Search keys: the form of a name that `q` searches, lower case and without accents, kept in a
//! column by the service so both databases find the same rows ("ecole", "ÉCOLE" and "école"
//! all find "École Sainte-Anne").

use diesel::prelude::*;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::DbConnection;

/// `text` decomposed (NFKD), without combining marks, in lower case.
pub fn search_form(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// A `LIKE` pattern matching the search form of `q` anywhere in a search key, with `\`
/// escaping the wildcards; use with `.escape('\\')`.
pub fn contains(q: &str) -> String {
    let escaped = search_form(q)
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Fills in the search keys of rows written before the keys existed (those still `''`).
pub fn backfill(conn: &mut DbConnection) -> QueryResult<usize> {
    use super::schema::{agreements, contacts, partners, schools, users};
    let mut filled = 0;
    macro_rules! fill {
        ($table:ident, $name:ident) => {
            let rows: Vec<(String, String)> = $table::table
                .filter($table::search_key.eq(""))
                .select(($table::id, $table::$name))
                .load(conn)?;
            for (id, name) in rows {
                filled += diesel::update($table::table.filter($table::id.eq(id)))
                    .set($table::search_key.eq(search_form(&name)))
                    .execute(conn)?;
            }
        };
    }
    fill!(schools, name);
    fill!(partners, name);
    fill!(contacts, name);
    fill!(agreements, title);
    fill!(users, name);
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_accents_do_not_matter() {
        for q in ["ecole", "ÉCOLE", "école", "Ecole"] {
            assert_eq!(search_form(q), "ecole");
        }
        assert!("école sainte-anne".contains(&search_form("SAINTE-ANNE")));
        assert_eq!(contains("50%_off"), "%50\\%\\_off%");
    }
}
