// The reference: an authenticated read on the stack the seed tutorials use,
// express + express-session + connect-redis, sharing the benchmark's Redis.
// Benchmark only: `/bench/login` skips credentials (hashing is measured on
// its own), and sessions carry the user, as in the tutorials, so `/api/me`
// reads Redis and nothing else.
import express from "express";
import session from "express-session";
import { RedisStore } from "connect-redis";
import { createClient } from "redis";

const port = Number(process.env.PORT ?? 3100);
const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
redis.on("error", (err) => console.error("redis:", err.message));
await redis.connect();

const app = express();
app.disable("x-powered-by");
app.use(
  session({
    store: new RedisStore({ client: redis, prefix: "express-sess:" }),
    secret: process.env.SESSION_SECRET ?? "bench-only-secret",
    name: "sid",
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: false, maxAge: 24 * 3600 * 1000 },
  }),
);

app.post("/bench/login", (req, res) => {
  req.session.user = { id: 1, email: "bench@example.com" };
  res.json(req.session.user);
});

app.post("/api/me", (req, res) => {
  if (!req.session.user) return res.status(401).json("Unauthorized");
  res.json(req.session.user);
});

app.listen(port, "127.0.0.1", () => console.log(`express reference on 127.0.0.1:${port}`));
