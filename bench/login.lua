-- Logins at full speed with the benchmark account's real password: every one
-- runs a full argon2id verification.
wrk.method = "POST"
wrk.body = "email=bench%40example.com&password=correct+horse+battery"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

-- run.sh runs wrk from the repository root.
dofile("bench/result.lua")
