-- wrk script: every request is a new customer message on the API channel, spread over
-- 5,000 customers, each with its own external id.
-- Usage: TANDEM_INBOX_TOKEN=tdm_i_... wrk -t2 -c32 -d20s -s bench/inbound.lua --latency http://127.0.0.1:8080
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.path = "/api/v1/channel/messages"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TANDEM_INBOX_TOKEN")
  run = tostring(os.time())
end

function request()
  counter = counter + 1
  local customer = (counter * 7 + thread_id) % 5000
  local body = string.format(
    '{"contact":{"identity":{"kind":"external","value":"customer-%d"}},"text":"Meu boleto venceu, como pago? (%d)","external_id":"load-%s-%d-%d"}',
    customer, counter, run, thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
