-- A GET with the session cookie from $COOKIE (when set), accepting HTML and
-- brotli as a browser does.
wrk.method = "GET"
local cookie = os.getenv("COOKIE")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
wrk.headers["Accept"] = "text/html,*/*"
wrk.headers["Accept-Encoding"] = os.getenv("ACCEPT_ENCODING") or "br, gzip"

done = function(summary, latency, requests)
  io.write("RESULT requests ", summary.requests, "\n")
  io.write("RESULT errors ", summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout, "\n")
  io.write("RESULT duration_us ", summary.duration, "\n")
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write("RESULT p", p, "_us ", latency:percentile(p), "\n")
  end
end
