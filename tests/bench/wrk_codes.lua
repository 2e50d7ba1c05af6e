-- wrk script for tests/bench/test_postgraphile.py: every request a POST of one of the request
-- bodies in the file given after `--` (one JSON body a line), picked at random. Answers that are
-- not 200 or that carry GraphQL "errors" are counted as bad. At the end, one JSON line:
-- BENCH {"requests": …, "seconds": …, "p50_ms": …, "p99_ms": …, "bad": …, "socket_errors": …}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

bodies = {}
bad = 0

function init(args)
  for line in io.lines(args[1]) do
    bodies[#bodies + 1] = line
  end
  math.randomseed(os.time() * 100 + seed)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then
    wrk.headers["Host"] = args[2]
  end
end

function request()
  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "bad": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, total_bad, e.connect + e.read + e.write + e.timeout))
end
