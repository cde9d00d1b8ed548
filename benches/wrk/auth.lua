-- wrk script: every request carries `Authorization: Bearer $BENCH_TOKEN`.
-- With BENCH_PATHS=<file> (one request path per line) each request picks one of those paths at
-- random (e.g. GET /api/v1/partners/{id} over many ids); without it wrk sends the URL's path.
local token = os.getenv("BENCH_TOKEN")
if token == nil or token == "" then
  error("set BENCH_TOKEN to a bearer token")
end
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"

local paths_file = os.getenv("BENCH_PATHS")
if paths_file ~= nil and paths_file ~= "" then
  local paths = {}
  for line in io.lines(paths_file) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. paths_file) end
  local count = #paths
  local random = math.random
  request = function()
    return wrk.format(nil, paths[random(count)])
  end
end
