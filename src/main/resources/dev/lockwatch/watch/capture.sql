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
-- only the migration's own session sees its uncommitted catalog rows, so it tells the watcher at its gates.
create or replace function lockwatch.rebuilt_tables() returns text language sql stable as $fn$
  select coalesce(string_agg(distinct i.indrelid::text, ','), '')
    from pg_index i join pg_class c on c.oid = i.indexrelid
   where age(c.xmin) = 0
$fn$;

create or replace function lockwatch.skip() returns boolean language sql stable as $fn$
  select coalesce(current_setting('lockwatch.internal', true), '') = 'on'
      or current_setting('application_name') = 'lockwatch-unjudged'
$fn$;

-- lock_timeout and statement_timeout are off while waiting at the gate so the pause never trips the
-- migration's own timeouts; the SET clauses restore the migration's values when the function returns.
-- A session with lockwatch.report = notice (set by lockwatch's alembic driver, which collects the NOTICEs) does
-- not wait: it reads its own locks and reports them in-band, as the watcher would have read them at the gate.
create or replace function lockwatch.pause(event text, detail text) returns void
language plpgsql set lock_timeout = 0 set statement_timeout = 0 set client_min_messages = notice as $fn$
declare
  seq bigint := coalesce(nullif(current_setting('lockwatch.seq', true), ''), '0')::bigint + 1;
  app text := current_setting('application_name');
  paused_at bigint;
  held json;
begin
  perform set_config('lockwatch.seq', seq::text, false);
  if current_setting('lockwatch.report', true) = 'notice' then
    paused_at := (extract(epoch from clock_timestamp()) * 1000000)::bigint;
    select coalesce(json_agg(json_build_array(l.relation::bigint, l.mode, l.granted)), '[]') into held
      from pg_locks l where l.pid = pg_backend_pid() and l.locktype = 'relation';
    raise notice 'lockwatch-gate %', json_build_object(
      'time', paused_at, 'pid', pg_backend_pid(), 'pause', 'lw|' || seq || '|' || event || '|' || detail,
      'query', current_query(),
      'query_start', (extract(epoch from statement_timestamp()) * 1000000)::bigint,
      'xact_start', (extract(epoch from transaction_timestamp()) * 1000000)::bigint,
      'locks', held, 'until', (extract(epoch from clock_timestamp()) * 1000000)::bigint);
    return;
  end if;
  perform set_config('application_name', left('lw|' || seq || '|' || event || '|' || detail, 63), false);
  perform pg_advisory_lock_shared(@GATE_KEY@, (1 + seq % 2)::int);
  perform pg_advisory_unlock_shared(@GATE_KEY@, (1 + seq % 2)::int);
  perform set_config('application_name', app, false);
end
$fn$;

create or replace function lockwatch.on_ddl_start() returns event_trigger language plpgsql as $fn$
begin
  if lockwatch.skip() then return; end if;
  perform lockwatch.pause('start', lockwatch.lock_timeout_ms() || '|||' || lockwatch.rebuilt_tables() || '|' || tg_tag);
  perform set_config('lockwatch.started', extract(epoch from clock_timestamp())::text, false);
end
$fn$;

create or replace function lockwatch.on_ddl_end() returns event_trigger language plpgsql as $fn$
declare
  started double precision := nullif(current_setting('lockwatch.started', true), '')::double precision;
  elapsed bigint;
  target oid;
  created text;
begin
  if lockwatch.skip() then return; end if;
  if started is null or started < extract(epoch from statement_timestamp()) then
    started := extract(epoch from statement_timestamp());
  end if;
  elapsed := ((extract(epoch from clock_timestamp()) - started) * 1000000)::bigint;
  select coalesce(i.indrelid, c.objid) into target
    from pg_event_trigger_ddl_commands() c left join pg_index i on i.indexrelid = c.objid
   where c.object_type in ('table', 'index') limit 1;
  -- the version table appears during the run: gate its writes too (the end of each revision's transaction)
  for created in select object_identity from pg_event_trigger_ddl_commands()
                  where command_tag = 'CREATE TABLE' and object_identity like '%.' || '@VERSION_TABLE@' loop
    perform lockwatch.gate_version_table(created);
  end loop;
  perform lockwatch.pause('end', lockwatch.lock_timeout_ms() || '|' || elapsed || '|' || coalesce(target::text, '') || '||' || tg_tag);
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
begin
  if lockwatch.skip() then return null; end if;
  perform lockwatch.pause('version', lockwatch.lock_timeout_ms() || '|||' || lockwatch.rebuilt_tables() || '|' || tg_op);
  return null;
end
$fn$;

create or replace function lockwatch.on_dml() returns trigger language plpgsql as $fn$
begin
  if lockwatch.skip() then return null; end if;
  perform lockwatch.pause('dml', lockwatch.lock_timeout_ms() || '||' || tg_relid || '||' || tg_op);
  return null;
end
$fn$;

-- A statement-level trigger on every user table pauses each INSERT, UPDATE, DELETE and TRUNCATE at its end,
-- so DML in a revision (backfills) is attributed to its statement deterministically too.
create or replace function lockwatch.gate_tables() returns int language plpgsql as $fn$
declare
  t record;
  gated int := 0;
begin
  for t in select c.oid, format('%I.%I', n.nspname, c.relname) as name, c.relkind
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and c.relname <> '@VERSION_TABLE@'
              and n.nspname not in ('pg_catalog', 'information_schema', 'lockwatch')
              and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
              and not exists (select 1 from pg_trigger g where g.tgrelid = c.oid and g.tgname = 'lockwatch_dml_gate') loop
    begin
      execute format('create trigger lockwatch_dml_gate after insert or update or delete or truncate on %s '
                     'for each statement execute procedure lockwatch.on_dml()', t.name);
      gated := gated + 1;
    exception when others then
      null; -- a table kind that takes no such trigger: polling still sees its locks
    end;
  end loop;
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

-- the triggers run as whichever role the migration is at the moment (SET ROLE app_owner): every role may use
-- lockwatch's functions (EXECUTE is PUBLIC's by default, and granted again for a database that revoked it)
grant usage on schema lockwatch to public;
grant execute on all functions in schema lockwatch to public;

drop event trigger if exists lockwatch_ddl_start;
drop event trigger if exists lockwatch_ddl_end;
drop event trigger if exists lockwatch_rewrite;
create event trigger lockwatch_ddl_start on ddl_command_start execute procedure lockwatch.on_ddl_start();
create event trigger lockwatch_ddl_end on ddl_command_end execute procedure lockwatch.on_ddl_end();
create event trigger lockwatch_rewrite on table_rewrite execute procedure lockwatch.on_rewrite();

select lockwatch.gate_version_table(format('%I.%I', n.nspname, c.relname))
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relname = '@VERSION_TABLE@' and c.relkind = 'r';
