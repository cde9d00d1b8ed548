//! The community's voice and shared leadership: need categories, surveys and their results, community needs, committees with their members and meetings, and communication plans.

pub mod committee_meetings;
pub mod committee_members;
pub mod committees;
pub mod communication_plans;
pub mod community_needs;
pub mod need_categories;
pub mod surveys;
