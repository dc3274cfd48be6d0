-- wrk script for cold pages: each request is the next path of a list (a file, one path a
-- line), from an offset, so that no path is asked twice in a run. Run with one wrk thread:
--   wrk -t1 -c8 -d10s -s wrk_walk.lua http://127.0.0.1:PORT -- PATHS_FILE OFFSET
-- Prints one machine-readable line when it ends, as wrk_report.lua does, with `issued` (paths
-- taken from the list, answered or not: where the next run starts), `wrapped` (requests past
-- the list's end, which went round to its start: repeats) and `not_ok` (answers other than
-- 200: a redirect or an error is not a page rendered). Latencies are in microseconds.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  paths, count = {}, 0
  for line in io.lines(args[1]) do
    count = count + 1
    paths[count] = line
  end
  offset = tonumber(args[2])
  issued, wrapped, not_ok = 0, 0, 0
end

request = function()
  local index = offset + issued
  issued = issued + 1
  if index >= count then
    wrapped = wrapped + 1
    index = index % count
  end
  return wrk.format("GET", paths[index + 1])
end

response = function(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

done = function(summary, latency, requests)
  local issued_all, wrapped_all, not_ok_all = 0, 0, 0
  for _, thread in ipairs(threads) do
    issued_all = issued_all + thread:get("issued")
    wrapped_all = wrapped_all + thread:get("wrapped")
    not_ok_all = not_ok_all + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d issued=%d wrapped=%d not_ok=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, issued_all, wrapped_all, not_ok_all))
end
