-- Logins at full speed with the storm accounts' real password: every one
-- runs a full argon2id verification. Each request logs in to the next of
-- the STORM_ACCOUNTS accounts (storm0@example.com, ...) from an address of
-- its own, through the trusted-proxy header: the login throttle counts
-- attempts per account and per address before it checks a password, so a
-- storm on one account from one address would be mostly refused, not
-- verified.
local accounts = tonumber(os.getenv("STORM_ACCOUNTS") or "16")
local sent = 0

request = function()
  sent = sent + 1
  local n = sent % accounts
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = "10.0." .. (sent % 200) .. "." .. (1 + n),
  }, "email=storm" .. n .. "%40example.com&password=correct+horse+battery")
end

-- run.sh runs wrk from the repository root.
dofile("bench/result.lua")
