-- lockwatch capture: installed only in lockwatch's own scratch database.
-- At each DDL statement's start and end, at each table rewrite and when alembic writes its version table,
-- the migration's session publishes what it is doing in application_name (visible to other sessions at
-- once) and waits on an advisory lock the watcher holds, so the watcher reads the session's locks while
-- they are still held. Sessions with lockwatch.internal = on (lockwatch's own) never pause, nor do the
-- downgrade round trip's commands (application_name lockwatch-unjudged): only upgrades are judged.
-- The gate uses the two-key advisory lock form, which never collides with an application's bigint keys.
create schema if not exists lockwatch;

create or replace function lockwatch.lock_timeout_ms() returns bigint language sql stable as $fn$
  select (extract(epoch from current_setting('lock_timeout')::interval) * 1000)::bigint
$fn$;

-- Tables whose existing indexes this transaction rewrote (REINDEX fires no event trigger before PostgreSQL 17):
-- only the migration's own session sees its uncommitted catalog rows, so it tells the watcher at its gates. Each
-- index storage is told once: new storage takes its relfilenode from the OID counter, above every relfilenode the
-- session saw before, so after a first look (a full scan) only pg_class rows above the highest relfilenode seen
-- (lockwatch.rebuilt_mark, an index range scan) are new. A scan of the whole catalog at every gate grew with the schema.
-- The mark is a setting, so a rolled-back transaction takes its own advances back with it. Storage in a tablespace
-- other than the database's default is not followed.
create or replace function lockwatch.rebuilt_oids() returns oid[] language plpgsql volatile as $fn$
declare
  mark text := nullif(current_setting('lockwatch.rebuilt_mark', true), '');
  top oid;
  tables oid[];
begin
  if mark is null then
    select coalesce(array_agg(distinct i.indrelid), '{}') into tables
      from pg_index i join pg_class c on c.oid = i.indexrelid
     where age(c.xmin) = 0 and c.relfilenode <> 0;
    select c.relfilenode into top from pg_class c where c.reltablespace = 0 order by c.relfilenode desc limit 1;
  else
    -- the upper bound is always true: it makes the cached plan a range scan of pg_class_tblspc_relfilenode_index
    select coalesce(array_agg(distinct s.owner) filter (where s.owner is not null), '{}'), max(s.relfilenode)
      into tables, top
      from (select c.relfilenode, case when c.relkind = 'i' and age(c.xmin) = 0
                                       then (select i.indrelid from pg_index i where i.indexrelid = c.oid) end as owner
              from pg_class c
             where c.reltablespace = 0 and c.relfilenode > mark::oid and c.relfilenode <= 4294967295::oid) s;
  end if;
  if top is not null then
    perform set_config('lockwatch.rebuilt_mark', top::text, false);
  end if;
  return tables;
end
$fn$;

drop function if exists lockwatch.rebuilt_tables(); -- installed by an earlier lockwatch
drop function if exists lockwatch.gate_tables(); -- an earlier lockwatch's: the call would be ambiguous
drop function if exists lockwatch.rebuilt_states();

-- What a statement did, read in the migration's own session (it alone sees its uncommitted catalog) and sent
-- with its end gate: each touched table's state by oid (columns by attnum with their type's oid, constraints and
-- indexes by oid, index storage by relfilenode); lockwatch compares it with the state before the statement. plpgsql, as the other functions a gate calls: it keeps its plan, where a SQL function with a FROM is planned at every call.
create or replace function lockwatch.table_states(tables oid[]) returns json language plpgsql stable as $fn$
begin
  return (select coalesce(json_agg(json_build_object(
           'oid', c.oid::bigint, 'schema', n.nspname, 'name', c.relname, 'filenode', c.relfilenode::bigint,
           'columns', (select coalesce(json_agg(json_build_array(a.attnum, a.attname, a.attnotnull, a.atttypid::bigint,
                                                                 a.atttypmod, format_type(a.atttypid, a.atttypmod))), '[]')
                         from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),
           'constraints', (select coalesce(json_agg(json_build_array(co.oid::bigint, co.conname, co.contype, co.convalidated,
                                                    co.confrelid::bigint,
                                                    case when co.contype = 'c' then pg_get_constraintdef(co.oid) else '' end,
                                                    coalesce(array_to_string(co.conkey, ' '), ''))), '[]')
                             from pg_constraint co where co.conrelid = c.oid and co.contype in ('c', 'f', 'p', 'u', 'x')),
           'indexes', (select coalesce(json_agg(json_build_array(i.indexrelid::bigint, ic.relname, ic.relfilenode::bigint)), '[]')
                         from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = c.oid))), '[]')
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.oid = any(tables) and c.relkind in ('r', 'p', 'm'));
end
$fn$;

-- The state of those tables, which the start and version gates send: a REINDEX (no gate pauses it) gave them new index storage,
-- which no later statement must be charged with.
create or replace function lockwatch.rebuilt_states(rebuilt oid[]) returns json language plpgsql stable as $fn$
begin
  return case when cardinality(rebuilt) = 0 then null else json_build_object('tables', lockwatch.table_states(rebuilt)) end;
end
$fn$;

-- The session's pending scan counts as its transaction found them at its first gate. On PostgreSQL 15 and later
-- pg_stat_xact_* also count the session's earlier transactions whose statistics are not flushed yet (a kept
-- session's round trip, say), so counts are told relative to this base; before 15 they count this transaction alone.
-- Reading every table's count made each transaction's first gate cost as much as the schema is large (10 ms with
-- 10,000 relations). So each transaction's first gate also asks that what the session counted be flushed when it
-- next idles (pg_stat_force_next_flush), scans a probe (an empty catalog nothing else scans) whose count only that
-- flush takes away, and notes its local transaction id. When the next transaction's id follows that one (a flight of
-- lockwatch's driver commits and begins with nothing between) and the probe's count is gone, the flush took place
-- and nothing ran since: only the tables this transaction holds locks on can have counts (a scan keeps its table's
-- lock to the end of the transaction), and only theirs are read. (A scan in a savepoint rolled back before the first
-- gate, whose lock went with it, is the one this misses.) Otherwise every table's count is read, as before.
-- lockwatch.scan_base_read says which ('locked' or 'all').
create or replace function lockwatch.scan_base() returns jsonb language plpgsql as $fn$
declare
  xact text := transaction_timestamp()::text;
  asked text := coalesce(current_setting('lockwatch.flush_asked', true), '');
  vxid text;
  locked oid[];
  base jsonb;
begin
  if coalesce(current_setting('lockwatch.scan_base_xact', true), '') = xact then
    return coalesce(nullif(current_setting('lockwatch.scan_base', true), ''), '{}')::jsonb;
  end if;
  if current_setting('server_version_num')::int < 150000 then
    base := '{}';
  else
    -- one read of pg_locks (its cost is the server's whole lock table): the transaction's id and its tables
    select max(l.virtualxid) filter (where l.locktype = 'virtualxid'),
           coalesce(array_agg(distinct l.relation) filter (where l.locktype = 'relation' and l.relation >= 16384), '{}')
      into vxid, locked
      from pg_locks l where l.pid = pg_backend_pid();
    if asked <> '' and vxid = split_part(asked, '/', 1) || '/' || (split_part(asked, '/', 2)::bigint + 1)
       and pg_stat_get_xact_numscans('pg_catalog.pg_seclabel'::regclass) = 0 then
      select coalesce(jsonb_object_agg(t::text, pg_stat_get_xact_numscans(t)), '{}') into base
        from unnest(locked) t where pg_stat_get_xact_numscans(t) > 0;
      perform set_config('lockwatch.scan_base_read', 'locked', false);
    else
      select coalesce(jsonb_object_agg(c.oid::text, pg_stat_get_xact_numscans(c.oid)), '{}') into base
        from pg_class c where c.oid >= 16384 and c.relkind in ('r', 'p', 'm') and pg_stat_get_xact_numscans(c.oid) > 0;
      perform set_config('lockwatch.scan_base_read', 'all', false);
    end if;
    perform pg_stat_force_next_flush();
    perform count(*) from pg_catalog.pg_seclabel;
    perform set_config('lockwatch.flush_asked', coalesce(vxid, ''), false);
  end if;
  perform set_config('lockwatch.scan_base_xact', xact, false);
  perform set_config('lockwatch.scan_base', base::text, false);
  return base;
end
$fn$;

-- seq_scan of each table in this transaction so far (pg_stat_xact_user_tables): a scan shows as growth.
create or replace function lockwatch.scans(tables oid[]) returns json language plpgsql volatile as $fn$
declare
  base jsonb := lockwatch.scan_base();
begin
  return (select coalesce(json_agg(json_build_array(t::bigint,
                                                    pg_stat_get_xact_numscans(t) - coalesce((base ->> t::text)::bigint, 0))), '[]')
            from unnest(tables) t);
end
$fn$;

-- What DDL changed in a database that says so (lockwatch.note = on, set on the downgrade round trip's database: its
-- commands pass no gate), for the stairway's next read of shapes (SchemaReader): each command's object (an index as
-- its table), whether it is another kind of object (a sequence, view or type: the read reads those again), and
-- whether it may redefine tables it does not name (a schema, an extension: the read reads everything). Every
-- session notes, whatever its name. Rows go with their transaction: a failed command notes nothing.
create unlogged table if not exists lockwatch.noted_changes (relid oid, objects boolean not null,
                                                              everything boolean not null);

create or replace function lockwatch.note(relid oid, object_type text) returns void language sql as $fn$
  insert into lockwatch.noted_changes
  values (relid,
          object_type not in ('table', 'index', 'table column', 'table constraint', 'default value',
                              'materialized view', 'foreign table')
            or current_query() ~* '\mset\s+schema\M', -- a table's sequences move with it
          object_type in ('schema', 'extension'))
$fn$;

create or replace function lockwatch.noting() returns boolean language sql stable as $fn$
  select coalesce(current_setting('lockwatch.note', true), '') = 'on'
$fn$;

-- The objects a command dropped, kept until its end gate sends them (sql_drop fires before ddl_command_end).
create or replace function lockwatch.on_drop() returns event_trigger language plpgsql as $fn$
begin
  if lockwatch.noting() then
    perform lockwatch.note(d.objid, d.object_type) from pg_event_trigger_dropped_objects() d;
  end if;
  if lockwatch.skip() then return; end if;
  perform set_config('lockwatch.dropped', (coalesce(nullif(current_setting('lockwatch.dropped', true), ''), '[]')::jsonb
      || (select coalesce(jsonb_agg(jsonb_build_array(d.classid::regclass::text, d.objid::bigint, d.objsubid,
                                                      d.object_type, d.object_identity, d.original)), '[]')
            from pg_event_trigger_dropped_objects() d))::text, false);
end
$fn$;

create or replace function lockwatch.skip() returns boolean language sql stable as $fn$
  select coalesce(current_setting('lockwatch.internal', true), '') = 'on'
      or current_setting('application_name') = 'lockwatch-unjudged'
$fn$;

-- The gate protocol (tag layout, NOTICE fields, chunks) is defined once, in GateProtocol.java, which fills in the
-- @...@ fragments below.
-- A gate's tag and effects as application_name values: the tag alone when it fits, else base64 chunks, so that
-- nothing is clipped at 63 bytes (the watcher reassembles them).
create or replace function lockwatch.chunk_tags(first_seq bigint, tag text, effects json) returns setof text
language plpgsql immutable as $fn$
declare
  payload text;
  chunk text;
  seq bigint := first_seq;
  is_last boolean;
begin
  if effects is null and octet_length(tag) <= @APPLICATION_NAME_BYTES@ then
    return next tag;
    return;
  end if;
  payload := translate(encode(convert_to(@CHUNK_JSON@::text, 'UTF8'), 'base64'), E'\n', '');
  loop
    chunk := left(payload, @CHUNK_CHARS@);
    payload := substr(payload, @CHUNK_CHARS@ + 1);
    is_last := payload = '';
    return next @CHUNK_TAG@;
    exit when is_last;
    seq := seq + 1;
  end loop;
end
$fn$;

-- Whether nothing ran in this session since its previous gate, so that locks and index storage are as that gate
-- told them: lockwatch's alembic driver tags each query message with the session's count of messages and, for a
-- message of one statement, its first keyword (lockwatch_driver.py, _MessageTag). It holds when the previous gate
-- of this transaction ended message N (the end gate of its one top-level statement, or its version-table write)
-- and this gate is the first of message N + 1, a single statement of this kind (a DDL's start: 'CREATE' for
-- CREATE INDEX; a version-table write: 'UPDATE'). A statement of another kind (a SELECT calling a function that
-- runs DDL), several statements in one message, or a message no tag counts never are.
create or replace function lockwatch.quiet(kind text) returns boolean language plpgsql stable as $fn$
declare
  msg text[] := @MESSAGE_TAG@;
begin
  return msg is not null and msg[2] is not null and msg[2] = kind
     and current_setting('lockwatch.report', true) = 'notice'
     and coalesce(current_setting('lockwatch.last_gate', true), '') = transaction_timestamp() || '|' || (msg[1]::bigint - 1) || '|true';
end
$fn$;

-- The highest relation oid when this transaction's first gate read its locks. A relation above it did not exist then:
-- this transaction made it, and no other session can see it to wait for its lock (or another session made it since,
-- and it carries no traffic the deploy could block). Gates leave such locks out: a deploy of one transaction holds a
-- thousand on the tables, indexes and sequences it made, and reading them at every gate was most of a gate's cost.
-- Relations made later still get oids above it until the OID counter wraps around; after that they are told, as
-- before. The mark is a setting, so a rolled-back savepoint that set it takes it back, and the next gate sets it
-- again, higher: only more is told.
create or replace function lockwatch.created_above() returns oid language plpgsql volatile as $fn$
declare
  xact text := transaction_timestamp()::text;
  mark text := coalesce(current_setting('lockwatch.created_above', true), '');
  top oid;
begin
  if split_part(mark, '|', 1) = xact then
    return split_part(mark, '|', 2)::oid;
  end if;
  select max(c.oid) into top from pg_class c;
  perform set_config('lockwatch.created_above', xact || '|' || top, false);
  return top;
end
$fn$;

-- A gate keeps each lock it read as one number, relation * 32 + mode * 2 + granted: one array to keep, compare and
-- send, where a long deploy holds a thousand locks. lock_code makes the number, lock_rows turns numbers back into
-- locks as pg_locks names them. (Both are inlined into the queries that call them.)
create or replace function lockwatch.lock_code(relation oid, mode text, granted boolean) returns bigint
language sql immutable as $fn$
  select relation::bigint * 32 + @LOCK_MODE_NUMBER@ * 2 + granted::int
$fn$;

create or replace function lockwatch.lock_rows(codes bigint[]) returns table (relation bigint, mode text, granted boolean)
language sql immutable as $fn$
  select c / 32, (@LOCK_MODES@)[(c % 32) / 2], c % 2 = 1 from unnest(codes) c
$fn$;

-- lock_timeout and statement_timeout are off while waiting at the gate so the pause never trips the
-- migration's own timeouts; the SET clauses restore the migration's values when the function returns.
-- A session with lockwatch.report = notice (set by lockwatch's alembic driver, which collects the NOTICEs) does
-- not wait: it reads its own locks and reports them in-band, as the watcher would have read them at the gate.
-- effects: what the statement did (see lockwatch.effects), or null.
-- quiet: nothing ran since the session's previous gate (lockwatch.quiet), so its locks are the ones told then.
-- kind: the first keyword of the statement the gate belongs to ('' for none), for the next gate's lockwatch.quiet.
-- session_state: at a version-table write, the session's settings a flight of the alembic driver checks (see
-- GateProtocol.SESSION_STATE), reported in-band so that the driver need not ask for them after each revision.
drop function if exists lockwatch.pause(text, text); -- installed by an earlier lockwatch: the call would be ambiguous
drop function if exists lockwatch.pause(text, text, json);
drop function if exists lockwatch.pause(text, text, json, boolean, text);
create or replace function lockwatch.pause(event text, detail text, effects json default null, quiet boolean default false,
                                           kind text default '', session_state text[] default null) returns void
language plpgsql set lock_timeout = 0 set statement_timeout = 0 set client_min_messages = notice as $fn$
declare
  seq bigint := coalesce(nullif(current_setting('lockwatch.seq', true), ''), '0')::bigint + 1;
  app text := current_setting('application_name');
  tag text := @TAG@;
  paused_at bigint;
  fingerprint text;
  unchanged boolean;
  query_told boolean;
  held json;
  waiting text;
  msg text[];
  codes bigint[];
  told bigint[];
  added bigint[];
  since text;
  above oid;
begin
  if current_setting('lockwatch.report', true) = 'notice' then
    perform set_config('lockwatch.seq', seq::text, false);
    -- the statement's text goes with its first report only (a rollback takes the memory back: sent again)
    query_told := coalesce(current_setting('lockwatch.query_told', true), '') = statement_timestamp()::text;
    if not query_told then
      perform set_config('lockwatch.query_told', statement_timestamp()::text, false);
    end if;
    paused_at := (extract(epoch from clock_timestamp()) * 1000000)::bigint;
    msg := @MESSAGE_TAG@;
    -- the gate that ends a message of one statement lets the first gate of the next message skip its read
    perform set_config('lockwatch.last_gate', transaction_timestamp() || '|' || coalesce(msg[1], '') || '|'
        || coalesce(event in ('end', 'version') and kind <> '' and msg[2] = kind, false), false);
    if quiet then
      fingerprint := current_setting('lockwatch.locks_told', true);
      unchanged := true;
      raise notice '@NOTICE_PREFIX@%', @NOTICE_JSON@;
      return;
    end if;
    above := lockwatch.created_above();
    -- one read of pg_locks, whose cost is the server's whole lock table; its fingerprint tells whether anything
    -- changed since this transaction's last report (mostly not, at a start gate), and then no table is looked up
    select count(*) || ':' || coalesce(sum(hashint8(s.code)), 0), array_agg(s.code)
      into fingerprint, codes
      from (select lockwatch.lock_code(l.relation, l.mode, l.granted) as code
              from pg_locks l where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.relation >= 16384
                                and l.relation <= above) s;
    fingerprint := transaction_timestamp() || '|' || fingerprint;
    since := coalesce(current_setting('lockwatch.locks_told', true), '');
    unchanged := since = fingerprint;
    if not unchanged then
      -- after a report of this transaction, only the locks taken since go (mostly a few of the thousand a long
      -- deploy holds), unless some were released (a rolled-back savepoint): then all of them
      if split_part(since, '|', 1) = transaction_timestamp()::text then
        told := coalesce(nullif(current_setting('lockwatch.locks_told_codes', true), ''), '{}')::bigint[];
        -- an anti-join, not EXCEPT: a hash of the told codes probed once per code, no set of the codes built
        added := array(select c from unnest(codes) c where not exists (select from unnest(told) t where t = c));
        if coalesce(cardinality(codes), 0) - cardinality(added) <> cardinality(told) then
          since := null;
        end if;
      else
        since := null;
      end if;
      perform set_config('lockwatch.locks_told', fingerprint, false);
      perform set_config('lockwatch.locks_told_codes', coalesce(codes, '{}')::text, false);
      if since is null and cardinality(codes) > 50 then
        -- many (a first report after statements no gate paused, or locks released since the last report): one pass
        -- over pg_class, about as dear as 50 relations looked up alone
        select coalesce(json_agg(json_build_array(l.relation, l.mode, l.granted)), '[]') into held
          from lockwatch.lock_rows(codes) l where @TABLE_RELATION@;
      else
        -- each lock's relation looked up alone (a user table, or one this session no longer sees): those added
        -- since the last report, or the few of a transaction's first, where a pass over pg_class cost more
        select coalesce(json_agg(json_build_array(l.relation, l.mode, l.granted)), '[]') into held
          from lockwatch.lock_rows(case when since is null then codes else added end) l where @TABLE_RELATION_LOOKED_UP@;
      end if;
    end if;
    raise notice '@NOTICE_PREFIX@%', @NOTICE_JSON@;
    return;
  end if;
  for waiting in select lockwatch.chunk_tags(seq, tag, effects) loop
    seq := split_part(waiting, '|', 2)::bigint;
    perform set_config('lockwatch.seq', seq::text, false);
    perform set_config('application_name', waiting, false);
    perform pg_advisory_lock_shared(@GATE_KEY@, (1 + seq % 2)::int);
    perform pg_advisory_unlock_shared(@GATE_KEY@, (1 + seq % 2)::int);
  end loop;
  perform set_config('application_name', app, false);
end
$fn$;

create or replace function lockwatch.on_ddl_start() returns event_trigger language plpgsql as $fn$
declare
  rebuilt oid[] := '{}';
  kind text := split_part(tg_tag, ' ', 1);
  quiet boolean;
begin
  if lockwatch.skip() then return; end if;
  perform lockwatch.scan_base(); -- before the statement runs: its own scans count
  quiet := lockwatch.quiet(kind);
  if not quiet then
    rebuilt := lockwatch.rebuilt_oids();
  end if;
  perform lockwatch.pause('start', lockwatch.lock_timeout_ms() || '|||' || array_to_string(rebuilt, ',') || '|' || tg_tag,
      lockwatch.rebuilt_states(rebuilt), quiet, kind);
  perform set_config('lockwatch.started', extract(epoch from clock_timestamp())::text, false);
end
$fn$;

create or replace function lockwatch.on_ddl_end() returns event_trigger language plpgsql as $fn$
declare
  started double precision := nullif(current_setting('lockwatch.started', true), '')::double precision;
  elapsed bigint;
  target oid;
  touched oid[];
  commands json;
  created text[];
  new_tables oid[];
  version_table text;
begin
  if lockwatch.noting() then
    perform lockwatch.note(coalesce(i.indrelid, c.objid), c.object_type)
       from pg_event_trigger_ddl_commands() c
       left join lateral (select i.indrelid from pg_index i where i.indexrelid = c.objid offset 0) i on true;
  end if;
  if lockwatch.skip() then return; end if;
  if started is null or started < extract(epoch from statement_timestamp()) then
    started := extract(epoch from statement_timestamp());
  end if;
  elapsed := ((extract(epoch from clock_timestamp()) - started) * 1000000)::bigint;
  -- one pass over the commands (each row's identity is a catalog lookup): the first table or index the statement
  -- names, every table it touched, the commands themselves, and the version table if it made it. An index's table is
  -- looked up by the index's oid, command by command: a join's generic plan hashed the whole of pg_index at every
  -- DDL statement (1.7 ms with 10,000 indexes).
  select (array_agg(coalesce(i.indrelid, c.objid)) filter (where c.object_type in ('table', 'index')))[1],
         coalesce(array_agg(coalesce(i.indrelid, c.objid)), '{}'), -- no DISTINCT here: it may sort the others' input
         coalesce(json_agg(json_build_array(c.classid::regclass::text, c.objid::bigint, c.objsubid, c.command_tag,
                                            c.object_type, c.object_identity)), '[]'),
         coalesce(array_agg(c.object_identity) filter (where c.command_tag = 'CREATE TABLE'
                                                          and c.object_identity like '%.' || '@VERSION_TABLE@'), '{}'),
         coalesce(array_agg(c.objid) filter (where c.object_type = 'table'
                                              and c.command_tag in @GATED_AT_CREATION@), '{}')
    into target, touched, commands, created, new_tables
    from pg_event_trigger_ddl_commands() c
    left join lateral (select i.indrelid from pg_index i where i.indexrelid = c.objid offset 0) i on true;
  -- the index storage the statement made is in these states: told here, the next start gate has none to tell
  touched := array(select distinct t from unnest(touched || lockwatch.rebuilt_oids()) t);
  -- the version table appears during the run: gate its writes too (the end of each revision's transaction)
  foreach version_table in array created loop
    perform lockwatch.gate_version_table(version_table);
  end loop;
  -- a table the deploy creates is gated at once: a later revision of the same deploy may fill it
  if new_tables <> '{}' then
    perform lockwatch.gate_tables(new_tables);
  end if;
  perform lockwatch.pause('end', lockwatch.lock_timeout_ms() || '|' || elapsed || '|' || coalesce(target::text, '') || '||' || tg_tag,
      json_build_object('commands', commands,
                        'dropped', coalesce(nullif(current_setting('lockwatch.dropped', true), ''), '[]')::json,
                        'tables', lockwatch.table_states(touched), 'scans', lockwatch.scans(touched)),
      false, split_part(tg_tag, ' ', 1));
  perform set_config('lockwatch.dropped', '', false);
  perform set_config('lockwatch.started', '', false);
end
$fn$;

create or replace function lockwatch.on_rewrite() returns event_trigger language plpgsql as $fn$
begin
  if lockwatch.skip() then return; end if;
  perform lockwatch.pause('rewrite', lockwatch.lock_timeout_ms() || '||' || pg_event_trigger_table_rewrite_oid()
      || '|' || pg_event_trigger_table_rewrite_reason() || '|' || tg_tag);
end
$fn$;

create or replace function lockwatch.on_version_write() returns trigger language plpgsql as $fn$
declare
  rebuilt oid[] := '{}';
  quiet boolean;
begin
  if lockwatch.skip() then return null; end if;
  quiet := lockwatch.quiet(tg_op);
  if not quiet then
    rebuilt := lockwatch.rebuilt_oids();
  end if;
  -- the session as the revision left it, read here: pause runs with the timeouts off
  perform lockwatch.pause('version', lockwatch.lock_timeout_ms() || '|||' || array_to_string(rebuilt, ',') || '|' || tg_op,
      lockwatch.rebuilt_states(rebuilt), quiet, tg_op, @SESSION_STATE@);
  return null;
end
$fn$;

-- Rows a statement inserted, updated or deleted in table rel (issue 16: unbatched data changes), from the counters
-- only the migration's own session can read: read before the statement (rows_before, a trigger that never pauses)
-- and at its end gate. Both reads are needed: pg_stat_xact_user_tables also counts earlier transactions of the
-- session whose statistics are not yet flushed.
create or replace function lockwatch.rows_counted(rel oid) returns bigint language plpgsql as $fn$
begin
  return pg_stat_get_xact_tuples_inserted(rel) + pg_stat_get_xact_tuples_updated(rel) + pg_stat_get_xact_tuples_deleted(rel);
end
$fn$;

create or replace function lockwatch.rows_before() returns trigger language plpgsql as $fn$
begin
  if not lockwatch.skip() then
    perform set_config('lockwatch.rows_' || tg_relid, lockwatch.rows_counted(tg_relid)::text, false);
  end if;
  return null;
end
$fn$;

create or replace function lockwatch.rows_changed(rel oid) returns text language plpgsql as $fn$
declare
  setting text := 'lockwatch.rows_' || rel;
  before bigint := nullif(current_setting(setting, true), '')::bigint;
begin
  perform set_config(setting, '', false); -- a reading serves one statement; TRUNCATE takes none and gets ''
  return coalesce((lockwatch.rows_counted(rel) - before)::text, '');
end
$fn$;

create or replace function lockwatch.on_dml() returns trigger language plpgsql as $fn$
begin
  if lockwatch.skip() then return null; end if;
  perform lockwatch.pause('dml', lockwatch.lock_timeout_ms() || '||' || tg_relid || '|' || lockwatch.rows_changed(tg_relid)
      || '|' || tg_op, json_build_object('scans', lockwatch.scans(array[tg_relid])));
  return null;
end
$fn$;

-- A statement-level trigger on every user table pauses each INSERT, UPDATE, DELETE and TRUNCATE at its end,
-- so DML in a revision (backfills) is attributed to its statement deterministically too.
-- The user tables of rels that have no DML gate yet, each found by its oid: a gate that gates the table its statement
-- created looks at that table alone, however large the schema (an "or rels is null" here made it a scan of pg_class).
create or replace function lockwatch.ungated_tables(rels oid[]) returns table (name text) language sql stable as $fn$
  select format('%I.%I', n.nspname, c.relname)
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.oid = any(rels)
     and c.relkind in ('r', 'p') and c.relpersistence <> 't' and c.relname <> '@VERSION_TABLE@'
     and n.nspname not in ('pg_catalog', 'information_schema', 'lockwatch')
     and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
     and not exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'lockwatch_dml_gate')
$fn$;

-- Gates the tables of rels (every user table when null); lockwatch's own DDL, so no gate pauses it.
create or replace function lockwatch.gate_tables(rels oid[] default null) returns int language plpgsql as $fn$
declare
  t text;
  gated int := 0;
  previous text := coalesce(current_setting('lockwatch.internal', true), '');
begin
  perform set_config('lockwatch.internal', 'on', true);
  -- the whole catalog's oids in a variable, not in the call's argument: a subquery there keeps the planner from
  -- inlining ungated_tables, which was then planned anew at every call (half a millisecond a new table)
  if rels is null then
    rels := array(select lc.oid from pg_class lc);
  end if;
  for t in select u.name from lockwatch.ungated_tables(rels) u loop
    begin
      execute format('create trigger lockwatch_dml_gate after insert or update or delete or truncate on %s '
                     'for each statement execute procedure lockwatch.on_dml()', t);
      execute format('create trigger lockwatch_dml_rows before insert or update or delete on %s '
                     'for each statement execute procedure lockwatch.rows_before()', t);
      gated := gated + 1;
    exception when others then
      null; -- a table kind that takes no such trigger: polling still sees its locks
    end;
  end loop;
  perform set_config('lockwatch.internal', previous, true);
  return gated;
end
$fn$;

create or replace function lockwatch.gate_version_table(version_table text) returns void language plpgsql as $fn$
declare
  previous text := coalesce(current_setting('lockwatch.internal', true), '');
begin
  perform set_config('lockwatch.internal', 'on', true);
  execute format('drop trigger if exists lockwatch_version_gate on %s', version_table);
  execute format('create trigger lockwatch_version_gate after insert or update or delete on %s '
                 'for each statement execute procedure lockwatch.on_version_write()', version_table);
  perform set_config('lockwatch.internal', previous, true);
end
$fn$;

-- A gate's queries are planned with the generic plan from their first call: a custom plan is made anew at each of a
-- session's first five calls and after every DDL statement (each invalidates the session's cached plans), and
-- planning these catalog queries costs more than running them. The setting exists from PostgreSQL 12.
-- And without sequential scans: a generic plan made at a fresh database's first gate, whose catalogs are small,
-- scanned pg_class, pg_index and pg_constraint whole at every later gate as a deploy grew them (a lookup by oid made
-- a scan of two thousand rows): a quarter of the gates' server time in a one-transaction deploy.
do $do$
begin
  if current_setting('server_version_num')::int >= 120000 then
    execute (select string_agg(format('alter function %1$s set plan_cache_mode = force_generic_plan; '
                                      'alter function %1$s set enable_seqscan = off', p.oid::regprocedure), '; ')
               from pg_proc p where p.pronamespace = 'lockwatch'::regnamespace
                and p.prolang = (select l.oid from pg_language l where l.lanname = 'plpgsql'));
  end if;
end
$do$;

-- the triggers run as whichever role the migration is at the moment (SET ROLE app_owner): every role may use
-- lockwatch's functions (EXECUTE is PUBLIC's by default, and granted again for a database that revoked it)
grant usage on schema lockwatch to public;
grant execute on all functions in schema lockwatch to public;

drop event trigger if exists lockwatch_ddl_start;
drop event trigger if exists lockwatch_ddl_end;
drop event trigger if exists lockwatch_rewrite;
drop event trigger if exists lockwatch_drop;
create event trigger lockwatch_ddl_start on ddl_command_start execute procedure lockwatch.on_ddl_start();
create event trigger lockwatch_ddl_end on ddl_command_end execute procedure lockwatch.on_ddl_end();
create event trigger lockwatch_rewrite on table_rewrite execute procedure lockwatch.on_rewrite();
create event trigger lockwatch_drop on sql_drop execute procedure lockwatch.on_drop();

select lockwatch.gate_version_table(format('%I.%I', n.nspname, c.relname))
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relname = '@VERSION_TABLE@' and c.relkind = 'r';
