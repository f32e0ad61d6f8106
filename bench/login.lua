-- Logins at full speed with the benchmark account's real password: every one
-- runs a full argon2id verification.
wrk.method = "POST"
wrk.body = "email=bench%40example.com&password=correct+horse+battery"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

done = function(summary, latency, requests)
  io.write("RESULT requests ", summary.requests, "\n")
  io.write("RESULT errors ", summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout, "\n")
  io.write("RESULT duration_us ", summary.duration, "\n")
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write("RESULT p", p, "_us ", latency:percentile(p), "\n")
  end
end
