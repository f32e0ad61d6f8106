-- Shared by the wrk scripts: prints the run's figures as `RESULT name value`
-- lines (latencies in microseconds) for report.py.
done = function(summary, latency, requests)
  io.write("RESULT requests ", summary.requests, "\n")
  io.write("RESULT errors ", summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout, "\n")
  io.write("RESULT duration_us ", summary.duration, "\n")
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write("RESULT p", p, "_us ", latency:percentile(p), "\n")
  end
end
