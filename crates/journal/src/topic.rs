/// What a write is about, as the journal records it: the resource type (`partner`,
/// `kpi_batch`), and whether webhooks publish its changes. Users, API clients and webhook
/// endpoints hold credentials: their changes are in the audit trail, never sent out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    pub name: &'static str,
    pub published: bool,
}

impl Topic {
    /// A resource whose changes the change feed lists and webhooks send.
    pub const fn published(name: &'static str) -> Topic {
        Topic {
            name,
            published: true,
        }
    }

    /// A resource whose changes stay in the audit trail.
    pub const fn unpublished(name: &'static str) -> Topic {
        Topic {
            name,
            published: false,
        }
    }
}
