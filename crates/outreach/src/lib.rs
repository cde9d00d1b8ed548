//! What the district offers and tells the community: opportunities and responses, facilities and bookings, success stories, and calendar feeds.

pub mod calendars;
pub mod facilities;
pub mod facility_bookings;
pub mod opportunities;
pub mod opportunity_responses;
pub mod stories;
