-- wrk script: every response is checked against the expected status and body; a request
-- body and method can be set. Environment: BENCH_EXPECT (body), BENCH_METHOD, BENCH_BODY.
local expect = os.getenv("BENCH_EXPECT")
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if method then wrk.method = method end
if body then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 good = 0 end
function response(status, headers, b)
  if status == 200 and b == expect then good = good + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do g = g + t:get("good") b = b + t:get("bad") end
  io.write(string.format("CHECKED good=%d bad=%d\n", g, b))
end
