-- wrk script for tools/bench/http_wires.sh and tools/load_http.sh: cached execute_pattern calls over Streamable HTTP.
-- Arguments after `--`: `sessions ID...` (MCP 2025-06-18, one session per connection in turn)
-- or `stateless` (MCP 2026-07-28: no session, the version in `_meta` and the SEP-2243 headers).
-- Counts non-200 answers and answers that were not cache hits; done() prints one RESULT line.

local sessions = {}
local next_session = 0
local mode = "sessions"
bad_status = 0
not_cached = 0

local query = '"arguments":{"query":"what did we note about backups?"}'
local session_body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_pattern",'
    .. query .. '}}'
local stateless_body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_pattern",'
    .. query .. ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    .. '"io.modelcontextprotocol/clientCapabilities":{},'
    .. '"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"0"}}}}'

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("PATTERN_MCP_LOAD_TOKEN") or "")

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    mode = args[1] or "sessions"
    for i = 2, #args do
        sessions[i - 1] = args[i]
    end
    if mode == "stateless" then
        wrk.headers["Mcp-Protocol-Version"] = "2026-07-28"
        wrk.headers["Mcp-Method"] = "tools/call"
        wrk.headers["Mcp-Name"] = "execute_pattern"
    else
        wrk.headers["Mcp-Protocol-Version"] = "2025-06-18"
    end
end

function request()
    if mode == "stateless" then
        return wrk.format(nil, nil, nil, stateless_body)
    end
    next_session = next_session % #sessions + 1
    wrk.headers["Mcp-Session-Id"] = sessions[next_session]
    return wrk.format(nil, nil, nil, session_body)
end

function response(status, headers, body)
    if status ~= 200 then
        bad_status = bad_status + 1
    elseif not string.find(body, '"cache_hit":true', 1, true) then
        not_cached = not_cached + 1
    end
end

function done(summary, latency, requests)
    local bad, missed = 0, 0
    for _, thread in ipairs(threads) do
        bad = bad + thread:get("bad_status")
        missed = missed + thread:get("not_cached")
    end
    io.write(string.format(
        "RESULT requests=%d duration_s=%.2f throughput_rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non_200=%d not_cached=%d socket_errors=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        bad, missed,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
