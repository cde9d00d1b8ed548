//! Routes for `/surveys`.

use super::model::{Survey, SurveyInput, SurveyQuery, SurveySort, Surveys};

crate::resource_api! {
    resource: Surveys, tag: "community",
    collection: "/surveys", item: "/surveys/{id}",
    parent: [],
    filter: SurveyQuery, sort: SurveySort, input: SurveyInput, output: Survey,
    /// Surveys, newest first. A partner sees the open surveys addressed to partners.
    list: list_surveys,
    /// Draft a survey: its questions, audiences, school (or the district) and dates. Staff
    /// draft for their schools; district-wide surveys are for administrators.
    create: create_survey,
    /// One survey, with its questions and, once open, its public answering link's key.
    get: get_survey,
    /// Replace a survey.
    replace: replace_survey,
    /// Change a survey (JSON Merge Patch); `status` opens (`open`) and closes (`closed`) it.
    patch: patch_survey,
    /// Delete a survey.
    delete: delete_survey,
}
