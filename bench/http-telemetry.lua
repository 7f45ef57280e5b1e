-- wrk script: POST ThingsBoard-style telemetry to Steward's HTTP device API.
-- The URL given to wrk selects the device: http://127.0.0.1:PORT/api/v1/tok-1/telemetry
-- Optional: WRK_TOKENS=N rotates over the devices tok-1 ... tok-N instead (one path per request).
wrk.method = "POST"
wrk.body = '{"temperature":21.5}'
wrk.headers["Content-Type"] = "application/json"

local tokens = tonumber(os.getenv("WRK_TOKENS") or "0") or 0
local counter = 0

if tokens > 0 then
  request = function()
    counter = counter % tokens + 1
    return wrk.format(nil, "/api/v1/tok-" .. counter .. "/telemetry")
  end
end

-- errors_status counts responses that were not 2xx/3xx.
done = function(summary, latency, requests)
  io.write(string.format("wrk-summary requests=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("wrk-latency-ms p50=%.3f p90=%.3f p99=%.3f max=%.3f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
