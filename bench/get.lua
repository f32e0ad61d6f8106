-- A GET with the session cookie from $COOKIE (when set), accepting HTML and
-- brotli as a browser does.
wrk.method = "GET"
local cookie = os.getenv("COOKIE")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
wrk.headers["Accept"] = "text/html,*/*"
wrk.headers["Accept-Encoding"] = os.getenv("ACCEPT_ENCODING") or "br, gzip"

-- run.sh runs wrk from the repository root.
dofile("bench/result.lua")
