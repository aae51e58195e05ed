-- wrk script for tools/bench/proxy_cost.sh: one MCP tools/call per request, through any front.
-- Arguments after `--`: KIND WIRE [SESSION_ID...]
--   KIND: `fresh` (execute_pattern calling everything.echo with a message no earlier call had, so no answer can
--         come from the cache), `cached` (execute_pattern, always the same message, warmed before the run),
--         `peer:TOOL` (tools/call of TOOL, a fresh message per call, on a plain proxy), `time` (execute_pattern
--         calling time.get_current_time of mcp-server-time, whose results pattern-mcp is not told to cache) and
--         `peer-time:TOOL` (tools/call of TOOL, get_current_time, on a plain proxy); both time kinds ask for UTC.
--   WIRE: `sessions` (MCP 2025-06-18, one session per connection in turn) or `stateless` (MCP 2026-07-28).
-- Counts non-200 answers, error answers, and answers that contradict KIND (a hit when fresh, a miss when cached);
-- done() prints one RESULT line.

local sessions = {}
local next_session = 0
local kind, wire, tool = "fresh", "sessions", nil
local timed, expected = false, "Echo: "
thread_id = 0 -- set by setup() to the thread's number
local sent = 0
bad_status = 0
errors = 0
wrong_tier = 0

local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_id", #threads)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local token = os.getenv("PROXY_COST_TOKEN")
if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
end

local meta_2026 = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    .. '"io.modelcontextprotocol/clientCapabilities":{},'
    .. '"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"0"}}'

function init(args)
    kind, wire = args[1], args[2]
    for i = 3, #args do
        sessions[i - 2] = args[i]
    end
    if string.sub(kind, 1, 5) == "peer:" then
        tool = string.sub(kind, 6)
    elseif string.sub(kind, 1, 10) == "peer-time:" then
        tool = string.sub(kind, 11)
    end
    timed = kind == "time" or string.sub(kind, 1, 10) == "peer-time:"
    -- What a good answer holds, however the front escapes the tool's text.
    expected = timed and "datetime" or "Echo: "
    local name = tool or "execute_pattern"
    if wire == "stateless" then
        wrk.headers["Mcp-Protocol-Version"] = "2026-07-28"
        wrk.headers["Mcp-Method"] = "tools/call"
        wrk.headers["Mcp-Name"] = name
    else
        wrk.headers["Mcp-Protocol-Version"] = "2025-06-18"
    end
end

local function body(message)
    local arguments
    if timed and tool then
        arguments = '{"timezone":"UTC"}'
    elseif timed then
        arguments = '{"query":"call tool time.get_current_time","context":{"arguments":{"timezone":"UTC"}}}'
    elseif tool then
        arguments = '{"message":"' .. message .. '"}'
    else
        arguments = '{"query":"call tool everything.echo","context":{"arguments":{"message":"' .. message .. '"}}}'
    end
    -- Ids unique across threads too: two requests with one id on one session may be serialised.
    return '{"jsonrpc":"2.0","id":' .. (thread_id * 1000000000 + sent) .. ',"method":"tools/call","params":{"name":"'
        .. (tool or "execute_pattern") .. '","arguments":' .. arguments
        .. (wire == "stateless" and meta_2026 or "") .. '}}'
end

-- A number of this run's own, so that no message repeats one of an earlier run, however soon after it this run
-- starts (the time in seconds did not do: two short runs in one second sent the same messages).
local function run_nonce()
    local urandom = assert(io.open("/dev/urandom", "rb"))
    local bytes = urandom:read(6)
    urandom:close()
    local n = 0
    for i = 1, #bytes do
        n = n * 256 + bytes:byte(i)
    end
    return n
end
local nonce = run_nonce()

function request()
    sent = sent + 1
    -- A message no other request sends (thread, counter, and the run's nonce).
    local message = kind == "cached" and "the same message every time"
        or string.format("m-%d-%d-%.0f", thread_id, sent, nonce)
    if wire == "sessions" then
        next_session = next_session % #sessions + 1
        wrk.headers["Mcp-Session-Id"] = sessions[next_session]
    end
    return wrk.format(nil, nil, nil, body(message))
end

function response(status, headers, body)
    if status ~= 200 then
        bad_status = bad_status + 1
    elseif string.find(body, '"isError":true', 1, true) or string.find(body, '"success":false', 1, true)
        or string.find(body, '"error":{', 1, true) or not string.find(body, expected, 1, true) then
        errors = errors + 1
    elseif (kind == "fresh" or kind == "time") and not string.find(body, '"cache_hit":false', 1, true) then
        wrong_tier = wrong_tier + 1
    elseif kind == "cached" and not string.find(body, '"cache_hit":true', 1, true) then
        wrong_tier = wrong_tier + 1
    end
end

function done(summary, latency, requests)
    local bad, errs, wrong = 0, 0, 0
    for _, thread in ipairs(threads) do
        bad = bad + thread:get("bad_status")
        errs = errs + thread:get("errors")
        wrong = wrong + thread:get("wrong_tier")
    end
    io.write(string.format(
        "RESULT requests=%d duration_s=%.2f throughput_rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non_200=%d errors=%d wrong_tier=%d socket_errors=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        bad, errs, wrong,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
