// Type-level smoke test of the TypeScript client built from the OpenAPI document:
// `schema.d.ts` from openapi-typescript, calls through openapi-fetch. `.ci/contract/run` copies
// this file next to the generated `schema.d.ts` and compiles it with `tsc --strict --noEmit`.
// Nothing here runs: `examples` is never called, so no server is needed.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
type KpiRecordInput = Schemas["KpiRecordInput"];
type FieldError = Schemas["FieldError"];

// Compile-time assertions: `Expect<Equal<A, B>>` fails to compile unless A and B are the same
// type, and `NotAny<T>` fails when a type has collapsed to `any` (which would accept anything).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type NotAny<T> = 0 extends 1 & T ? false : true;

const client = createClient<paths>({ baseUrl: "https://partnerships.invalid" });

export async function examples(): Promise<void> {
  // A partial update: JSON Merge Patch, guarded by the ETag last read. openapi-fetch sends
  // `application/json` unless told otherwise, so the media type the operation declares is
  // given as the Content-Type header.
  const patched = await client.PATCH("/api/v1/partners/{id}", {
    params: { path: { id: "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1b" }, header: { "If-Match": '"3"' } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { name: "Kennebec River Museum (Gardiner)" },
  });
  if (patched.data) {
    const version: number = patched.data.version;
    void version;
  }

  // A filtered list, then the next page through `next_cursor`.
  const first = await client.GET("/api/v1/partners", {
    params: { query: { kind: "museum", q: "kennebec", limit: 100 } },
  });
  if (first.data) {
    type _page = Expect<NotAny<typeof first.data>>;
    const name: string | undefined = first.data.data[0]?.name;
    void name;
    const cursor = first.data.next_cursor;
    if (cursor) {
      const next = await client.GET("/api/v1/partners", {
        params: { query: { kind: "museum", q: "kennebec", limit: 100, cursor } },
      });
      const firstName: string | undefined = next.data?.data[0]?.name;
      void firstName;
    }
  }

  // A KPI batch: a typed array of rows.
  const rows: KpiRecordInput[] = [
    {
      kpi_code: "attendance_rate",
      school_external_id: "042",
      student_group: "all",
      period_start: "2026-09-01",
      period_end: "2026-09-30",
      value: 93.4,
      n: 412,
      numerator: 7702,
      denominator: 8246,
      source: "sis-nightly",
    },
    {
      kpi_code: "chronic_absence_rate",
      school_id: "0193a1f2-7c3d-7e4f-8a5b-6c7d8e9f0a1c",
      student_group: "grade_09",
      period_start: "2026-09-01",
      period_end: "2026-09-30",
      value: 12.5,
      n: 96,
    },
  ];
  const batch = await client.POST("/api/v1/kpi-records/batch", {
    params: { query: { mode: "partial" }, header: { "Idempotency-Key": "nightly-2026-09-30" } },
    body: rows,
  });
  if (batch.data) {
    const counts: number = batch.data.inserted + batch.data.updated + batch.data.unchanged + batch.data.rejected;
    void counts;
  } else if (batch.error) {
    // A 422 problem lists every invalid field at once.
    const fields: string[] = (batch.error.errors ?? []).map((e: FieldError) => e.field);
    void fields;
  }

  // A family answers a survey through its public link, without a token.
  const answered = await client.POST("/api/v1/public/surveys/{token}/responses", {
    params: { path: { token: "k3Jd9_x-2" } },
    body: {
      audience: "families",
      answers: { needs: ["internet", "tutoring"], satisfaction: 4, ideas: "More evening events." },
    },
  });
  if (answered.data) {
    const audience: Schemas["Audience"] = answered.data.audience;
    void audience;
  }

  // Creating a partner; a 422 answers a Problem whose `errors` name each invalid field.
  const created = await client.POST("/api/v1/partners", {
    body: { name: "Gardiner Public Library", kind: "library", offerings: ["speaker"] },
  });
  if (created.error) {
    type _problem = Expect<Equal<typeof created.error, Schemas["Problem"]>>;
    for (const fieldError of created.error.errors ?? []) {
      const field: string = fieldError.field;
      const pointer: string | null | undefined = fieldError.pointer;
      void field;
      void pointer;
    }
  }
}
