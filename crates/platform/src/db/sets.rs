//! Small sets of ids or codes kept in one text column, written `,a,b,`: sorted, without
//! repeats, so a rewrite of the same set stores the same text, and `LIKE '%,a,%'` finds a member.

/// The column for `items`.
pub fn to_column(items: &[String]) -> String {
    let set: std::collections::BTreeSet<&String> = items.iter().collect();
    let mut column = String::from(",");
    for item in set {
        column.push_str(item);
        column.push(',');
    }
    column
}

/// The members of a column.
pub fn from_column(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `item` is a member of the set in `column`.
pub fn contains(column: &str, item: &str) -> bool {
    column.contains(&format!(",{item},"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_round_trip_sorted_without_repeats() {
        let column = to_column(&["b".into(), "a".into(), "b".into()]);
        assert_eq!(column, ",a,b,");
        assert_eq!(from_column(&column), ["a", "b"]);
        assert!(contains(&column, "a") && !contains(&column, "ab"));
        assert_eq!(to_column(&[]), ",");
        assert!(from_column(",").is_empty());
    }
}
