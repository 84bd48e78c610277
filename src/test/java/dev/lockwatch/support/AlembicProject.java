package dev.lockwatch.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A real Alembic project on disk, laid out as {@code alembic init} does, with revisions written by a test. */
public final class AlembicProject {
    /** The {@code alembic init} template's env.py: the URL comes from sqlalchemy.url in the ini. */
    public static final String ENV_FROM_INI = """
            from alembic import context
            from sqlalchemy import engine_from_config, pool

            config = context.config

            def run_migrations_online():
                connectable = engine_from_config(config.get_section(config.config_ini_section),
                                                 prefix="sqlalchemy.", poolclass=pool.NullPool)
                with connectable.connect() as connection:
                    context.configure(connection=connection, target_metadata=None%s)
                    with context.begin_transaction():
                        context.run_migrations()

            run_migrations_online()
            """;

    /** An env.py that reads the URL from an environment variable, as twelve-factor services do. */
    public static final String ENV_FROM_VARIABLE = """
            import os
            from alembic import context
            from sqlalchemy import create_engine, pool

            def run_migrations_online():
                connectable = create_engine(os.environ["%s"], poolclass=pool.NullPool)
                with connectable.connect() as connection:
                    context.configure(connection=connection, target_metadata=None)
                    with context.begin_transaction():
                        context.run_migrations()

            run_migrations_online()
            """;

    /**
     * A baseline the rule tests build on: customers (100 rows) and orders (1,000 rows) referencing them by a
     * column that has no constraint yet.
     */
    public static final String SHOP = """
            op.create_table('customers', sa.Column('id', sa.Integer, primary_key=True), sa.Column('email', sa.String(200)))
            op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True), sa.Column('customer_id', sa.Integer),
                            sa.Column('qty', sa.Integer), sa.Column('note', sa.String(20)))
            op.execute("INSERT INTO customers (id, email) SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 100) g")
            op.execute("INSERT INTO orders (customer_id, qty) SELECT 1 + g % 100, g FROM generate_series(1, 1000) g")
            """;

    private final Path root;

    private AlembicProject(Path root) {
        this.root = root;
    }

    /** A project whose env.py takes the URL from the ini, which points at a database that does not exist. */
    public static AlembicProject create(Path root) {
        return create(root, ENV_FROM_INI.formatted(""));
    }

    public static AlembicProject create(Path root, String envPy) {
        AlembicProject project = new AlembicProject(root);
        project.write("alembic.ini", """
                [alembic]
                script_location = migrations
                sqlalchemy.url = postgresql://app:secret@production.invalid/app
                """);
        project.write("migrations/env.py", envPy);
        project.write("migrations/script.py.mako", "");
        try {
            Files.createDirectories(root.resolve("migrations/versions"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return project;
    }

    public Path root() {
        return root;
    }

    public Path ini() {
        return root.resolve("alembic.ini");
    }

    /**
     * A revision with one parent (null for a base) whose upgrade runs {@code upgrade} (Python, op.* calls) and whose
     * downgrade is declared one-way, as a hand-written revision without a way back is: the round trip reports it as a
     * warning (downgrade-one-way) and goes on. (A {@code pass} downgrade after DDL fails the upgrade again: an error.)
     */
    public AlembicProject revision(String id, String down, String upgrade) {
        return revision(id, down == null ? List.of() : List.of(down), List.of(), upgrade, "raise NotImplementedError()");
    }

    /** The {@link #SHOP} baseline as revision {@code base} (verify with --from base... or --from the id). */
    public static AlembicProject shop(Path root, String baselineId) {
        return create(root).revision(baselineId, null, SHOP, "op.drop_table('orders')\nop.drop_table('customers')");
    }

    /** A revision with one parent (null for a base) and its downgrade. */
    public AlembicProject revision(String id, String down, String upgrade, String downgrade) {
        return revision(id, down == null ? List.of() : List.of(down), List.of(), upgrade, downgrade);
    }

    public AlembicProject revision(String id, List<String> downs, List<String> dependsOn, String upgrade, String downgrade) {
        String down = downs.isEmpty() ? "None" : downs.size() == 1 ? quote(downs.get(0))
                : "(" + downs.stream().map(AlembicProject::quote).collect(Collectors.joining(", ")) + ")";
        String depends = dependsOn.isEmpty() ? "None"
                : "(" + dependsOn.stream().map(AlembicProject::quote).collect(Collectors.joining(", ")) + ",)";
        write("migrations/versions/" + id + ".py", """
                \"\"\"revision %s

                Revision ID: %s
                \"\"\"
                from alembic import op
                import sqlalchemy as sa

                revision = %s
                down_revision = %s
                branch_labels = None
                depends_on = %s


                def upgrade():
                %s


                def downgrade():
                %s
                """.formatted(id, id, quote(id), down, depends, indent(upgrade), indent(downgrade)));
        return this;
    }

    public AlembicProject write(String relative, String content) {
        Path file = root.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Every file of the project with its content, to prove lockwatch changed nothing. */
    public String fingerprint() {
        try (var files = Files.walk(root)) {
            return files.sorted().map(p -> {
                try {
                    return root.relativize(p) + (Files.isRegularFile(p) ? ":" + Files.readString(p).hashCode() : "/");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(String value) {
        return "'" + value + "'";
    }

    private static String indent(String body) {
        return body.strip().lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
    }
}
