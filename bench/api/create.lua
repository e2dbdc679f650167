-- wrk script: POST /api/v1/instances with unique names. A thread stops
-- sending after `limit` responses (wrk itself still runs for -d).
--   wrk ... -s create.lua URL -- <token> <limit-per-thread>
local counter, seen, threads = 0, 0, 0
local limit, auth

-- Runs in the main state once per thread: a distinct name prefix for each.
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "w" .. threads .. "x")
end

function init(args)
  auth = "Bearer " .. args[1]
  limit = tonumber(args[2])
end

function request()
  counter = counter + 1
  local body = '{"name":"' .. prefix .. counter .. '","cpus":0.1,"memory":"64M"}'
  return wrk.format("POST", "/api/v1/instances",
                    { ["Content-Type"] = "application/json", ["Authorization"] = auth }, body)
end

function response(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
