-- wrk script for scripts/loadtest.sh: the ledger and "my work", as a district leader and as a
-- township official (session cookies from the environment), interleaved.
local paths = { "/risks/", "/" }
local cookies = { os.getenv("COOKIE_LEADER"), os.getenv("COOKIE_OFFICIAL") }
local counter = 0

request = function()
    counter = counter + 1
    local path = paths[(counter % 2) + 1]
    local cookie = cookies[(math.floor(counter / 2) % 2) + 1]
    -- As nginx forwards it: TLS ended at the proxy (otherwise production settings redirect).
    return wrk.format("GET", path, { ["Cookie"] = cookie, ["Host"] = "127.0.0.1", ["X-Forwarded-Proto"] = "https" })
end

-- One line of JSON for the shell script to pick up.
done = function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        'JSON {"requests": %d, "seconds": %.1f, "requests_per_second": %.1f, '
            .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
            .. '"latency_ms": {"mean": %.1f, "p50": %.1f, "p90": %.1f, "p99": %.1f, "max": %.1f}}\n',
        summary.requests, seconds, summary.requests / seconds,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000
    ))
end
