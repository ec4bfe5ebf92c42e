-- Version 1 of schema.sql, as released: OpeningTest makes a schema with it and upgrades it.
-- The schema of PostgresSemaphore (module permits-postgres), version 1.
--
-- The library runs this file itself, once per JVM, data source and schema, when the schema has
-- no schema_version row yet (under an advisory lock, so that clients starting together do not
-- race), in the schema the builder names: every "permits." and "SCHEMA permits" below is then
-- replaced by that name. A DBA may run it instead, as the schema's owner:
--
--   psql -v ON_ERROR_STOP=1 -f schema.sql
--
-- and give the application's role what it uses (it creates nothing then):
--
--   GRANT USAGE ON SCHEMA permits TO app;
--   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA permits TO app;
--   GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA permits TO app;
--
-- Rules every function keeps (docs/postgres.md explains them):
-- * It locks its semaphore's row first (SELECT ... FOR UPDATE, in lock_semaphore): one statement
--   at a time changes a semaphore, and no statement waits for a lock while holding another
--   semaphore's.
-- * Time is the server's: clock_timestamp(), read once the row lock is held.
-- * semaphores.used is the sum of the semaphore's leases' permits: changed only where a lease is
--   inserted (grant) or deleted (drop_lease, purge), in the same transaction. A lease recorded
--   twice fails on the primary key, a used below 0 on the check: loudly, never a drift.
-- * Any statement may run twice (a driver or a client may send it again when it cannot know
--   whether it ran): request ids are fresh and never reused, a repeated acquire returns the
--   lease its id holds, a release names id and token, a cancel leaves a tombstone.
-- * Work is bounded by what a statement grants, ends or drops: leases are found by (semaphore,
--   expires_at), the queue's heads by (semaphore, arrival); no statement on a request's path reads
--   the whole queue. Each function turns sequential scans off for its own transaction, so that
--   a plan made while the tables were small stays an index scan when they grow.
-- * A grant commits with synchronous_commit at least "on" (raised from "off" or "local" for the
--   function's transaction): an acknowledged grant, and its token, survive a server crash.

CREATE SCHEMA IF NOT EXISTS permits;

-- One row: the version of this file that made the schema. A library that finds another refuses
-- to run (it would misread the tables).
CREATE TABLE IF NOT EXISTS permits.schema_version (
  version integer PRIMARY KEY
);
INSERT INTO permits.schema_version (version) VALUES (1) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS permits.semaphores (
  name text PRIMARY KEY,
  permit_limit integer NOT NULL CHECK (permit_limit >= 1),
  used integer NOT NULL DEFAULT 0 CHECK (used >= 0),  -- the sum of the leases' permits
  fence bigint NOT NULL,          -- the last fencing token; seeded from the clock, never reset
  arrivals bigint NOT NULL,       -- the last arrival number given to a waiter
  limit_version bigint NOT NULL   -- counts changes of the limit (seeded from the clock)
);

-- Granted permits. A lease lives until expires_at (server time) unless renewed.
CREATE TABLE IF NOT EXISTS permits.leases (
  semaphore text NOT NULL,
  id text NOT NULL,               -- the request's id: CLIENT-UUID:N, never reused
  permits integer NOT NULL CHECK (permits >= 1),
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  granted_at timestamptz NOT NULL,
  holder text NOT NULL,           -- "pid host command" of the client's process
  PRIMARY KEY (semaphore, id)
);
CREATE INDEX IF NOT EXISTS leases_expiry ON permits.leases (semaphore, expires_at);

-- Queued requests (tickets), granted in arrival order. A ticket lapses at its deadline unless its
-- client asks again (every 300 ms), so a dead client's tickets go within a second.
CREATE TABLE IF NOT EXISTS permits.waiters (
  semaphore text NOT NULL,
  id text NOT NULL,
  arrival bigint NOT NULL,
  permits integer NOT NULL CHECK (permits >= 1),
  deadline timestamptz NOT NULL,
  lease_ms bigint NOT NULL,       -- the lease it asked for
  channel text NOT NULL,          -- where its client listens: pg_notify(channel, 'id token')
  since timestamptz NOT NULL,
  holder text NOT NULL,
  PRIMARY KEY (semaphore, id),
  UNIQUE (semaphore, arrival)
);

-- Ids of requests that gave up (cancel): a late copy of their acquire is refused.
CREATE TABLE IF NOT EXISTS permits.tombstones (
  semaphore text NOT NULL,
  id text NOT NULL,
  until timestamptz NOT NULL,
  PRIMARY KEY (semaphore, id)
);
CREATE INDEX IF NOT EXISTS tombstones_until ON permits.tombstones (semaphore, until);

-- Milliseconds in an interval, rounded down.
CREATE OR REPLACE FUNCTION permits.ms(span interval) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT floor(extract(epoch FROM span) * 1000)::bigint
$$;

-- For the calling transaction only: grants commit durably, and plans use the indexes.
CREATE OR REPLACE FUNCTION permits.settings() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  PERFORM set_config('enable_seqscan', 'off', true);
END
$$;

-- Locks the semaphore's row, first thing in every operation. A missing row (a first open, or a
-- row deleted by hand) is made from p_limit, with the fence and the limit's version seeded from
-- the clock so that they keep increasing; with p_limit NULL nothing is made (returns NULL).
CREATE OR REPLACE FUNCTION permits.lock_semaphore(p_name text, p_limit integer)
RETURNS permits.semaphores
LANGUAGE plpgsql AS $$
DECLARE
  s permits.semaphores;
  seed bigint;
BEGIN
  SELECT * INTO s FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  IF FOUND OR p_limit IS NULL THEN
    RETURN s;
  END IF;
  seed := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint;
  INSERT INTO permits.semaphores (name, permit_limit, used, fence, arrivals, limit_version)
    VALUES (p_name, p_limit, 0, seed * 1000, 0, seed)
    ON CONFLICT (name) DO NOTHING;  -- another client made it first: lock theirs
  SELECT * INTO s FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  RETURN s;
END
$$;

-- Starts a lease: token drawn, used counted and the lease written together. Returns the token.
CREATE OR REPLACE FUNCTION permits.grant_lease(
  p_name text, p_id text, p_permits integer, p_expires timestamptz, t timestamptz,
  p_holder text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  tok bigint;
BEGIN
  UPDATE permits.semaphores SET fence = fence + 1, used = used + p_permits
    WHERE name = p_name RETURNING fence INTO tok;
  INSERT INTO permits.leases (semaphore, id, permits, token, expires_at, granted_at, holder)
    VALUES (p_name, p_id, p_permits, tok, p_expires, t, p_holder);
  RETURN tok;
END
$$;

-- Ends a lease (with p_token NULL: whatever the id holds). Returns the permits freed (0: none).
CREATE OR REPLACE FUNCTION permits.drop_lease(p_name text, p_id text, p_token bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  freed integer;
BEGIN
  DELETE FROM permits.leases
    WHERE semaphore = p_name AND id = p_id AND (p_token IS NULL OR token = p_token)
    RETURNING permits INTO freed;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  UPDATE permits.semaphores SET used = used - freed WHERE name = p_name;
  RETURN freed;
END
$$;

-- Ends the leases that expired by t; work bounded by what it ends. Returns how many it ended.
CREATE OR REPLACE FUNCTION permits.purge(p_name text, t timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  ended integer;
  freed integer;
BEGIN
  WITH gone AS (
    DELETE FROM permits.leases WHERE semaphore = p_name AND expires_at <= t RETURNING permits)
  SELECT count(*), coalesce(sum(permits), 0) INTO ended, freed FROM gone;
  IF ended > 0 THEN
    UPDATE permits.semaphores SET used = used - freed WHERE name = p_name;
  END IF;
  RETURN ended;
END
$$;

-- Hands the free permits to the queue's heads, in arrival order, while they fit: the first that
-- does not fit stops it (FIFO: a large request is never overtaken). Each granted ticket becomes
-- a lease, and its client hears 'id token' on its channel at commit (or finds the grant when it
-- next asks). Until that client renews it, the lease ends when the ticket would have (at most a
-- second after its client last asked) or one lease from t, whichever is sooner: a waiter that
-- died holds what it is handed for a second at most. Heads past their deadline are dropped on
-- the way. The heads are read 16 at a time, each read a range of the (semaphore, arrival) index
-- that starts after the last head read (a LIMIT the planner serves from that index, never a
-- sort of the queue), and the next read only if all 16 were granted or dropped: the work is
-- bounded by what it grants and drops. Returns whether anyone is still queued, and how many it
-- granted.
CREATE OR REPLACE FUNCTION permits.grant_heads(
  p_name text, t timestamptz, OUT queued boolean, OUT granted integer)
LANGUAGE plpgsql AS $$
DECLARE
  free integer;
  w record;
  tok bigint;
  last_arrival bigint := 0;
  read integer;
BEGIN
  queued := false;
  granted := 0;
  SELECT permit_limit - used INTO free FROM permits.semaphores WHERE name = p_name;
  LOOP
    read := 0;
    FOR w IN
      SELECT id, arrival, permits, deadline, lease_ms, channel, holder FROM permits.waiters
        WHERE semaphore = p_name AND arrival > last_arrival ORDER BY arrival LIMIT 16
    LOOP
      read := read + 1;
      last_arrival := w.arrival;
      IF w.deadline < t THEN  -- its client stopped asking: it died, or is cut off
        DELETE FROM permits.waiters WHERE semaphore = p_name AND id = w.id;
      ELSIF w.permits > free THEN
        queued := true;
        RETURN;
      ELSE
        DELETE FROM permits.waiters WHERE semaphore = p_name AND id = w.id;
        tok := permits.grant_lease(p_name, w.id, w.permits,
          least(t + w.lease_ms * interval '1 millisecond', w.deadline), t, w.holder);
        free := free - w.permits;
        granted := granted + 1;
        PERFORM pg_notify(w.channel, w.id || ' ' || tok);
      END IF;
    END LOOP;
    EXIT WHEN read < 16;
  END LOOP;
END
$$;

-- A request: returns the lease its id already holds (the same token and the time it has left),
-- refuses an id given up, grants if nobody is queued and it fits, else queues its ticket (with
-- p_ticket_ms > 0) or refreshes its deadline where it stands. Ends expired leases and hands free
-- permits to the heads first. Safe to run twice: a second run finds the lease, the tombstone or
-- its own ticket.
-- outcome: 1 granted (token, millis left) | 0 not granted (millis until the first lease held
-- expires, -1 if none) | -1 more than the limit (its ticket, if any, dropped) | -2 given up, or
-- its grant lapsed before its client heard of it. lim and version: the limit and its version.
CREATE OR REPLACE FUNCTION permits.acquire(
  p_name text, p_id text, p_permits integer, p_lease_ms bigint, p_ticket_ms bigint,
  p_channel text, p_holder text, p_limit integer,
  OUT outcome integer, OUT token bigint, OUT millis bigint, OUT lim integer, OUT version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s permits.semaphores;
  t timestamptz;
  l permits.leases;
  heads record;
  free integer;
  seq bigint;
BEGIN
  PERFORM permits.settings();
  s := permits.lock_semaphore(p_name, p_limit);
  t := clock_timestamp();
  lim := s.permit_limit;
  version := s.limit_version;
  SELECT * INTO l FROM permits.leases WHERE semaphore = p_name AND id = p_id;
  IF FOUND THEN
    IF l.expires_at > t THEN  -- granted before: a second run, or a hand-over
      outcome := 1; token := l.token; millis := permits.ms(l.expires_at - t);
      RETURN;
    END IF;
    PERFORM permits.drop_lease(p_name, p_id, NULL);  -- lapsed before its client heard of it
    PERFORM permits.grant_heads(p_name, t);
    outcome := -2;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM permits.tombstones WHERE semaphore = p_name AND id = p_id) THEN
    outcome := -2;
    RETURN;
  END IF;
  IF p_permits > s.permit_limit THEN
    DELETE FROM permits.waiters WHERE semaphore = p_name AND id = p_id;
    PERFORM permits.grant_heads(p_name, t);
    outcome := -1;
    RETURN;
  END IF;
  PERFORM permits.purge(p_name, t);
  SELECT * INTO heads FROM permits.grant_heads(p_name, t);
  IF heads.granted > 0 THEN  -- its own ticket may have been a head that now fits
    SELECT * INTO l FROM permits.leases WHERE semaphore = p_name AND id = p_id;
    IF FOUND THEN
      outcome := 1; token := l.token; millis := permits.ms(l.expires_at - t);
      RETURN;
    END IF;
  END IF;
  SELECT permit_limit - used INTO free FROM permits.semaphores WHERE name = p_name;
  IF NOT heads.queued AND p_permits <= free THEN
    token := permits.grant_lease(p_name, p_id, p_permits,
      t + p_lease_ms * interval '1 millisecond', t, p_holder);
    outcome := 1; millis := p_lease_ms;
    RETURN;
  END IF;
  IF p_ticket_ms > 0 THEN  -- queue the ticket, or refresh its deadline where it stands
    UPDATE permits.waiters SET deadline = t + p_ticket_ms * interval '1 millisecond'
      WHERE semaphore = p_name AND id = p_id;
    IF NOT FOUND THEN
      UPDATE permits.semaphores SET arrivals = arrivals + 1 WHERE name = p_name
        RETURNING arrivals INTO seq;
      INSERT INTO permits.waiters
          (semaphore, id, arrival, permits, deadline, lease_ms, channel, since, holder)
        VALUES (p_name, p_id, seq, p_permits, t + p_ticket_ms * interval '1 millisecond',
          p_lease_ms, p_channel, t, p_holder);
    END IF;
  END IF;
  outcome := 0;
  SELECT coalesce(permits.ms(min(expires_at) - t), -1) INTO millis
    FROM permits.leases WHERE semaphore = p_name;
END
$$;

-- A closed lease: ends it if the id still holds the grant with this token, and hands the freed
-- permits on. Safe to run twice: the second finds no such grant. Returns 1 if it ended a lease.
CREATE OR REPLACE FUNCTION permits.release(p_name text, p_id text, p_token bigint)
RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM permits.settings();
  PERFORM permits.lock_semaphore(p_name, NULL);
  IF permits.drop_lease(p_name, p_id, p_token) = 0 THEN
    RETURN 0;
  END IF;
  PERFORM permits.grant_heads(p_name, clock_timestamp());
  RETURN 1;
END
$$;

-- A request that gave up, whatever its statements did: its ticket leaves the queue, a lease it
-- was granted meanwhile (a hand-over, or an acquire whose reply was lost) ends, and a tombstone
-- (10 minutes) keeps a late copy of its acquire from granting it again. Safe to run twice:
-- withdrawing and ending are no-ops the second time, the tombstone is renewed.
CREATE OR REPLACE FUNCTION permits.cancel(p_name text, p_id text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz;
BEGIN
  PERFORM permits.settings();
  PERFORM permits.lock_semaphore(p_name, NULL);
  t := clock_timestamp();
  DELETE FROM permits.tombstones WHERE semaphore = p_name AND until < t;
  INSERT INTO permits.tombstones (semaphore, id, until)
    VALUES (p_name, p_id, t + interval '10 minutes')
    ON CONFLICT (semaphore, id) DO UPDATE SET until = excluded.until;
  DELETE FROM permits.waiters WHERE semaphore = p_name AND id = p_id;
  PERFORM permits.drop_lease(p_name, p_id, NULL);
  PERFORM permits.grant_heads(p_name, t);
END
$$;

-- Extends a lease if the id still holds the grant with this token and it has not expired;
-- returns p_lease_ms. Else returns 0 (its permits may be someone else's now), ending it if it
-- is still recorded. The extension takes only the lease's row lock: an operation that purges
-- expired leases either sees it extended or deletes it first, and then this finds nothing.
-- Safe to run twice: extending again sets the same kind of expiry.
CREATE OR REPLACE FUNCTION permits.renew(
  p_name text, p_id text, p_token bigint, p_lease_ms bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM permits.settings();
  UPDATE permits.leases
    SET expires_at = clock_timestamp() + p_lease_ms * interval '1 millisecond'
    WHERE semaphore = p_name AND id = p_id AND token = p_token
      AND expires_at > clock_timestamp();
  IF FOUND THEN
    RETURN p_lease_ms;
  END IF;
  PERFORM permits.lock_semaphore(p_name, NULL);
  IF permits.drop_lease(p_name, p_id, p_token) > 0 THEN
    PERFORM permits.grant_heads(p_name, clock_timestamp());
  END IF;
  RETURN 0;
END
$$;

-- The limit: p_mode 'open' records it if the semaphore is new, else compares; 'change' sets it
-- (and hands permits to the heads if it grew); 'read' returns it (making the semaphore from
-- p_limit if it is missing). Returns the limit recorded, whether it matches (or was set), and
-- its version. Safe to run twice: the same limit set twice is the same state.
CREATE OR REPLACE FUNCTION permits.set_limit(
  p_name text, p_limit integer, p_mode text,
  OUT recorded integer, OUT matches boolean, OUT version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s permits.semaphores;
  t timestamptz;
BEGIN
  PERFORM permits.settings();
  SELECT * INTO s FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  IF NOT FOUND THEN
    s := permits.lock_semaphore(p_name, p_limit);
    recorded := s.permit_limit; matches := s.permit_limit = p_limit; version := s.limit_version;
    RETURN;
  END IF;
  IF p_mode = 'change' THEN
    UPDATE permits.semaphores SET permit_limit = p_limit, limit_version = limit_version + 1
      WHERE name = p_name RETURNING limit_version INTO version;
    t := clock_timestamp();
    PERFORM permits.purge(p_name, t);
    PERFORM permits.grant_heads(p_name, t);
    recorded := p_limit; matches := true;
    RETURN;
  END IF;
  recorded := s.permit_limit;
  matches := p_mode = 'read' OR s.permit_limit = p_limit;
  version := s.limit_version;
END
$$;

-- Counts, after ending what expired and handing it on: the limit, the permits in use, the
-- requests queued (not lapsed), the limit's version. For available(), waiting() and stats(); not
-- on a request's path (it counts the queue). lim is -1 if there is no such semaphore.
CREATE OR REPLACE FUNCTION permits.counts(
  p_name text, OUT lim integer, OUT in_use integer, OUT queued integer, OUT version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  s permits.semaphores;
  t timestamptz;
BEGIN
  PERFORM permits.settings();
  s := permits.lock_semaphore(p_name, NULL);
  IF s.name IS NULL THEN
    lim := -1; in_use := 0; queued := 0; version := 0;
    RETURN;
  END IF;
  t := clock_timestamp();
  IF permits.purge(p_name, t) > 0 THEN
    PERFORM permits.grant_heads(p_name, t);
  END IF;
  SELECT permit_limit, used, limit_version INTO lim, in_use, version
    FROM permits.semaphores WHERE name = p_name;
  SELECT count(*) INTO queued FROM permits.waiters WHERE semaphore = p_name AND deadline >= t;
END
$$;

-- Who holds and who waits, after ending what expired: kind 'h' rows (lease id, permits, ms
-- left, granted_at, holder), oldest grant first, then kind 'w' rows (ticket id, permits
-- requested, ms until its deadline, since, holder) in arrival order. For holders() and
-- permits status; it reads the whole queue.
CREATE OR REPLACE FUNCTION permits.state(p_name text)
RETURNS TABLE (kind text, ref text, amount integer, millis bigint, since timestamptz,
  who text)
LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz;
BEGIN
  PERFORM permits.settings();
  PERFORM permits.lock_semaphore(p_name, NULL);
  t := clock_timestamp();
  IF permits.purge(p_name, t) > 0 THEN
    PERFORM permits.grant_heads(p_name, t);
  END IF;
  RETURN QUERY
    SELECT 'h'::text, l.id, l.permits, permits.ms(l.expires_at - t), l.granted_at, l.holder
      FROM permits.leases l WHERE l.semaphore = p_name ORDER BY l.granted_at, l.token;
  RETURN QUERY
    SELECT 'w'::text, w.id, w.permits, permits.ms(w.deadline - t), w.since, w.holder
      FROM permits.waiters w WHERE w.semaphore = p_name AND w.deadline >= t ORDER BY w.arrival;
END
$$;
