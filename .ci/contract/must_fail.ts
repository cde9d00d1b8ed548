// Must NOT compile: a KPI batch row with a misspelt field. `.ci/contract/run` requires tsc to
// reject this file, and only on the line marked `// must fail` (an error anywhere else, such as
// a broken import, fails the check too). If the batch body were typed `unknown[]` or `any`,
// this would compile and the check would fail.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

const client = createClient<paths>({ baseUrl: "https://partnerships.invalid" });

export async function misspeltRow(): Promise<void> {
  await client.POST("/api/v1/kpi-records/batch", {
    body: [
      {
        kpi_code: "attendance_rate",
        school_external_id: "042",
        student_group: "all",
        period_start: "2026-09-01",
        period_end: "2026-09-30",
        value: 93.4,
        n: 412,
      },
      {
        kpi_cod: "attendance_rate", // must fail
        school_external_id: "043",
        student_group: "all",
        period_start: "2026-09-01",
        period_end: "2026-09-30",
        value: 91.0,
        n: 388,
      },
    ],
  });
}
