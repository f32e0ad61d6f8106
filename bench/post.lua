-- A POST with the session cookie from $COOKIE and an empty form body, as a
-- browser's server-function call sends it.
wrk.method = "POST"
wrk.body = ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("COOKIE")

-- run.sh runs wrk from the repository root.
dofile("bench/result.lua")
