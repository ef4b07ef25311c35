-- wrk script for scripts/loadtest.sh: the ledger and the dashboard as a district leader, the
-- ledger as a township official and the township's dashboard as its leader (session cookies from
-- the environment), in turn.
local leader, official, unitleader =
    os.getenv("COOKIE_LEADER"), os.getenv("COOKIE_OFFICIAL"), os.getenv("COOKIE_UNITLEADER")
local requests_ = {
    { "/risks/", leader },
    { "/dashboard/", leader },
    { "/risks/", official },
    { "/dashboard/", unitleader },
}
local counter = 0

request = function()
    counter = counter + 1
    local entry = requests_[(counter % #requests_) + 1]
    local path, cookie = entry[1], entry[2]
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
