-- The schema of PostgresSemaphore (module permits-postgres), version 2.
--
-- The library runs this file itself, once per JVM, data source and schema, when the schema has
-- no schema_version row yet or one of an older version (under an advisory lock, so that clients
-- starting together do not race), in the schema the builder names: every "permits." and
-- "SCHEMA permits" below is then replaced by that name. A DBA may run it instead, as the
-- schema's owner (it makes a new schema, or upgrades one of version 1 in place, and refuses one
-- of a newer version):
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
-- * It locks its semaphore's row first (an UPDATE of it, or SELECT ... FOR UPDATE): one statement
--   at a time changes a semaphore, and no statement waits for a lock while holding another
--   semaphore's. What it reads of the other tables it reads in later statements, whose snapshots
--   are taken with the lock held (READ COMMITTED takes one per statement): never a state older
--   than the lock.
-- * Time is the server's: clock_timestamp(), read once the row lock is held.
-- * semaphores.used is the sum of the semaphore's leases' permits: changed only where a lease is
--   inserted (grant) or deleted (drop_lease, purge, release), in the same transaction. A lease
--   recorded twice fails on the primary key, a used below 0 on the domain's check: loudly, never
--   a drift. The row also says, for the statements that hold its lock, whether anyone is queued
--   and where the queue's head is (served) and whether any lease can have expired
--   (purge_after): the common grant and release read no other table to know that.
-- * Any statement may run twice (a driver or a client may send it again when it cannot know
--   whether it ran): request ids are fresh and never reused, a repeated acquire returns the
--   lease its id holds, a release names id and token, a cancel leaves a tombstone.
-- * Work is bounded by what a statement grants, ends or drops: leases are found by (semaphore,
--   id) or (semaphore, expires_at), the queue's heads by (semaphore, arrival); no statement on a
--   request's path reads the whole queue. Each index serves its own queries only: the secondary
--   indexes key the semaphore under COLLATE "C" and only the queries written with
--   COLLATE "C" match them, so that a lookup by id can never walk a semaphore's whole expiry or
--   arrival range (plans on tables with few live rows see the two indexes as equally cheap).
--   Each function runs with sequential scans off (SET enable_seqscan = off, undone when it
--   returns), so that a plan made while the tables were small stays an index scan when they
--   grow.
-- * A grant commits with synchronous_commit at least "on" (raised from "off" or "local" for the
--   function's transaction): an acknowledged grant, and its token, survive a server crash.

CREATE SCHEMA IF NOT EXISTS permits;

-- One row: the version of this file that made the schema. A library that finds a newer one
-- refuses to run (it would misread the tables); one that finds an older one runs this file,
-- which upgrades it. This file refuses to run on a schema of a newer version.
CREATE TABLE IF NOT EXISTS permits.schema_version (
  version integer PRIMARY KEY
);
DO $$
DECLARE
  recorded integer;
BEGIN
  SELECT max(version) INTO recorded FROM permits.schema_version;
  IF recorded > 2 THEN
    RAISE EXCEPTION 'this schema was made by version % of schema.sql, newer than this file'
      ' (version 2): run the newer file, or use another schema', recorded
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
END
$$;

-- Counts of permits, checked wherever a statement writes them. Domains, not CHECK constraints on
-- the tables (as in version 1): PostgreSQL 15 reads a table's CHECK constraints anew for every
-- statement that writes the table, a tenth of a grant's time, while a domain's check is compiled
-- once per session.
DO $$
BEGIN
  IF to_regtype('permits.positive') IS NULL THEN
    CREATE DOMAIN permits.positive AS integer CHECK (VALUE >= 1);
  END IF;
  IF to_regtype('permits.nonnegative') IS NULL THEN
    CREATE DOMAIN permits.nonnegative AS integer CHECK (VALUE >= 0);
  END IF;
END
$$;

CREATE TABLE IF NOT EXISTS permits.semaphores (
  name text PRIMARY KEY,
  permit_limit permits.positive NOT NULL,
  used permits.nonnegative NOT NULL DEFAULT 0,  -- the sum of the leases' permits
  fence bigint NOT NULL,          -- the last fencing token; seeded from the clock, never reset
  arrivals bigint NOT NULL,       -- the last arrival number given to a waiter
  limit_version bigint NOT NULL,  -- counts changes of the limit (seeded from the clock)
  -- Every ticket that arrived at or before served has left the queue (-1: nothing known). A
  -- ticket queued takes arrivals + 1 in the transaction that raises arrivals, and only
  -- grant_heads, reading the queue from its head, raises served: so nobody is queued while
  -- served = arrivals, which the row alone tells a grant or a release, as of its lock; and the
  -- queue's head is the first ticket after served (a read of the queue starts there, not at the
  -- index entries of the tickets that left, which stay until VACUUM).
  served bigint NOT NULL DEFAULT -1,
  -- No lease of the semaphore expires before purge_after (-infinity: nothing known; infinity:
  -- no lease): every grant lowers it to its lease's expiry if that is sooner, a renewal only
  -- pushes an expiry later, and purge sets it to the first expiry left. Until then, there is
  -- nothing to purge.
  purge_after timestamptz NOT NULL DEFAULT '-infinity'
);
ALTER TABLE permits.semaphores
  ADD COLUMN IF NOT EXISTS served bigint NOT NULL DEFAULT -1,
  ADD COLUMN IF NOT EXISTS purge_after timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE permits.semaphores
  DROP CONSTRAINT IF EXISTS semaphores_permit_limit_check,
  DROP CONSTRAINT IF EXISTS semaphores_used_check,
  ALTER COLUMN permit_limit TYPE permits.positive,
  ALTER COLUMN used TYPE permits.nonnegative;

-- Granted permits. A lease lives until expires_at (server time) unless renewed.
CREATE TABLE IF NOT EXISTS permits.leases (
  semaphore text NOT NULL,
  id text NOT NULL,               -- the request's id: CLIENT-UUID:N, never reused
  permits permits.positive NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  granted_at timestamptz NOT NULL,
  holder text NOT NULL,           -- "pid host command" of the client's process
  PRIMARY KEY (semaphore, id)
);
ALTER TABLE permits.leases
  DROP CONSTRAINT IF EXISTS leases_permits_check,
  ALTER COLUMN permits TYPE permits.positive;
-- Expired leases, for purge only (its queries say semaphore = ... COLLATE "C"). Version 1's
-- leases_expiry keyed the semaphore under the column's own collation, so that a lookup by
-- (semaphore, id) could pick it and read all of the semaphore's leases, live and dead.
DROP INDEX IF EXISTS permits.leases_expiry;
CREATE INDEX IF NOT EXISTS leases_by_expiry ON permits.leases (semaphore COLLATE "C", expires_at);

-- Queued requests (tickets), granted in arrival order. A ticket lapses at its deadline unless its
-- client asks again (every 300 ms), so a dead client's tickets go within a second.
CREATE TABLE IF NOT EXISTS permits.waiters (
  semaphore text NOT NULL,
  id text NOT NULL,
  arrival bigint NOT NULL,
  permits permits.positive NOT NULL,
  deadline timestamptz NOT NULL,
  lease_ms bigint NOT NULL,       -- the lease it asked for
  channel text NOT NULL,          -- where its client listens: pg_notify(channel, 'id token')
  since timestamptz NOT NULL,
  holder text NOT NULL,
  PRIMARY KEY (semaphore, id)
);
ALTER TABLE permits.waiters
  DROP CONSTRAINT IF EXISTS waiters_permits_check,
  ALTER COLUMN permits TYPE permits.positive;
-- The queue in arrival order, for the queue's queries only (COLLATE "C", as above); version 1
-- had it as the constraint UNIQUE (semaphore, arrival).
ALTER TABLE permits.waiters DROP CONSTRAINT IF EXISTS waiters_semaphore_arrival_key;
CREATE UNIQUE INDEX IF NOT EXISTS waiters_by_arrival
  ON permits.waiters (semaphore COLLATE "C", arrival);

-- Ids of requests that gave up (cancel): a late copy of their acquire is refused.
CREATE TABLE IF NOT EXISTS permits.tombstones (
  semaphore text NOT NULL,
  id text NOT NULL,
  until timestamptz NOT NULL,
  PRIMARY KEY (semaphore, id)
);
DROP INDEX IF EXISTS permits.tombstones_until;
CREATE INDEX IF NOT EXISTS tombstones_by_until
  ON permits.tombstones (semaphore COLLATE "C", until);

-- Milliseconds in an interval, rounded down.
CREATE OR REPLACE FUNCTION permits.ms(span interval) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT floor(extract(epoch FROM span) * 1000)::bigint
$$;

-- For the calling transaction only: grants commit durably, and plans use the indexes. Version 1
-- called it first in every function; version 2's functions raise synchronous_commit themselves
-- and carry SET enable_seqscan = off. Kept for a call of version 1 in flight during an upgrade.
CREATE OR REPLACE FUNCTION permits.settings() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  PERFORM set_config('enable_seqscan', 'off', true);
END
$$;

-- The helpers below (lock_semaphore to grant_heads) are called only by the functions after them,
-- which run with sequential scans off: so are the helpers' plans made. Those that read a range
-- in order (purge, grant_heads) also turn bitmap scans and sorts off: a plan that sorted the
-- range would read all of it.

-- Locks the semaphore's row. A missing row (a first open, or a row deleted by hand) is made from
-- p_limit, with the fence and the limit's version seeded from the clock so that they keep
-- increasing; with p_limit NULL nothing is made (returns NULL).
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

-- Starts a lease: token drawn, used counted, purge_after lowered and the lease written together.
-- Returns the token. (The functions below grant inline; version 1's call this, which a call of
-- version 1 in flight during an upgrade does.)
CREATE OR REPLACE FUNCTION permits.grant_lease(
  p_name text, p_id text, p_permits integer, p_expires timestamptz, t timestamptz,
  p_holder text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  tok bigint;
BEGIN
  UPDATE permits.semaphores
    SET fence = fence + 1, used = used + p_permits, purge_after = least(purge_after, p_expires)
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

-- Ends the leases that expired by t, unless none can have (t before purge_after), and sets
-- purge_after to the first expiry left (read from the expiry index, which plans never sort);
-- work bounded by what it ends. Returns how many it ended.
CREATE OR REPLACE FUNCTION permits.purge(p_name text, t timestamptz)
RETURNS integer
LANGUAGE plpgsql SET enable_bitmapscan = off SET enable_sort = off AS $$
DECLARE
  bound timestamptz;
  ended integer;
  freed integer;
BEGIN
  SELECT purge_after INTO bound FROM permits.semaphores WHERE name = p_name;
  IF bound > t THEN
    RETURN 0;
  END IF;
  WITH gone AS (
    DELETE FROM permits.leases WHERE semaphore = p_name COLLATE "C" AND expires_at <= t
      RETURNING permits)
  SELECT count(*), coalesce(sum(permits), 0) INTO ended, freed FROM gone;
  UPDATE permits.semaphores SET used = used - freed,
      purge_after = coalesce(
        (SELECT expires_at FROM permits.leases
          WHERE semaphore = p_name COLLATE "C" AND expires_at > t ORDER BY expires_at LIMIT 1),
        'infinity')
    WHERE name = p_name;
  RETURN ended;
END
$$;

-- Hands the free permits to the queue's heads, in arrival order, while they fit: the first that
-- does not fit stops it (FIFO: a large request is never overtaken). Each granted ticket becomes
-- a lease, and its client hears 'id token' on its channel at commit (or finds the grant when it
-- next asks). Until that client renews it, the lease ends when the ticket would have (at most a
-- second after its client last asked) or one lease from t, whichever is sooner: a waiter that
-- died holds what it is handed for a second at most. Heads past their deadline are dropped on
-- the way. The heads are read 16 at a time from the first ticket after served, each read a range
-- of the (semaphore, arrival) index that starts after the last head read (a LIMIT the planner
-- serves from that index, never a sort of the queue), and the next read only if all 16 were
-- granted or dropped: the work is bounded by what it grants and drops (and its plans never sort
-- the queue: sorts and bitmap scans are off for it). Each grant raises served to its ticket;
-- then served is raised to the last ticket that left before the head that stopped it, or to
-- arrivals if none is left. Returns whether anyone is still queued, and how many it granted.
CREATE OR REPLACE FUNCTION permits.grant_heads(
  p_name text, t timestamptz, OUT queued boolean, OUT granted integer)
LANGUAGE plpgsql SET enable_bitmapscan = off SET enable_sort = off AS $$
DECLARE
  free integer;
  now_served bigint;
  last_arrival bigint;
  last_queued bigint;
  w record;
  tok bigint;
  expiry timestamptz;
  read integer;
BEGIN
  queued := false;
  granted := 0;
  SELECT permit_limit - used, served, arrivals INTO free, now_served, last_queued
    FROM permits.semaphores WHERE name = p_name;
  last_arrival := now_served;
  LOOP
    read := 0;
    FOR w IN
      SELECT id, arrival, permits, deadline, lease_ms, channel, holder FROM permits.waiters
        WHERE semaphore = p_name COLLATE "C" AND arrival > last_arrival
        ORDER BY arrival LIMIT 16
    LOOP
      read := read + 1;
      IF w.deadline < t THEN  -- its client stopped asking: it died, or is cut off
        DELETE FROM permits.waiters WHERE semaphore = p_name AND id = w.id;
      ELSIF w.permits > free THEN
        queued := true;
        IF last_arrival > now_served THEN  -- lapsed tickets left after the last grant
          UPDATE permits.semaphores SET served = last_arrival WHERE name = p_name;
        END IF;
        RETURN;
      ELSE
        DELETE FROM permits.waiters WHERE semaphore = p_name AND id = w.id;
        expiry := least(t + w.lease_ms * interval '1 millisecond', w.deadline);
        UPDATE permits.semaphores SET fence = fence + 1, used = used + w.permits,
            purge_after = least(purge_after, expiry), served = w.arrival
          WHERE name = p_name RETURNING fence INTO tok;
        now_served := w.arrival;
        INSERT INTO permits.leases (semaphore, id, permits, token, expires_at, granted_at, holder)
          VALUES (p_name, w.id, w.permits, tok, expiry, t, w.holder);
        free := free - w.permits;
        granted := granted + 1;
        PERFORM pg_notify(w.channel, w.id || ' ' || tok);
      END IF;
      last_arrival := w.arrival;
    END LOOP;
    EXIT WHEN read < 16;
  END LOOP;
  IF last_queued > now_served THEN  -- every ticket read has left, and none is left after them
    UPDATE permits.semaphores SET served = last_queued WHERE name = p_name;
  END IF;
END
$$;

-- A request: returns the lease its id already holds (the same token and the time it has left),
-- refuses an id given up, grants if nobody is queued and it fits, else queues its ticket (with
-- p_ticket_ms > 0) or refreshes its deadline where it stands. Safe to run twice: a second run
-- finds the lease, the tombstone or its own ticket.
--
-- The common case, nobody queued and the permits free, takes two statements: an UPDATE that
-- locks the row and draws the token only if the row says nobody is queued (served = arrivals)
-- and the permits fit - conditions on the row alone, which PostgreSQL checks again on the newest
-- version if the UPDATE waited for the lock - then the INSERT of the lease, made only if, read
-- with the lock held, the id has no tombstone, and only if the id holds no lease (ON CONFLICT:
-- no other statement can insert one meanwhile, as they all hold the row lock to do so).
-- Otherwise the UPDATE is undone (the token it drew is skipped: tokens increase, they need not
-- be consecutive) and the request takes the full path: ends expired leases if any can have
-- expired, hands free permits to the heads if anyone is queued and anything is free, then
-- grants, queues or refreshes. Expired leases are left to the full path: used counts them until
-- they are purged, so the fast path grants only what fits with them still held, and a request
-- that needs their permits does not fit, takes the full path and ends them first.
--
-- outcome: 1 granted (token, millis left) | 0 not granted (millis until the first lease held
-- may expire, from purge_after: at most until it does; -1 if none is held) | -1 more than the
-- limit (its ticket, if any, dropped) | -2 given up, or its grant lapsed before its client heard
-- of it. lim and version: the limit and its version.
CREATE OR REPLACE FUNCTION permits.acquire(
  p_name text, p_id text, p_permits integer, p_lease_ms bigint, p_ticket_ms bigint,
  p_channel text, p_holder text, p_limit integer,
  OUT outcome integer, OUT token bigint, OUT millis bigint, OUT lim integer, OUT version bigint)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  s permits.semaphores;
  t timestamptz;
  l permits.leases;
  heads record;
  free integer;
  anyone_queued boolean;
  seq bigint;
  bound timestamptz;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  UPDATE permits.semaphores SET fence = fence + 1, used = used + p_permits,
      purge_after = least(purge_after, clock_timestamp() + p_lease_ms * interval '1 millisecond')
    WHERE name = p_name AND used + p_permits <= permit_limit AND served = arrivals
    RETURNING fence, permit_limit, limit_version INTO token, lim, version;
  IF FOUND THEN
    t := clock_timestamp();
    INSERT INTO permits.leases (semaphore, id, permits, token, expires_at, granted_at, holder)
      SELECT p_name, p_id, p_permits, token, t + p_lease_ms * interval '1 millisecond', t,
          p_holder
        WHERE NOT EXISTS (SELECT FROM permits.tombstones WHERE semaphore = p_name AND id = p_id)
      ON CONFLICT (semaphore, id) DO NOTHING;  -- the id holds a lease: a second run
    IF FOUND THEN
      outcome := 1; millis := p_lease_ms;
      RETURN;
    END IF;
    UPDATE permits.semaphores SET used = used - p_permits WHERE name = p_name
      RETURNING * INTO s;
    token := NULL;
  ELSE
    SELECT * INTO s FROM permits.semaphores WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
      s := permits.lock_semaphore(p_name, p_limit);
    END IF;
    t := clock_timestamp();
  END IF;
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
  IF EXISTS (SELECT FROM permits.tombstones WHERE semaphore = p_name AND id = p_id) THEN
    outcome := -2;
    RETURN;
  END IF;
  IF p_permits > s.permit_limit THEN
    DELETE FROM permits.waiters WHERE semaphore = p_name AND id = p_id;
    PERFORM permits.grant_heads(p_name, t);
    outcome := -1;
    RETURN;
  END IF;
  IF s.purge_after <= t THEN  -- a lease may have expired
    IF permits.purge(p_name, t) > 0 THEN
      SELECT * INTO s FROM permits.semaphores WHERE name = p_name;
    END IF;
  END IF;
  free := s.permit_limit - s.used;
  anyone_queued := s.served <> s.arrivals;
  IF anyone_queued AND free > 0 THEN  -- the heads first (with nothing free, none can fit)
    SELECT * INTO heads FROM permits.grant_heads(p_name, t);
    anyone_queued := heads.queued;
    IF heads.granted > 0 THEN  -- its own ticket may have been a head that now fits
      SELECT * INTO l FROM permits.leases WHERE semaphore = p_name AND id = p_id;
      IF FOUND THEN
        outcome := 1; token := l.token; millis := permits.ms(l.expires_at - t);
        RETURN;
      END IF;
      SELECT permit_limit - used INTO free FROM permits.semaphores WHERE name = p_name;
    END IF;
  END IF;
  IF NOT anyone_queued AND p_permits <= free THEN
    UPDATE permits.semaphores SET fence = fence + 1, used = used + p_permits,
        purge_after = least(purge_after, t + p_lease_ms * interval '1 millisecond')
      WHERE name = p_name RETURNING fence INTO token;
    INSERT INTO permits.leases (semaphore, id, permits, token, expires_at, granted_at, holder)
      VALUES (p_name, p_id, p_permits, token, t + p_lease_ms * interval '1 millisecond', t,
        p_holder);
    outcome := 1; millis := p_lease_ms;
    RETURN;
  END IF;
  IF p_ticket_ms > 0 THEN  -- queue the ticket, or refresh its deadline where it stands
    UPDATE permits.waiters SET deadline = t + p_ticket_ms * interval '1 millisecond'
      WHERE semaphore = p_name AND id = p_id;
    IF NOT FOUND THEN
      UPDATE permits.semaphores SET arrivals = arrivals + 1 WHERE name = p_name
        RETURNING arrivals, purge_after INTO seq, bound;
      INSERT INTO permits.waiters
          (semaphore, id, arrival, permits, deadline, lease_ms, channel, since, holder)
        VALUES (p_name, p_id, seq, p_permits, t + p_ticket_ms * interval '1 millisecond',
          p_lease_ms, p_channel, t, p_holder);
    END IF;
  END IF;
  IF bound IS NULL THEN
    SELECT purge_after INTO bound FROM permits.semaphores WHERE name = p_name;
  END IF;
  outcome := 0;
  millis := CASE WHEN bound = 'infinity' THEN -1 WHEN bound <= t THEN 0
    ELSE permits.ms(bound - t) END;
END
$$;

-- A closed lease: ends it if the id still holds the grant with this token, and hands the freed
-- permits on if anyone is queued. Safe to run twice: the second finds no such grant. Returns 1
-- if it ended a lease. The client's form, with the lease's permits: two statements when nobody
-- is queued. The UPDATE that locks the row also takes the permits off used, if that many are in
-- use (else the id cannot hold them: the form below decides), and returns whether anyone may be
-- queued (served); then the DELETE of the lease. A lease not found (a second run, or it
-- expired and was purged) puts the permits back; one whose count differs corrects used by its
-- own.
CREATE OR REPLACE FUNCTION permits.release(
  p_name text, p_id text, p_token bigint, p_permits integer)
RETURNS integer
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  freed integer;
  anyone_queued boolean;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  UPDATE permits.semaphores SET used = used - p_permits
    WHERE name = p_name AND used >= p_permits
    RETURNING served <> arrivals INTO anyone_queued;
  IF NOT FOUND THEN
    RETURN permits.release(p_name, p_id, p_token);
  END IF;
  DELETE FROM permits.leases WHERE semaphore = p_name AND id = p_id AND token = p_token
    RETURNING permits INTO freed;
  IF NOT FOUND THEN
    UPDATE permits.semaphores SET used = used + p_permits WHERE name = p_name;
    RETURN 0;
  END IF;
  IF freed <> p_permits THEN
    UPDATE permits.semaphores SET used = used + p_permits - freed WHERE name = p_name;
  END IF;
  IF anyone_queued THEN
    PERFORM permits.grant_heads(p_name, clock_timestamp());
  END IF;
  RETURN 1;
END
$$;

-- The same, knowing the lease by id and token alone (version 1's form, which its clients send):
-- the row lock (reading whether anyone may be queued), the lease's DELETE, the UPDATE of used.
CREATE OR REPLACE FUNCTION permits.release(p_name text, p_id text, p_token bigint)
RETURNS integer
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  freed integer;
  anyone_queued boolean;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  SELECT served <> arrivals INTO anyone_queued
    FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  DELETE FROM permits.leases WHERE semaphore = p_name AND id = p_id AND token = p_token
    RETURNING permits INTO freed;
  IF NOT FOUND THEN
    RETURN 0;
  END IF;
  UPDATE permits.semaphores SET used = used - freed WHERE name = p_name;
  IF anyone_queued THEN
    PERFORM permits.grant_heads(p_name, clock_timestamp());
  END IF;
  RETURN 1;
END
$$;

-- A request that gave up, whatever its statements did: its ticket leaves the queue, a lease it
-- was granted meanwhile (a hand-over, or an acquire whose reply was lost) ends, and a tombstone
-- (10 minutes) keeps a late copy of its acquire from granting it again. Safe to run twice:
-- withdrawing and ending are no-ops the second time, the tombstone is renewed.
CREATE OR REPLACE FUNCTION permits.cancel(p_name text, p_id text)
RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  t timestamptz;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  PERFORM FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  t := clock_timestamp();
  DELETE FROM permits.tombstones WHERE semaphore = p_name COLLATE "C" AND until < t;
  INSERT INTO permits.tombstones (semaphore, id, until)
    VALUES (p_name, p_id, t + interval '10 minutes')
    ON CONFLICT (semaphore, id) DO UPDATE SET until = excluded.until;
  DELETE FROM permits.waiters WHERE semaphore = p_name AND id = p_id;
  PERFORM permits.drop_lease(p_name, p_id, NULL);
  PERFORM permits.grant_heads(p_name, t);
END
$$;

-- Extends a lease if the id still holds the grant with this token and it has not expired (never
-- shortens it: purge_after stays a bound); returns p_lease_ms. Else returns 0 (its permits may
-- be someone else's now), ending it if it is still recorded. The extension takes only the
-- lease's row lock: an operation that purges expired leases either sees it extended or deletes
-- it first, and then this finds nothing. Safe to run twice: extending again sets the same kind
-- of expiry.
CREATE OR REPLACE FUNCTION permits.renew(
  p_name text, p_id text, p_token bigint, p_lease_ms bigint)
RETURNS bigint
LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  UPDATE permits.leases
    SET expires_at =
      greatest(expires_at, clock_timestamp() + p_lease_ms * interval '1 millisecond')
    WHERE semaphore = p_name AND id = p_id AND token = p_token
      AND expires_at > clock_timestamp();
  IF FOUND THEN
    RETURN p_lease_ms;
  END IF;
  PERFORM FROM permits.semaphores WHERE name = p_name FOR UPDATE;
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
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  s permits.semaphores;
  t timestamptz;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
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
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  t timestamptz;
  head bigint;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  PERFORM FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  IF NOT FOUND THEN
    lim := -1; in_use := 0; queued := 0; version := 0;
    RETURN;
  END IF;
  t := clock_timestamp();
  IF permits.purge(p_name, t) > 0 THEN
    PERFORM permits.grant_heads(p_name, t);
  END IF;
  SELECT permit_limit, used, limit_version, served INTO lim, in_use, version, head
    FROM permits.semaphores WHERE name = p_name;
  SELECT count(*) INTO queued FROM permits.waiters
    WHERE semaphore = p_name COLLATE "C" AND arrival > head AND deadline >= t;
END
$$;

-- Who holds and who waits, after ending what expired: kind 'h' rows (lease id, permits, ms
-- left, granted_at, holder), oldest grant first, then kind 'w' rows (ticket id, permits
-- requested, ms until its deadline, since, holder) in arrival order. For holders() and
-- permits status; it reads the whole queue.
CREATE OR REPLACE FUNCTION permits.state(p_name text)
RETURNS TABLE (kind text, ref text, amount integer, millis bigint, since timestamptz,
  who text)
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  t timestamptz;
BEGIN
  IF current_setting('synchronous_commit') IN ('off', 'local') THEN
    PERFORM set_config('synchronous_commit', 'on', true);
  END IF;
  PERFORM FROM permits.semaphores WHERE name = p_name FOR UPDATE;
  t := clock_timestamp();
  IF permits.purge(p_name, t) > 0 THEN
    PERFORM permits.grant_heads(p_name, t);
  END IF;
  RETURN QUERY
    SELECT 'h'::text, l.id, l.permits::integer, permits.ms(l.expires_at - t), l.granted_at,
        l.holder
      FROM permits.leases l WHERE l.semaphore = p_name ORDER BY l.granted_at, l.token;
  RETURN QUERY
    SELECT 'w'::text, w.id, w.permits::integer, permits.ms(w.deadline - t), w.since, w.holder
      FROM permits.waiters w
      WHERE w.semaphore = p_name COLLATE "C" AND w.deadline >= t
        AND w.arrival > (SELECT served FROM permits.semaphores WHERE name = p_name)
      ORDER BY w.arrival;
END
$$;

-- The version, last: a schema of version 1 upgraded in place says 2 once all of the above is in.
DELETE FROM permits.schema_version WHERE version < 2;
INSERT INTO permits.schema_version (version) VALUES (2) ON CONFLICT DO NOTHING;
